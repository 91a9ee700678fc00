// SPDX-License-Identifier: BSL-1.0
// Example 1: get a load test's schedule with co_await.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 01_get_schedule LOAD_TEST_ID
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

asio::awaitable<void> show(k6s::Client& client, k6s::LoadTestId load_test, int& status) {
    // Every operation completes with one expected<T>; co_await never throws.
    k6s::expected<k6s::Schedule> schedule = co_await client.async_get_load_test_schedule(load_test);
    if (!schedule) {
        std::cerr << "error: " << schedule.error() << "\n";  // e.g. "HTTP 404 not_found: ..."
        co_return;
    }
    std::cout << "schedule " << schedule->id.value << " of load test " << schedule->load_test_id.value << ", next run "
              << (schedule->next_run ? k6s::format_rfc3339(*schedule->next_run) : "none") << "\n";
    status = 0;
}

int main(int argc, char** argv) {
    const auto load_test = argc == 2 ? k6s::parse_id<k6s::LoadTestId>(argv[1]) : std::nullopt;
    if (!load_test) {
        std::cerr << "usage: 01_get_schedule LOAD_TEST_ID  (a positive integer)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();  // K6_CLOUD_API_URL, _TOKEN, _STACK_ID, _CA_FILE
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
    asio::co_spawn(io, show(client, *load_test, status), asio::detached);
    io.run();
    return status;
}
