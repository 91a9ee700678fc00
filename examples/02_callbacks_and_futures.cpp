// SPDX-License-Identifier: BSL-1.0
// Example 2: the same operation with a callback, and with std::future (use_future), for code
// that does not use coroutines. Any Asio completion token works.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 02_callbacks_and_futures LOAD_TEST_ID
#include <k6/schedules.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

int main(int argc, char** argv) {
    const auto id = argc == 2 ? k6s::parse_id<k6s::LoadTestId>(argv[1]) : std::nullopt;
    if (!id) {
        std::cerr << "usage: 02_callbacks_and_futures LOAD_TEST_ID  (a positive integer)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();
    if (!options) {
        std::cerr << options.error().message << "\n";
        return 2;
    }
    const k6s::LoadTestId load_test = *id;
    asio::io_context io;
    auto created = k6s::Client::create(io, *options);  // never throws: bad options or CA file are an error value
    if (!created) {
        std::cerr << created.error() << "\n";
        return 2;
    }
    k6s::Client client = std::move(*created);
    int ok = 0;

    // 1. A callback: called once, from io.run(), never from inside the initiating call.
    client.async_get_load_test_schedule(load_test, [&ok](k6s::expected<k6s::Schedule> schedule) {
        if (schedule) ++ok;
        std::cout << "callback: "
                  << (schedule ? "schedule " + std::to_string(schedule->id.value) : schedule.error().to_string())
                  << "\n";
    });
    io.run();

    // 2. A future: the io_context runs on another thread while this one blocks on get().
    io.restart();
    auto work = asio::make_work_guard(io);
    std::thread runner([&io] { io.run(); });
    std::future<k6s::expected<k6s::Schedule>> future = client.async_get_load_test_schedule(load_test, asio::use_future);
    const auto schedule = future.get();
    if (schedule) ++ok;
    std::cout << "future: "
              << (schedule ? "schedule " + std::to_string(schedule->id.value) : schedule.error().to_string()) << "\n";
    work.reset();
    runner.join();
    return ok == 2 ? 0 : 1;
}
