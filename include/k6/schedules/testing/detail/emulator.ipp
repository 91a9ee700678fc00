// SPDX-License-Identifier: BSL-1.0
// The emulator's routes and rules (detail/emulator.hpp), compiled into k6::schedules_testing.
#include <k6/schedules/testing/detail/emulator.hpp>

#include <k6/schedules/testing/detail/generate.hpp>

#include <k6/schedules/json.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <set>
#include <stdexcept>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

using loopback::Request;
using loopback::Response;
namespace k6s = k6::schedules;
namespace json = boost::json;

namespace {

Response json_response(unsigned status, const json::value& body) {
    Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = json::serialize(body);
    return response;
}

// The ErrorResponseApiModel every error answer carries.
Response error_response(unsigned status, std::string code, std::string message,
                        std::optional<std::string> target = std::nullopt) {
    k6s::ErrorBody error{std::move(code), std::move(message), std::move(target), {}};
    return json_response(status, json::object{{"error", json::value_from(error)}});
}

// A request the service rejects: 400, naming the field (no target when the request as a whole is wrong).
Response validation_error(const k6s::ApiError& error) {
    std::optional<std::string> target = error.target;
    if (target && target->empty()) target.reset();
    return error_response(400, "validation_error", error.message, target);
}

Response no_content() {
    Response response;
    response.status = 204;
    return response;
}

// A stack URL as the service compares it: scheme and host are case-insensitive, and a trailing
// slash names the same stack.
std::string normalized_stack_url(std::string_view url) {
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    std::string lowered(url);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lowered;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::set<std::int64_t>> parse_id_list(std::string_view text) {
    std::set<std::int64_t> ids;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto dash = item.find('-');
        const auto first = parse_int(item.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : parse_int(item.substr(dash + 1));
        if (!first || !last || *first < 1 || *last < *first || *last - *first > 1'000'000) return std::nullopt;
        for (std::int64_t id = *first; id <= *last; ++id) ids.insert(id);
    }
    if (ids.empty()) return std::nullopt;
    return ids;
}

Emulator::Emulator(EmulatorOptions options) : options_(std::move(options)), faults_(options_.faults) {
    std::optional<Snapshot> snapshot;
    if (options_.data_file) snapshot = load_snapshot(*options_.data_file);
    if (options_.generate > 0) {
        if (!snapshot) snapshot.emplace();
        generate_schedules(*snapshot, options_.generate, options_.load_tests, options_.generate_seed, now());
    }
    if (!snapshot) return;
    for (auto& s : snapshot->schedules) {  // (generate_schedules() has checked its own: these are the file's)
        auto recurrence = k6s::Recurrence::compile(s.request);
        if (!recurrence)
            throw std::runtime_error("data file " + options_.data_file->string() + ": schedule " +
                                     std::to_string(s.id.value) + ": " + recurrence.error().message);
        by_load_test_[s.load_test_id.value] = s.id.value;
        schedules_.insert_or_assign(
            s.id.value, Stored{s.id, s.load_test_id, std::move(s.request), std::move(*recurrence), s.deactivated});
        next_id_ = std::max(next_id_, s.id.value + 1);
    }
    next_id_ = std::max(next_id_, snapshot->next_id);
    // The file then holds what is served from the first request on, as after any other change.
    if (options_.generate > 0) persist();
}

void Emulator::persist() {
    if (!options_.data_file) return;
    Snapshot snapshot;
    snapshot.next_id = next_id_;
    for (const auto& [id, stored] : schedules_)
        snapshot.schedules.push_back({stored.id, stored.load_test_id, stored.request, stored.deactivated});
    save_snapshot(*options_.data_file, snapshot);
}

k6s::Timestamp Emulator::now() const {
    if (options_.now) return options_.now();
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

k6s::Schedule Emulator::view(const Stored& stored) const {
    k6s::Schedule schedule;
    schedule.id = stored.id;
    schedule.load_test_id = stored.load_test_id;
    schedule.starts = stored.request.starts;
    schedule.cron = stored.request.cron;
    schedule.recurrence_rule = stored.request.recurrence_rule;
    if (schedule.recurrence_rule && !schedule.recurrence_rule->interval) schedule.recurrence_rule->interval = 1;
    schedule.deactivated = stored.deactivated;
    schedule.next_run = stored.recurrence.next_run(now());
    schedule.created_by = options_.created_by;
    return schedule;
}

void Emulator::set_faults(const Faults& faults) {
    std::lock_guard lock(mutex_);
    options_.faults = faults;
    faults_ = FaultInjector(faults);
}

expected<Schedule> Emulator::add_schedule(LoadTestId load_test, const CreateScheduleRequest& request,
                                          bool deactivated) {
    if (load_test.value < 1) return k6s::detail::invalid_argument("load test ids are positive", "load_test");
    auto recurrence = k6s::Recurrence::compile(request);
    if (!recurrence) return std::unexpected(recurrence.error());
    std::lock_guard lock(mutex_);
    options_.load_tests.insert(load_test.value);
    Stored& stored = store(load_test.value, request, std::move(*recurrence));
    stored.deactivated = deactivated;
    persist();
    return view(stored);
}

std::vector<Schedule> Emulator::schedules() {
    std::lock_guard lock(mutex_);
    std::vector<Schedule> all;
    all.reserve(schedules_.size());
    for (const auto& [id, stored] : schedules_) all.push_back(view(stored));
    return all;
}

Emulator::Stored& Emulator::store(std::int64_t load_test, CreateScheduleRequest request,
                                        Recurrence recurrence) {
    // Setting overwrites: the load test keeps one schedule, with a new id.
    if (const auto it = by_load_test_.find(load_test); it != by_load_test_.end()) schedules_.erase(it->second);
    const std::int64_t id = next_id_++;
    by_load_test_[load_test] = id;
    return schedules_
        .insert_or_assign(id, Stored{k6s::ScheduleId{id}, k6s::LoadTestId{load_test}, std::move(request),
                                     std::move(recurrence), false})
        .first->second;
}

Response Emulator::handle(const Request& request) {
    std::lock_guard lock(mutex_);
    Response response;
    switch (faults_.refusal()) {
        case FaultInjector::Refusal::throttled:
            response = error_response(429, "too_many_requests", "Request was throttled (fault injection).");
            response.headers.emplace_back("Retry-After", faults_.retry_after());
            break;
        case FaultInjector::Refusal::internal_error:
            response = error_response(500, "internal_error", "Unexpected error (fault injection).");
            break;
        case FaultInjector::Refusal::unavailable:
            response = error_response(503, "service_unavailable", "Service unavailable (fault injection).");
            break;
        case FaultInjector::Refusal::none: response = route(request); break;
    }
    faults_.shape(response);
    return response;
}

FaultCounts Emulator::fault_counts() {
    std::lock_guard lock(mutex_);
    return faults_.counts();
}

Response Emulator::route(const Request& request) {
    if (request.header("Authorization") != "Bearer " + options_.token)
        return error_response(401, "unauthenticated", "Invalid token or authentication scheme.");
    // GET /cloud/v6/auth names the stack by its URL (X-Stack-Url): it is how a client finds out the
    // stack id, so it is the one route that does not require X-Stack-Id.
    if (const auto target = boost::urls::parse_origin_form(request.target);
        target && target->encoded_path() == "/cloud/v6/auth") {
        if (request.method != "GET")
            return error_response(405, "method_not_allowed", "Method " + request.method + " is not allowed here.");
        return authenticate(request);
    }
    const auto stack = request.header("X-Stack-Id");
    if (!stack) return error_response(400, "validation_error", "The X-Stack-Id header is required.", "X-Stack-Id");
    const auto stack_id = parse_int(*stack);
    if (!stack_id) return error_response(400, "validation_error", "X-Stack-Id must be an integer.", "X-Stack-Id");
    if (*stack_id != options_.stack_id)
        return error_response(403, "permission_denied", "The user does not have permission to perform this action.");

    auto parsed = boost::urls::parse_origin_form(request.target);
    if (!parsed) return error_response(400, "validation_error", "Malformed request target.");
    std::vector<std::string> segments;
    for (auto segment : parsed->segments()) segments.push_back(std::string(segment));
    const std::string& method = request.method;
    auto not_allowed = [&] {
        return error_response(405, "method_not_allowed", "Method " + method + " is not allowed here.");
    };
    auto id_at = [&](std::size_t i) { return parse_int(segments[i]); };

    if (segments.size() >= 2 && segments[0] == "cloud" && segments[1] == "v6") {
        if (segments.size() == 5 && segments[2] == "load_tests" && segments[4] == "schedule") {
            const auto id = id_at(3);
            if (!id) return error_response(404, "not_found", "Load test not found.");
            if (method == "GET") return get_load_test_schedule(*id);
            if (method == "POST") return set_load_test_schedule(*id, request.body);
            return not_allowed();
        }
        if (segments.size() == 3 && segments[2] == "schedules") {
            if (method == "GET") return list_schedules(request);
            return not_allowed();
        }
        if (segments.size() >= 4 && segments.size() <= 5 && segments[2] == "schedules") {
            const auto id = id_at(3);
            if (!id) return error_response(404, "not_found", "Schedule not found.");
            if (segments.size() == 4) {
                if (method == "GET") return get_schedule(*id);
                if (method == "DELETE") return delete_schedule(*id);
                return not_allowed();
            }
            if (segments[4] == "activate") return method == "POST" ? activate_schedule(*id) : not_allowed();
            if (segments[4] == "deactivate") return method == "POST" ? deactivate_schedule(*id) : not_allowed();
        }
    }
    return error_response(404, "not_found", "Resource not found.");
}

Response Emulator::authenticate(const Request& request) {
    const auto url = request.header("X-Stack-Url");
    if (!url || url->empty())
        return error_response(400, "validation_error", "The X-Stack-Url header is required.", "X-Stack-Url");
    if (normalized_stack_url(*url) != normalized_stack_url(options_.stack_url))
        return error_response(403, "permission_denied", "The user does not have permission to perform this action.");
    return json_response(200, json::value_from(k6s::AuthenticationResponse{options_.stack_id,
                                                                            options_.default_project_id}));
}

Response Emulator::get_load_test_schedule(std::int64_t load_test) {
    if (!options_.load_tests.contains(load_test)) return error_response(404, "not_found", "Load test not found.");
    const auto it = by_load_test_.find(load_test);
    if (it == by_load_test_.end()) return error_response(404, "not_found", "The load test has no schedule.");
    return json_response(200, json::value_from(view(schedules_.at(it->second))));
}

Response Emulator::set_load_test_schedule(std::int64_t load_test, const std::string& body) {
    if (!options_.load_tests.contains(load_test)) return error_response(404, "not_found", "Load test not found.");
    auto request = k6s::parse_json<k6s::CreateScheduleRequest>(body);
    if (!request) return validation_error(request.error());
    // The service's own rules, time zones included (k6/schedules/recurrence.hpp).
    auto recurrence = k6s::Recurrence::compile(*request);
    if (!recurrence) return validation_error(recurrence.error());
    const Stored& stored = store(load_test, std::move(*request), std::move(*recurrence));
    persist();
    return json_response(200, json::value_from(view(stored)));
}

Response Emulator::list_schedules(const Request& request) {
    const auto url = *boost::urls::parse_origin_form(request.target);
    std::int64_t top = 1000, skip = 0;
    bool count = false;
    for (auto param : url.params()) {
        const auto value = parse_int(param.value);
        if (param.key == "$top") {
            if (!value || *value < 1 || *value > 1000)
                return error_response(400, "validation_error", "$top must be an integer between 1 and 1000.", "$top");
            top = *value;
        } else if (param.key == "$skip") {
            if (!value || *value < 0)
                return error_response(400, "validation_error", "$skip must be a non-negative integer.", "$skip");
            skip = *value;
        } else if (param.key == "$count") {
            if (param.value != "true" && param.value != "false")
                return error_response(400, "validation_error", "$count must be true or false.", "$count");
            count = param.value == "true";
        }
    }
    k6s::SchedulePage page;
    std::int64_t index = 0;
    for (const auto& [id, stored] : schedules_) {
        if (index >= skip && index < skip + top) page.items.push_back(view(stored));
        ++index;
    }
    const auto total = static_cast<std::int64_t>(schedules_.size());
    if (count) page.count = total;
    if (skip + top < total) {
        const std::string base = options_.public_url ? *options_.public_url
                                                     : std::string(options_.tls ? "https://" : "http://") +
                                                           request.header("Host").value_or("127.0.0.1");
        page.next_link = base + "/cloud/v6/schedules?$skip=" + std::to_string(skip + top) +
                         "&$top=" + std::to_string(top) + (count ? "&$count=true" : "");
    }
    return json_response(200, json::value_from(page));
}

Response Emulator::get_schedule(std::int64_t id) {
    const auto it = schedules_.find(id);
    if (it == schedules_.end()) return error_response(404, "not_found", "Schedule not found.");
    return json_response(200, json::value_from(view(it->second)));
}

Response Emulator::delete_schedule(std::int64_t id) {
    const auto it = schedules_.find(id);
    if (it == schedules_.end()) return error_response(404, "not_found", "Schedule not found.");
    by_load_test_.erase(it->second.load_test_id.value);
    schedules_.erase(it);
    persist();
    return no_content();
}

Response Emulator::activate_schedule(std::int64_t id) {
    const auto it = schedules_.find(id);
    if (it == schedules_.end()) return error_response(404, "not_found", "Schedule not found.");
    if (!view(it->second).next_run) return error_response(409, "conflict", "Cannot re-activate an expired schedule.");
    if (it->second.deactivated) {
        it->second.deactivated = false;
        persist();
    }
    return no_content();
}

Response Emulator::deactivate_schedule(std::int64_t id) {
    const auto it = schedules_.find(id);
    if (it == schedules_.end()) return error_response(404, "not_found", "Schedule not found.");
    // An expired schedule is left as it is.
    if (view(it->second).next_run && !it->second.deactivated) {
        it->second.deactivated = true;
        persist();
    }
    return no_content();
}

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
