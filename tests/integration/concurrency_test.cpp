// SPDX-License-Identifier: BSL-1.0
// The client used the way services use it: callers on strands of their own, an io_context run by
// several threads, every operation raced against a timer with the awaitable operators (the
// idiomatic timeout), cancel_all() from yet another strand, and FakeApi injecting errors,
// resets and dropped connections. Built as its own program so that CI can run it under
// ThreadSanitizer as well as under AddressSanitizer: the caller's cancellation slot and handler
// may be touched only on the caller's side, and a race there shows up as a report, a crash or a
// use after free.
#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <k6/schedules/testing.hpp>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
namespace asio = boost::asio;

namespace {

constexpr const char* token = "concurrency-test-token";
constexpr std::int64_t stack = 9;
constexpr int callers = 8;
constexpr int threads = 4;

// Iterations per caller: K6_CONCURRENCY_ITERATIONS, or the default (CI's sanitizer runs use it).
int iterations(int fallback) {
    if (const char* text = std::getenv("K6_CONCURRENCY_ITERATIONS"); text && *text) return std::max(1, std::atoi(text));
    return fallback;
}

// FakeApi over TLS with schedules for load tests 1..64 (ids 1..64), and `faults` on everything the
// client sends.
class Service {
public:
    explicit Service(k6::schedules::testing::Faults faults = {}) : api_(fake_options(std::move(faults))) {
        for (std::int64_t i = 1; i <= 64; ++i) api_.add_schedule(LoadTestId{i}, daily());
    }

    ClientOptions client_options() const {
        ClientOptions options = api_.client_options();
        options.proxy_from_environment = false;
        options.retry.max_retries = 4;
        options.retry.initial_delay = 1ms;
        options.retry.max_delay = 10ms;
        options.attempt_timeout = 2s;
        return options;
    }

private:
    static k6::schedules::testing::FakeApiOptions fake_options(k6::schedules::testing::Faults faults) {
        k6::schedules::testing::FakeApiOptions options;
        options.token = token;
        options.stack_id = stack;
        options.load_tests = 64;
        options.faults = std::move(faults);
        return options;
    }

    static CreateScheduleRequest daily() {
        return {parse_rfc3339("2030-01-01T00:00:00Z").value(), RecurrenceRule{Frequency::daily, 1, {}, {}, {}}, {}};
    }

    k6::schedules::testing::FakeApi api_;
};

// Runs `io` on `threads` threads until it runs out of work.
void run_on_threads(asio::io_context& io) {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    for (auto& thread : pool) thread.join();
}

// How long a get on a kept-alive connection takes here, the median of a few.
std::chrono::microseconds typical_get(const ClientOptions& options) {
    asio::io_context io;
    Client client(io, options);
    std::vector<std::chrono::microseconds> took;
    for (int i = 0; i < 21; ++i) {
        const auto start = std::chrono::steady_clock::now();
        REQUIRE(k6::test::run(io, client.async_get_schedule(ScheduleId{1})).has_value());
        took.push_back(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    }
    std::sort(took.begin(), took.end());
    return took[took.size() / 2];
}

struct Tally {
    std::atomic<int> operation_won{0}, timer_won{0}, finished{0};
};

}  // namespace

TEST_CASE("gets raced against timers by callers on strands of their own, on four threads: no race, every caller ends") {
    Service service;
    const ClientOptions options = service.client_options();
    const auto typical = typical_get(options);
    asio::io_context io;
    Client client(io, options);
    Tally tally;
    const int rounds = iterations(600);
    for (int c = 0; c < callers; ++c) {
        auto strand = asio::make_strand(io);
        asio::co_spawn(
            strand,
            [&, c]() -> asio::awaitable<void> {
                asio::steady_timer timer(co_await asio::this_coro::executor);
                // Even rounds race the get against a timer kept near the get's duration under this
                // load: longer after the timer won, shorter after the get won, so that the two
                // finish at nearly the same moment and each wins some. Odd rounds: a timer the get beats.
                auto close_call = typical;
                for (int i = 0; i < rounds; ++i) {
                    const bool racing = i % 2 == 0;
                    timer.expires_after(racing ? close_call : std::chrono::microseconds(5s));
                    auto winner = co_await (client.async_get_schedule(ScheduleId{1 + c}, asio::use_awaitable) ||
                                            timer.async_wait(asio::use_awaitable));
                    if (winner.index() == 0) {
                        CHECK(std::get<0>(winner).has_value());
                        ++tally.operation_won;
                        if (racing) close_call = close_call * 4 / 5;
                    } else {
                        ++tally.timer_won;
                        if (racing) close_call = close_call * 5 / 4 + std::chrono::microseconds(1);
                    }
                }
                ++tally.finished;
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
    }
    run_on_threads(io);
    CHECK(tally.finished == callers);
    CHECK(tally.operation_won + tally.timer_won == callers * rounds);
    CHECK(tally.operation_won > 0);
    CHECK(tally.timer_won > 0);
    MESSAGE("typical get " << typical.count() << " us; the get won " << tally.operation_won.load() << ", the timer "
                           << tally.timer_won.load());
}

TEST_CASE("every kind of operation raced against timers, with cancel_all and server faults, on four threads: no race") {
    k6::schedules::testing::Faults faults;
    faults.error_rate = 0.05;
    faults.reset_rate = 0.03;
    faults.drop_rate = 0.05;
    faults.seed = 23;
    Service service(faults);
    const ClientOptions options = service.client_options();
    asio::io_context io;
    Client client(io, options);
    Tally tally;
    const int rounds = iterations(100);
    std::atomic<bool> done{false};
    for (int c = 0; c < callers; ++c) {
        asio::co_spawn(
            asio::make_strand(io),
            [&, c]() -> asio::awaitable<void> {
                asio::steady_timer timer(co_await asio::this_coro::executor);
                const LoadTestId load_test{1 + c};
                const CreateScheduleRequest hourly{parse_rfc3339("2030-01-01T00:00:00Z").value(),
                                                   RecurrenceRule{Frequency::hourly, 1, {}, {}, {}}, {}};
                for (int i = 0; i < rounds; ++i) {
                    timer.expires_after(std::chrono::milliseconds(i % 3 == 0 ? 5000 : 1 + (i * 11 + c * 5) % 40));
                    const Client hurried = i % 4 == 1 ? client.with({.deadline = 30ms}) : client;
                    bool operation_won = false;
                    switch (i % 5) {
                        case 0: {
                            auto r = co_await (hurried.async_get_load_test_schedule(load_test, asio::use_awaitable) ||
                                               timer.async_wait(asio::use_awaitable));
                            operation_won = r.index() == 0;
                            break;
                        }
                        case 1: {
                            auto r = co_await (hurried.async_set_load_test_schedule(load_test, hourly,
                                                                                     asio::use_awaitable) ||
                                               timer.async_wait(asio::use_awaitable));
                            operation_won = r.index() == 0;
                            break;
                        }
                        case 2: {
                            auto r = co_await (hurried.async_deactivate_schedule(ScheduleId{1 + c},
                                                                                  asio::use_awaitable) ||
                                               timer.async_wait(asio::use_awaitable));
                            operation_won = r.index() == 0;
                            break;
                        }
                        case 3: {
                            // A pager with read-ahead, dropped in the middle of its listing.
                            auto pager = hurried.list_schedules(ListQuery{.top = 5}, {.read_ahead = true});
                            for (int item = 0; item < 7; ++item) {
                                auto r = co_await (pager.async_next(asio::use_awaitable) ||
                                                   timer.async_wait(asio::use_awaitable));
                                operation_won = r.index() == 0;
                                if (!operation_won || !std::get<0>(r) || !*std::get<0>(r)) break;
                            }
                            break;
                        }
                        case 4: {
                            auto r = co_await (hurried.async_list_all_schedules(ListQuery{.top = 16}, 1000,
                                                                                 asio::use_awaitable) ||
                                               timer.async_wait(asio::use_awaitable));
                            operation_won = r.index() == 0;
                            break;
                        }
                    }
                    ++(operation_won ? tally.operation_won : tally.timer_won);
                }
                if (++tally.finished == callers) done = true;
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
    }
    // Another strand cancels everything in flight every 150 ms while the callers run.
    asio::co_spawn(
        asio::make_strand(io),
        [&]() -> asio::awaitable<void> {
            asio::steady_timer every(co_await asio::this_coro::executor);
            while (!done) {
                every.expires_after(150ms);
                co_await every.async_wait(asio::use_awaitable);
                client.cancel_all();
            }
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    run_on_threads(io);
    CHECK(tally.finished == callers);
    CHECK(tally.operation_won + tally.timer_won == callers * rounds);
    CHECK(tally.operation_won > 0);
    CHECK(tally.timer_won > 0);
    // The client is still usable after all that.
    io.restart();
    auto after = k6::test::run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK_MESSAGE((after.has_value() || after.error().kind == ErrorKind::api), after.error().to_string());
}
