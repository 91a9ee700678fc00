// SPDX-License-Identifier: BSL-1.0
// The program a downstream project builds, one source for every way of getting the library
// (find_package, add_subdirectory, FetchContent, pkg-config, the single header): it decodes JSON
// (Boost.JSON), checks URLs (Boost.URL) and runs one real operation, over the transport (Asio,
// OpenSSL), to a port where nothing listens, so it needs no network, yet a library missing from the
// link line fails the build. With K6_CONSUMER_RECURRENCE it also computes a run with the recurrence
// engine (date/tz), for the builds that link k6::schedules_recurrence.
#include <k6/schedules.hpp>
#ifdef K6_CONSUMER_RECURRENCE
#include <k6/schedules/recurrence.hpp>
#endif

#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string_view>

namespace k6s = k6::schedules;

int main() {
    bool passed = true;
    auto check = [&passed](bool condition, std::string_view what) {
        std::cout << (condition ? "ok   " : "FAIL ") << what << "\n";
        passed = passed && condition;
    };

    const auto schedule = k6s::parse_json<k6s::Schedule>(
        R"({"id": 123, "load_test_id": 234, "deactivated": false, "starts": "2024-07-16T08:46:04.021Z",
            "recurrence_rule": null, "cron": {"schedule": "0 0 * * *", "time_zone": "UTC"},
            "next_run": "2024-07-17T00:00:00Z", "created_by": "user@example.com"})");
    check(schedule && schedule->id == k6s::ScheduleId{123} && schedule->cron && schedule->cron->schedule == "0 0 * * *" &&
              schedule->next_run && k6s::format_rfc3339(*schedule->next_run) == "2024-07-17T00:00:00.000Z",
          "a schedule decoded from the API's JSON");

    k6s::ClientOptions options;
    options.api_url = "http://127.0.0.1:9";  // the discard port: nothing listens there
    options.token = "consumer-token";
    options.stack_id = 1;
    options.retry.max_retries = 0;
    auto unusable = options;
    unusable.api_url = "https://user:secret@api.k6.io";
    const auto refused = unusable.validate();
    check(options.validate() && !refused && refused.error().message.find("credentials") != std::string::npos,
          "API URLs parsed: a plain one accepted, one with credentials refused");

    boost::asio::io_context io;
    auto client = k6s::Client::create(io, options);
    check(client.has_value(), "a client created");
    if (client) {
        bool completed = false;
        client->async_get_schedule(k6s::ScheduleId{1}, [&](k6s::expected<k6s::Schedule> result) {
            completed = true;
            check(!result && result.error().kind == k6s::ErrorKind::transport,
                  "an operation over the transport: " + (result ? std::string("unexpected success")
                                                                 : result.error().to_string()));
        });
        io.run();
        check(completed, "the operation completed");
    }

#ifdef K6_CONSUMER_RECURRENCE
    const k6s::CreateScheduleRequest weekly{k6s::parse_rfc3339("2025-01-01T00:00:00Z").value(), std::nullopt,
                                            k6s::ScheduleCron{"0 7 * * MON", "Europe/Berlin"}};
    const auto next = k6s::next_run(weekly, k6s::parse_rfc3339("2025-01-01T00:00:00Z").value());
    check(next && *next && k6s::format_rfc3339(**next) == "2025-01-06T06:00:00.000Z",
          "the recurrence engine: 07:00 Berlin time on Monday 2025-01-06 is 06:00Z");
#endif

    std::cout << (passed ? "consumer: passed" : "consumer: FAILED") << " (k6-schedules-cpp " << k6s::version << ")\n";
    return passed ? 0 : 1;
}
