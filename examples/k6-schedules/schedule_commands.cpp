// SPDX-License-Identifier: BSL-1.0
// One schedule at a time: get, set and show.
#include "command.hpp"
#include "input.hpp"
#include "overlaps.hpp"

#include <k6/schedules/recurrence.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

namespace {

int print_result(const Context& ctx, const k6s::expected<k6s::Schedule>& result) {
    if (!result) return ctx.reporter.error(result.error());
    print_schedule(std::cout, *result, ctx.json, ctx.clock);
    return 0;
}

k6s::CreateScheduleRequest build_request(const CommandArguments& args, k6s::Timestamp now_, const Clock& clock) {
    if (!args.value("--starts")) throw UsageError("--starts is required (or --from-file)", args.command());
    k6s::CreateScheduleRequest request;
    request.starts = instant(args, "--starts", now_, clock);
    const bool rule_flags =
        args.value("--interval") || args.value("--byday") || args.value("--count") || args.value("--until");
    if (args.value("--time-zone") && !args.value("--cron"))
        throw UsageError("--time-zone goes with --cron", args.command());
    if (rule_flags && !args.value("--frequency"))
        throw UsageError("--interval, --byday, --count and --until go with --frequency", args.command());
    if (args.value("--cron") && args.value("--frequency"))
        throw UsageError("give --cron or --frequency, not both", args.command());
    if (auto cron = args.value("--cron"))
        request.cron = k6s::ScheduleCron{*cron, args.value("--time-zone").value_or("UTC")};
    if (auto frequency = args.value("--frequency")) {
        auto f = parse_frequency_forgiving(*frequency);
        if (!f)
            throw UsageError("--frequency must be hourly, daily, weekly, monthly or yearly, got \"" + *frequency + "\"",
                             args.command());
        k6s::RecurrenceRule rule;
        rule.frequency = *f;
        // Any number: the request's validation says what is wrong, naming the flag.
        rule.interval = args.integer("--interval", INT64_MIN, INT64_MAX);
        rule.count = args.integer("--count", INT64_MIN, INT64_MAX);
        if (args.value("--until")) rule.until = instant(args, "--until", now_, clock);
        if (auto byday = args.value("--byday")) {
            auto days = parse_weekdays(*byday);
            if (!days)
                throw UsageError("--byday takes MO,TU,WE,TH,FR,SA,SU separated by commas, got \"" + *byday + "\"",
                                 args.command());
            rule.byday = std::move(*days);
        }
        request.recurrence_rule = std::move(rule);
    }
    return request;
}

// Why a schedule can never run, or "" when it has a run after `now_`.
std::string never_runs_reason(const k6s::CreateScheduleRequest& request, k6s::Timestamp now_, bool from_flags) {
    auto next = k6s::next_run(request, now_);
    if (!next || *next) return {};
    const auto& rule = request.recurrence_rule;
    const std::string until = from_flags ? "--until" : "recurrence_rule.until";
    const std::string starts = from_flags ? "--starts" : "starts";
    if (rule && rule->until && *rule->until < request.starts)
        return until + " is before " + starts + ": the schedule can never run";
    if (request.cron) {
        auto ever = k6s::next_run(request, request.starts - std::chrono::milliseconds(1));
        if (ever && !*ever) return "the cron expression matches no date: the schedule can never run";
        return "the cron schedule has no run after now: it will never run";
    }
    if (!rule) return starts + " is in the past and the schedule runs once: it will never run";
    if (rule->count) return "all " + std::to_string(*rule->count) + " runs are in the past: it will never run";
    if (rule->until) return until + " is in the past: the schedule will never run";
    return "the schedule has no run after now: it will never run";
}

// The request of `set`, from its flags or from --from-file.
k6s::CreateScheduleRequest set_request(const CommandArguments& args, k6s::Timestamp now_, const Clock& clock) {
    const auto file = args.value("--from-file");
    if (!file) return build_request(args, now_, clock);
    for (const char* flag : {"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count",
                             "--until"})
        if (args.value(flag)) throw UsageError(std::string("--from-file replaces ") + flag, "set");
    std::string why;
    auto text = read_text(*file, why);
    if (!text) throw UsageError("--from-file: " + why, "set");
    auto request = k6s::parse_json<k6s::CreateScheduleRequest>(*text);
    if (!request) {
        const auto& e = request.error();
        const std::string target = e.target && !e.target->empty() ? " (at " + *e.target + ")" : "";
        throw UsageError("--from-file " + (*file == "-" ? std::string("stdin") : *file) +
                             " is not a schedule: " + e.message + target,
                         "set");
    }
    return std::move(*request);
}

// How far ahead set --dry-run looks for overlaps with other load tests' runs.
constexpr auto overlap_horizon = std::chrono::days(7);

// "06:00" for a time of day in seconds.
std::string clock_time(long long seconds_of_day) {
    const auto two = [](long long n) { return (n < 10 ? "0" : "") + std::to_string(n); };
    return two(seconds_of_day / 3600) + ":" + two(seconds_of_day / 60 % 60);
}

// A recurrence rule runs on UTC, so with --tz naming a zone with daylight saving its local time
// slips by an hour twice a year; a cron expression with a time zone keeps the wall-clock time.
// The warning, or "" when the runs of the next year keep their local time (or there is no rule).
std::string daylight_saving_slip(const k6s::CreateScheduleRequest& request, const Clock& clock, k6s::Timestamp now_) {
    if (!clock.zone || !request.recurrence_rule || request.recurrence_rule->frequency == k6s::Frequency::hourly)
        return {};
    const k6s::TimeZone& zone = *clock.zone;
    auto runs = k6s::next_runs(request, std::max(now_, request.starts - std::chrono::milliseconds(1)), 400);
    if (!runs || runs->empty()) return {};
    const auto local_seconds = [&](k6s::Timestamp t) {
        const auto local = t + zone.utc_offset(t);
        return std::chrono::floor<std::chrono::seconds>(local - std::chrono::floor<std::chrono::days>(local)).count();
    };
    const k6s::Timestamp first = runs->front();
    const auto horizon = first + std::chrono::days(366);
    for (const auto run : *runs) {
        if (run > horizon) break;
        if (local_seconds(run) == local_seconds(first)) continue;
        const auto& rule = *request.recurrence_rule;
        const long long at = local_seconds(first);
        const std::string minute_hour = std::to_string(at / 60 % 60) + " " + std::to_string(at / 3600);
        // A cron expression for the same local time, where the rule has a plain one.
        std::string cron;
        if (rule.effective_interval() == 1 && rule.frequency == k6s::Frequency::daily && !rule.byday)
            cron = minute_hour + " * * *";
        if (rule.effective_interval() == 1 && rule.frequency == k6s::Frequency::weekly && rule.byday &&
            !rule.byday->empty()) {
            std::string days;
            for (const auto day : *rule.byday) days += (days.empty() ? "" : ",") + std::string(k6s::to_string(day));
            cron = minute_hour + " * * " + days;
        }
        const std::string suggestion = cron.empty()
                                           ? "a cron expression (--cron \"MIN HOUR ...\" --time-zone " + zone.name() + ")"
                                           : "--cron \"" + cron + "\" --time-zone " + zone.name();
        return "the recurrence rule runs on UTC: its runs at " + clock_time(at) + " " + zone.name() + " run at " +
               clock_time(local_seconds(run)) + " from " + clock.format(run) +
               " (daylight saving time); for a fixed local time use " + suggestion;
    }
    return {};
}

// The runs of the schedule set would make (it replaces the load test's schedule) that start less
// than a minute from a run of another load test within overlap_horizon, from one listing.
struct PreviewOverlaps {
    bool checked = false;
    std::string not_checked;  // why not, when it was not
    std::vector<RunWithOverlaps> runs;
    std::map<std::int64_t, std::int64_t> load_tests;  // schedule id -> load test id, of those overlapped
};

asio::awaitable<PreviewOverlaps> preview_overlaps(const Context& ctx, const CommandArguments& args,
                                                  k6s::LoadTestId load_test, const k6s::CreateScheduleRequest& request,
                                                  k6s::Timestamp now_) {
    PreviewOverlaps found;
    if (args.has("--no-overlaps") || args.has("--deactivated")) co_return found;  // asked not to, or no runs
    if (!ctx.client) {
        found.not_checked = ctx.no_client_reason;
        co_return found;
    }
    auto listed = co_await ctx.client->async_list_all_schedules({}, 1'000'000);
    if (!listed) {
        found.not_checked = listed.error().to_string();
        co_return found;
    }
    std::vector<k6s::Schedule> schedules;
    for (auto& s : *listed)
        if (s.load_test_id != load_test) schedules.push_back(std::move(s));
    k6s::Schedule preview;  // id 0: no schedule of the API has it
    preview.load_test_id = load_test;
    preview.starts = request.starts;
    preview.cron = request.cron;
    preview.recurrence_rule = request.recurrence_rule;
    schedules.push_back(preview);
    auto scanner = OverlapScanner::create(schedules, now_, now_ + overlap_horizon);
    if (!scanner) {  // another schedule the engine cannot read: said, not fatal to a preview
        found.not_checked = scanner.error().to_string();
        co_return found;
    }
    found.checked = true;
    while (auto run = scanner->next())
        if (run->run.schedule.value == 0 && run->run.overlaps) found.runs.push_back(std::move(*run));
    for (const auto& s : schedules) found.load_tests[s.id.value] = s.load_test_id.value;
    co_return found;
}

// The warnings of set, and of its dry run alike: a dry run that stays quiet where set warns
// cannot be trusted.
void warn_as_set_does(const Context& ctx, const k6s::CreateScheduleRequest& request, k6s::Timestamp now_,
                      bool from_flags) {
    if (const auto reason = never_runs_reason(request, now_, from_flags); !reason.empty())
        ctx.reporter.warning(reason);
    if (const auto slip = daylight_saving_slip(request, ctx.clock, now_); !slip.empty()) ctx.reporter.warning(slip);
}

int dry_run(const Context& ctx, k6s::LoadTestId load_test, const k6s::CreateScheduleRequest& request,
            k6s::Timestamp now_, bool from_flags, const PreviewOverlaps& overlaps) {
    warn_as_set_does(ctx, request, now_, from_flags);
    const auto overlapped = [&](const RunWithOverlaps& run) {
        std::string text;
        for (const auto id : run.overlaps_with)
            text += (text.empty() ? "" : ", ") + std::to_string(id.value) + " (load test " +
                    std::to_string(overlaps.load_tests.at(id.value)) + ")";
        return text;
    };
    if (!overlaps.runs.empty())
        ctx.reporter.warning(std::to_string(overlaps.runs.size()) + " run" + (overlaps.runs.size() == 1 ? "" : "s") +
                             " in the next 7 days start less than a minute from a run of another load test");
    if (!overlaps.not_checked.empty())
        ctx.reporter.note("overlaps not checked: " + overlaps.not_checked + " (--no-overlaps skips the check)");
    auto runs = k6s::next_runs(request, now_, 5);
    if (!runs) return ctx.reporter.error(runs.error());
    if (ctx.json) {
        json::array next;
        for (const auto run : *runs) next.emplace_back(ctx.clock.format(run));
        json::object printed{{"dry_run", true},
                              {"load_test_id", load_test.value},
                              {"request", json::parse(k6s::to_json(request))},
                              {"next_runs", std::move(next)}};
        // Null when not checked (--no-overlaps, no token, the listing failed): never a false "none".
        if (overlaps.checked) {
            json::array list;
            for (const auto& run : overlaps.runs) {
                json::array with;
                for (const auto id : run.overlaps_with) with.emplace_back(id.value);
                list.emplace_back(json::object{{"run", ctx.clock.format(run.run.at)}, {"schedules", std::move(with)}});
            }
            printed["overlaps"] = std::move(list);
        } else {
            printed["overlaps"] = nullptr;
        }
        std::cout << json::serialize(printed) << '\n';
    } else {
        k6s::Schedule preview;
        preview.load_test_id = load_test;
        preview.starts = request.starts;
        preview.cron = request.cron;
        preview.recurrence_rule = request.recurrence_rule;
        std::cout << "dry run: nothing was changed\n"
                  << "load test   " << load_test.value << '\n'
                  << "rule        " << describe_rule(preview, ctx.clock) << '\n';
        if (request.cron) std::cout << "time zone   " << request.cron->time_zone << '\n';
        std::cout << "starts      " << ctx.clock.format(request.starts) << '\n';
        if (runs->empty()) std::cout << "next runs   none\n";
        for (std::size_t i = 0; i < runs->size(); ++i)
            std::cout << (i == 0 ? "next runs   " : "            ") << ctx.clock.format((*runs)[i]) << '\n';
        constexpr std::size_t shown = 10;
        if (overlaps.checked && overlaps.runs.empty()) std::cout << "overlaps    none in the next 7 days\n";
        for (std::size_t i = 0; i < overlaps.runs.size() && i < shown; ++i)
            std::cout << (i == 0 ? "overlaps    " : "            ") << ctx.clock.format(overlaps.runs[i].run.at)
                      << (overlaps.runs[i].overlaps_with.size() == 1 ? " with schedule " : " with schedules ")
                      << overlapped(overlaps.runs[i]) << '\n';
        if (overlaps.runs.size() > shown)
            std::cout << "            and " << overlaps.runs.size() - shown << " more (--json lists them all)\n";
    }
    return 0;
}

}  // namespace

asio::awaitable<int> run_get(Context ctx, const CommandArguments& args) {
    const k6s::LoadTestId id{args.id(0, "LOAD_TEST_ID")};
    co_return print_result(ctx, co_await ctx.client->async_get_load_test_schedule(id));
}

asio::awaitable<int> run_show(Context ctx, const CommandArguments& args) {
    const k6s::ScheduleId id{args.id(0, "SCHEDULE_ID")};
    co_return print_result(ctx, co_await ctx.client->async_get_schedule(id));
}

asio::awaitable<int> run_set(Context ctx, const CommandArguments& args) {
    const k6s::LoadTestId load_test{args.id(0, "LOAD_TEST_ID")};
    const auto now_ = now();
    const auto request = set_request(args, now_, ctx.clock);
    const bool from_flags = !args.value("--from-file");
    const bool keep_deactivated = args.has("--deactivated");
    ctx.reporter.set_flags_name_fields(from_flags);
    if (args.has("--no-overlaps") && !args.has("--dry-run")) throw UsageError("--no-overlaps goes with --dry-run", "set");
    if (args.has("--dry-run")) {
        if (auto valid = k6s::validate(request); !valid) co_return ctx.reporter.error(valid.error());
        const PreviewOverlaps overlaps = co_await preview_overlaps(ctx, args, load_test, request, now_);
        co_return dry_run(ctx, load_test, request, now_, from_flags, overlaps);
    }
    // The API replaces a load test's schedule with a new one, active, under a new id. What the load
    // test had is looked up first, so that the replacement, and a pause it undoes, is said, not silent.
    auto previous = co_await ctx.client->async_get_load_test_schedule(load_test);
    if (!previous && previous.error().status != 404) co_return ctx.reporter.error(previous.error());
    auto result = co_await ctx.client->async_set_load_test_schedule(load_test, request);
    if (!result) co_return ctx.reporter.error(result.error());
    if (previous)
        ctx.reporter.note("replaced schedule " + to_string(previous->id) + " (load test " + to_string(load_test) +
                          "); the new schedule is " + to_string(result->id));
    if (keep_deactivated && !result->deactivated) {
        auto off = co_await ctx.client->async_deactivate_schedule(result->id);
        if (!off) {
            k6s::ApiError e = std::move(off.error());
            e.message = "schedule " + to_string(result->id) + " was set, but is still active: deactivating it failed: " +
                        e.message;
            co_return ctx.reporter.error(e);
        }
        result->deactivated = true;
    } else if (previous && previous->deactivated) {
        ctx.reporter.warning("schedule " + to_string(previous->id) + " was deactivated; the new schedule " +
                             to_string(result->id) + " is active (set --deactivated keeps it deactivated)");
    }
    warn_as_set_does(ctx, request, now_, from_flags);
    if (ctx.json) {
        // The schedule as get --json prints it, and the id it replaced (null for a first schedule).
        json::object printed = json::value_from(*result).as_object();
        printed["replaced_schedule_id"] = previous ? json::value(previous->id.value) : json::value(nullptr);
        std::cout << json::serialize(printed) << '\n';
    } else {
        print_schedule(std::cout, *result, false, ctx.clock);
    }
    co_return 0;
}

}  // namespace k6::cli
