// SPDX-License-Identifier: BSL-1.0
// Example 3: set a schedule (checked before it is sent), deactivate it, activate it again.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 03_set_and_activate LOAD_TEST_ID
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using namespace std::chrono_literals;

asio::awaitable<int> run(k6s::Client& client, k6s::LoadTestId load_test) {
    // Every weekday at 07:00 in Berlin, starting now.
    const k6s::CreateScheduleRequest request{
        .starts = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()),
        .cron = k6s::ScheduleCron{.schedule = "0 7 * * MON-FRI", .time_zone = "Europe/Berlin"},
    };

    auto schedule = co_await client.async_set_load_test_schedule(load_test, request);
    if (!schedule) {
        std::cerr << "set: " << schedule.error() << "\n";
        co_return 1;
    }
    std::cout << "set schedule " << schedule->id.value << ", next run "
              << (schedule->next_run ? k6s::format_rfc3339(*schedule->next_run) : "none") << "\n";

    if (auto off = co_await client.async_deactivate_schedule(schedule->id); !off) {
        std::cerr << "deactivate: " << off.error() << "\n";
        co_return 1;
    }
    std::cout << "deactivated: " << std::boolalpha << (co_await client.async_get_schedule(schedule->id))->deactivated
              << "\n";

    if (auto on = co_await client.async_activate_schedule(schedule->id); !on) {
        std::cerr << "activate: " << on.error() << "\n";  // 409 when the schedule has no future run
        co_return 1;
    }
    std::cout << "activated: " << !(co_await client.async_get_schedule(schedule->id))->deactivated << "\n";
    co_return 0;
}

int main(int argc, char** argv) {
    const auto load_test = argc == 2 ? k6s::parse_id<k6s::LoadTestId>(argv[1]) : std::nullopt;
    if (!load_test) {
        std::cerr << "usage: 03_set_and_activate LOAD_TEST_ID  (a positive integer)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();
    if (!options) {
        std::cerr << options.error().message << "\n";
        return 2;
    }
    asio::io_context io;
    auto created = k6s::Client::create(io, *options);  // never throws: bad options or CA file are an error value
    if (!created) {
        std::cerr << created.error() << "\n";
        return 2;
    }
    k6s::Client client = std::move(*created);
    int status = 1;
    asio::co_spawn(io, run(client, *load_test), [&status](std::exception_ptr e, int result) {
        if (e) std::rethrow_exception(e);
        status = result;
    });
    io.run();
    return status;
}
