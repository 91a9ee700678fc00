// SPDX-License-Identifier: BSL-1.0
// Example 5: an async service that runs several operations at once, each with its own timeout,
// using Asio's awaitable operators. `a && b` runs both concurrently; `op || timer` completes
// with whichever finishes first and cancels the other, so a slow request is abandoned (its
// connection closed) without holding up the rest. The client stays usable afterwards.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 05_async_service LOAD_TEST_ID LOAD_TEST_ID
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <string>
#include <variant>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

// An operation's result as a line of text, or "timed out" when `limit` passes first.
template <class Operation>
asio::awaitable<std::string> with_timeout(std::string what, Operation operation, std::chrono::milliseconds limit) {
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto outcome = co_await (std::move(operation) || timer.async_wait(asio::use_awaitable));
    if (outcome.index() == 1) co_return what + ": timed out after " + std::to_string(limit.count()) + " ms";
    const auto& result = std::get<0>(outcome);
    if (!result) co_return what + ": " + result.error().to_string();
    if constexpr (std::is_same_v<std::decay_t<decltype(*result)>, k6s::Schedule>)
        co_return what + ": schedule " + std::to_string(result->id.value) + ", next run " +
            (result->next_run ? k6s::format_rfc3339(*result->next_run) : "none");
    else
        co_return what + ": " + std::to_string(result->items.size()) + " schedules on the first page";
}

asio::awaitable<void> service(k6s::Client& client, k6s::LoadTestId first, k6s::LoadTestId second) {
    auto [a, b, c] = co_await (
        with_timeout("load test " + std::to_string(first.value),
                     client.async_get_load_test_schedule(first, asio::use_awaitable), 5s) &&
        with_timeout("load test " + std::to_string(second.value),
                     client.async_get_load_test_schedule(second, asio::use_awaitable), 5s) &&
        with_timeout("listing", client.async_list_schedules(k6s::ListQuery{.top = 100}, asio::use_awaitable), 5s));
    std::cout << a << "\n" << b << "\n" << c << "\n";
}

int main(int argc, char** argv) {
    const auto first = argc == 3 ? k6s::parse_id<k6s::LoadTestId>(argv[1]) : std::nullopt;
    const auto second = argc == 3 ? k6s::parse_id<k6s::LoadTestId>(argv[2]) : std::nullopt;
    if (!first || !second) {
        std::cerr << "usage: 05_async_service LOAD_TEST_ID LOAD_TEST_ID  (positive integers)\n";
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
    asio::co_spawn(io, service(client, *first, *second), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    return 0;
}
