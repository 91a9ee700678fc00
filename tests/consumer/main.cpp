// SPDX-License-Identifier: BSL-1.0
// Builds against the installed headers and runs one operation to a closed port: the library,
// its dependencies and the exported target all work together.
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    namespace k6s = k6::schedules;
    k6s::ClientOptions options;
    options.api_url = "http://127.0.0.1:9";  // discard port: nothing listens there
    options.token = "consumer-token";
    options.stack_id = 1;
    boost::asio::io_context io;
    k6s::Client client(io, options);
    int status = 1;
    client.async_get_schedule(k6s::ScheduleId{1}, [&status](k6s::expected<k6s::Schedule> result) {
        std::cout << "k6-schedules-cpp " << k6s::version << ": "
                  << (result ? "unexpected success" : result.error().to_string()) << "\n";
        status = !result && result.error().kind == k6s::ErrorKind::transport ? 0 : 1;
    });
    io.run();

    // And the recurrence engine, through the exported k6::schedules_recurrence target.
    k6s::CreateScheduleRequest weekly{k6s::parse_rfc3339("2025-01-01T00:00:00Z").value(), std::nullopt,
                                      k6s::ScheduleCron{"0 7 * * MON", "Europe/Berlin"}};
    auto next = k6s::next_run(weekly, k6s::parse_rfc3339("2025-01-01T00:00:00Z").value());
    const bool right = next && *next && k6s::format_rfc3339(**next) == "2025-01-06T06:00:00.000Z";
    std::cout << "next run of \"0 7 * * MON\" in Europe/Berlin: " << (right ? "2025-01-06T06:00:00.000Z" : "WRONG")
              << "\n";
    return right ? status : 1;
}
