// SPDX-License-Identifier: BSL-1.0
// Example 6: see every attempt on the wire, and propagate a trace context, through the client's
// AttemptObserver: one log line per attempt (method, path, status or error, time, retry decision),
// and a W3C `traceparent` header per attempt, one trace per call. No logging or tracing library
// is needed; wire the same two functions to spdlog, OpenTelemetry or your own.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 06_observability LOAD_TEST_ID...
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

namespace {

// Lowercase hex of `bytes` random bytes: W3C trace ids are 16 bytes, span ids 8.
std::string random_hex(std::size_t bytes) {
    static std::mt19937_64 generator{std::random_device{}()};
    std::string hex;
    while (hex.size() < 2 * bytes) {
        char piece[17];
        std::snprintf(piece, sizeof piece, "%016llx", static_cast<unsigned long long>(generator()));
        hex += piece;
    }
    hex.resize(2 * bytes);
    return hex;
}

struct Totals {
    unsigned attempts = 0, retries_announced = 0;
};

// An observer for one call: every attempt of the call is a span of the same trace. In a service
// that already traces, take the trace id from the current context instead of making one.
k6s::AttemptObserver traced(std::string trace_id, Totals& totals) {
    auto trace = std::make_shared<const std::string>(std::move(trace_id));
    k6s::AttemptObserver observer;
    observer.on_start = [trace](k6s::AttemptStart& attempt) {
        attempt.headers.push_back({"traceparent", "00-" + *trace + "-" + random_hex(8) + "-01"});
    };
    observer.on_end = [trace, &totals](const k6s::AttemptEnd& attempt) {
        ++totals.attempts;
        if (attempt.retry_in) ++totals.retries_announced;
        // to_string: "GET /cloud/v6/... -> 503 in 12 ms, retry in 180 ms". Never the token.
        std::cout << "[trace " << trace->substr(0, 8) << "] " << attempt.operation << " attempt " << attempt.attempt
                  << ": " << k6s::to_string(attempt) << " (" << attempt.bytes_received << " bytes)\n";
    };
    return observer;
}

asio::awaitable<void> run(k6s::Client client, std::vector<k6s::LoadTestId> load_tests, int& status) {
    Totals totals;
    unsigned succeeded = 0;
    for (const k6s::LoadTestId load_test : load_tests) {
        // One handle per call, with that call's observer; it shares the client's connections.
        const auto call = client.with({.observer = traced(random_hex(16), totals)});
        const auto schedule = co_await call.async_get_load_test_schedule(load_test);
        if (schedule) {
            ++succeeded;
            std::cout << "load test " << load_test.value << ": schedule " << schedule->id.value << "\n";
        } else {
            std::cout << "load test " << load_test.value << ": " << schedule.error() << "\n";
        }
    }
    std::cout << load_tests.size() << " calls: " << succeeded << " succeeded, in " << totals.attempts
              << " attempts (" << totals.retries_announced << " retried)\n";
    status = succeeded == load_tests.size() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<k6s::LoadTestId> load_tests;
    for (int i = 1; i < argc; ++i) {
        const auto id = k6s::parse_id<k6s::LoadTestId>(argv[i]);
        if (!id) {
            std::cerr << "usage: 06_observability LOAD_TEST_ID...  (positive integers)\n";
            return 2;
        }
        load_tests.push_back(*id);
    }
    if (load_tests.empty()) {
        std::cerr << "usage: 06_observability LOAD_TEST_ID...  (positive integers)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();  // K6_CLOUD_API_URL, _TOKEN, _STACK_ID, _CA_FILE
    if (!options) {
        std::cerr << options.error().message << "\n";
        return 2;
    }
    options->user_agent_suffix = "06_observability/1.0";  // names this program in the server's logs
    options->retry.max_retries = 5;
    asio::io_context io;
    auto created = k6s::Client::create(io, *options);
    if (!created) {
        std::cerr << created.error() << "\n";
        return 2;
    }
    int status = 1;
    asio::co_spawn(io, run(std::move(*created), std::move(load_tests), status), asio::detached);
    io.run();
    return status;
}
