// SPDX-License-Identifier: BSL-1.0
// A tour of the client: every operation of the Schedules API against the server named by
// K6_CLOUD_API_URL (examples/tour.sh points it at the local emulator), printing what came back.
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using namespace std::chrono_literals;

namespace {

std::string describe(const k6s::Schedule& s) {
    std::string rule = "once";
    if (s.cron) rule = "cron \"" + s.cron->schedule + "\" in " + s.cron->time_zone;
    if (const auto& r = s.recurrence_rule) {
        rule = std::string(k6s::to_string(r->frequency)) + " every " + std::to_string(r->effective_interval());
        if (r->count) rule += ", " + std::to_string(*r->count) + " runs";
        if (r->until) rule += ", until " + k6s::format_rfc3339(*r->until);
    }
    return "schedule " + std::to_string(s.id.value) + " of load test " + std::to_string(s.load_test_id.value) + ": " +
           rule + ", starts " + k6s::format_rfc3339(s.starts) + ", next run " +
           (s.next_run ? k6s::format_rfc3339(*s.next_run) : std::string("none")) +
           (s.deactivated ? ", deactivated" : ", active");
}

template <class T>
bool report(const char* what, const k6s::expected<T>& result) {
    std::cout << "* " << what << "\n  ";
    if (!result) {
        std::cout << "error: " << result.error() << "\n";
        return false;
    }
    if constexpr (std::is_same_v<T, k6s::Schedule>)
        std::cout << describe(*result) << "\n";
    else
        std::cout << "done\n";
    return true;
}

// Prints the next runs computed locally by the recurrence engine; they must start with the
// server's next_run.
bool preview(const k6s::Schedule& schedule, k6s::Timestamp now) {
    auto runs = k6s::next_runs(schedule, now, 3);
    std::cout << "  next runs computed locally:";
    for (auto run : runs.value_or(std::vector<k6s::Timestamp>{})) std::cout << " " << k6s::format_rfc3339(run);
    std::cout << "\n";
    return runs && !runs->empty() && runs->front() == schedule.next_run;
}

// True when `result` is the API error the step expects (and not, say, a proxy's or a transport error).
template <class T>
bool expect_error(const k6s::expected<T>& result, unsigned status, const char* code, const char* target = nullptr) {
    return !result && result.error().kind == k6s::ErrorKind::api && result.error().status == status &&
           result.error().code == code && (!target || result.error().target == target);
}

asio::awaitable<int> tour(k6s::Client& client) {
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    int failures = 0;

    // The stack's id by its URL (K6_CLOUD_STACK_URL, else the emulator's default): the client's own
    // stack id, resolved through GET /cloud/v6/auth when only the URL was given, must match.
    const std::string stack_url = client.options().stack_url.value_or("https://emulator.grafana.net");
    auto auth = co_await client.async_authenticate(stack_url);
    std::cout << "* authenticate for the stack at " << stack_url << "\n  ";
    if (auth)
        std::cout << "stack " << auth->stack_id << ", default project " << auth->default_project_id << "\n";
    else
        std::cout << "error: " << auth.error() << "\n";
    failures += !auth || auth->default_project_id <= 0 ||
                (client.options().stack_id != 0 && auth->stack_id != client.options().stack_id);

    k6s::CreateScheduleRequest every_two_hours;
    every_two_hours.starts = now + 1h;
    every_two_hours.recurrence_rule = k6s::RecurrenceRule{k6s::Frequency::hourly, 2, std::nullopt, 12, std::nullopt};
    auto created = co_await client.async_set_load_test_schedule(k6s::LoadTestId{1}, every_two_hours);
    failures += !report("set load test 1 to run every two hours, 12 times", created);
    if (created) failures += !preview(*created, now);

    k6s::CreateScheduleRequest weekdays;
    weekdays.starts = now;
    weekdays.cron = k6s::ScheduleCron{"0 7 * * MON-FRI", "Europe/Berlin"};
    auto cron = co_await client.async_set_load_test_schedule(k6s::LoadTestId{13}, weekdays);
    failures += !report("set load test 13 to run at 07:00 Berlin time on weekdays", cron);
    if (cron) failures += !preview(*cron, now);

    k6s::CreateScheduleRequest once;
    once.starts = now + 72h;
    failures += !report("set load test 2 to run once, in three days",
                        co_await client.async_set_load_test_schedule(k6s::LoadTestId{2}, once));

    for (std::int64_t load_test = 3; load_test <= 12; ++load_test) {
        k6s::CreateScheduleRequest daily;
        daily.starts = now - 24h * load_test + std::chrono::minutes(load_test);  // started days ago
        daily.recurrence_rule =
            k6s::RecurrenceRule{k6s::Frequency::daily, 1, std::nullopt, std::nullopt, now + 24h * 30};
        auto set = co_await client.async_set_load_test_schedule(k6s::LoadTestId{load_test}, daily);
        if (!set) failures += !report("set a daily schedule", set);
    }
    std::cout << "* set daily schedules for load tests 3 to 12\n";

    failures += !report("get load test 1's schedule", co_await client.async_get_load_test_schedule(k6s::LoadTestId{1}));

    std::cout << "* list all schedules, 5 per page, following @nextLink\n";
    auto pager = client.list_schedules(k6s::ListQuery{5, std::nullopt, true});
    std::int64_t listed = 0;
    for (int page_number = 1; !pager.done(); ++page_number) {
        auto page = co_await pager.async_next_page();
        if (!page) {
            failures += !report("list", page);
            break;
        }
        // "@count" was asked for; a server that leaves it out gets no made-up total printed.
        std::cout << "  page " << page_number << " (" << page->items.size();
        if (const auto total = pager.total_count()) std::cout << " of " << *total;
        std::cout << "):\n";
        for (const auto& s : page->items) std::cout << "    " << describe(s) << "\n";
        listed += static_cast<std::int64_t>(page->items.size());
        if (page->next_link) std::cout << "    @nextLink " << *page->next_link << "\n";
    }
    failures += listed != pager.total_count().value_or(-1);

    if (created) {
        const k6s::ScheduleId id = created->id;
        failures += !report("deactivate it", co_await client.async_deactivate_schedule(id));
        failures += !report("get it by id", co_await client.async_get_schedule(id));
        failures += !report("activate it again", co_await client.async_activate_schedule(id));
        failures += !report("get it by id", co_await client.async_get_schedule(id));
        failures += !report("delete it", co_await client.async_delete_schedule(id));
        auto gone = co_await client.async_get_schedule(id);
        report("get it after deleting it (the server answers 404)", gone);
        failures += !expect_error(gone, 404, "not_found");
    }

    k6s::CreateScheduleRequest invalid;
    invalid.starts = now;
    invalid.cron = k6s::ScheduleCron{"0 7 * * 1", "Mars/Olympus_Mons"};
    auto rejected = co_await client.async_set_load_test_schedule(k6s::LoadTestId{3}, invalid);
    report("set a cron schedule in a time zone that does not exist (the server answers 400 naming the field)",
           rejected);
    failures += !expect_error(rejected, 400, "validation_error", "cron.time_zone");

    invalid.cron.reset();
    invalid.recurrence_rule = k6s::RecurrenceRule{k6s::Frequency::daily, 0, std::nullopt, std::nullopt, std::nullopt};
    auto refused = co_await client.async_set_load_test_schedule(k6s::LoadTestId{3}, invalid);
    report("set a rule with interval 0 (refused by the client, nothing sent)", refused);
    failures += refused.has_value() || refused.error().kind != k6s::ErrorKind::invalid_argument;

    auto unknown = co_await client.async_get_load_test_schedule(k6s::LoadTestId{999999});
    report("get the schedule of a load test that does not exist", unknown);
    failures += !expect_error(unknown, 404, "not_found");
    co_return failures;
}

}  // namespace

int main() {
    auto options = k6s::ClientOptions::from_env();
    if (!options) {
        std::cerr << "tour: " << options.error().message << "\n";
        return 2;
    }
    asio::io_context io;
    auto created = k6s::Client::create(io, *options);  // never throws: bad options or CA file are an error value
    if (!created) {
        std::cerr << "tour: " << created.error() << "\n";
        return 2;
    }
    k6s::Client client = std::move(*created);
    std::cout << "k6-schedules-cpp " << k6s::version << " touring " << options->api_url << "\n";
    int failures = -1;
    asio::co_spawn(io, tour(client), [&failures](std::exception_ptr e, int result) {
        if (e) std::rethrow_exception(e);
        failures = result;
    });
    io.run();
    std::cout << (failures == 0 ? "tour complete: every operation behaved as expected\n"
                                : "tour finished with " + std::to_string(failures) + " unexpected results\n");
    return failures == 0 ? 0 : 1;
}
