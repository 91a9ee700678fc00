// SPDX-License-Identifier: BSL-1.0
// Example 8: get a schedule with a plain blocking call: no coroutine, no io_context to run.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 08_blocking SCHEDULE_ID
#include <k6/schedules.hpp>
#include <k6/schedules/blocking.hpp>

#include <iostream>

namespace k6s = k6::schedules;

int main(int argc, char** argv) {
    const auto id = argc == 2 ? k6s::parse_id<k6s::ScheduleId>(argv[1]) : std::nullopt;
    if (!id) {
        std::cerr << "usage: 08_blocking SCHEDULE_ID  (a positive integer)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();  // K6_CLOUD_API_URL, _TOKEN, _STACK_ID, _CA_FILE
    if (!options) {
        std::cerr << options.error().message << "\n";
        return 2;
    }
    auto client = k6s::BlockingClient::create(*options);  // its own I/O thread, stopped by its destructor
    if (!client) {
        std::cerr << client.error() << "\n";
        return 2;
    }
    k6s::expected<k6s::Schedule> schedule = client->get_schedule(*id);  // blocks; never throws
    if (!schedule) {
        std::cerr << "error: " << schedule.error() << "\n";  // e.g. "HTTP 404 not_found: ..."
        return 1;
    }
    std::cout << "schedule " << schedule->id.value << " of load test " << schedule->load_test_id.value << ", next run "
              << (schedule->next_run ? k6s::format_rfc3339(*schedule->next_run) : "none") << "\n";
}
