// k6s-bench: one benchmark job run with this library, for bench/compare (which runs it next to
// the peers in bench/peers/, against nginx on 127.0.0.1). Its command line and output are an
// interface that outside scripts rely on:
//
//   export K6_CLOUD_TOKEN=...  [K6_CLOUD_STACK_ID=1]
//   build/bench/k6s-bench get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]
//   build/bench/k6s-bench list BASE_URL CA_FILE TOP
//
//   get:  N async_get_schedule(SCHEDULE_ID) one after the other on one client (one kept-alive
//         connection); with --in-flight K, K at a time over the client's pool (K connections).
//   list: every schedule with the Pager (ListQuery{.top = TOP}), following @nextLink to the end.
//
// The last line on stdout is
//   BENCH {"seconds":S,"requests":R,"count":C,"checksum":X}
// S: wall time of the job (client creation excluded), R: HTTP requests (get: N, list: pages),
// C: schedules decoded, X: sum of their ids. On stderr: "ALLOCATIONS <n>", the calls to the
// global operator new (every overload) made during the job. A missing K6_CLOUD_TOKEN exits with 2,
// every other error with 1, its message on stderr.
//
// Decoding depth: the library decodes every schedule into the full k6::schedules::Schedule model
// (timestamps parsed, enums mapped); the peers extract id, load_test_id, starts and cron or
// recurrence_rule from each one, which is the least all three do (see touch() below).
#include "allocation_counter.hpp"

#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// ---- the jobs ---------------------------------------------------------------------------------

namespace {

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using clock_type = std::chrono::steady_clock;

struct Tally {
    std::int64_t requests = 0;
    std::int64_t count = 0;
    std::int64_t checksum = 0;
    std::int64_t touched = 0;  // keeps the fields the peers read in use here too

    void touch(const k6s::Schedule& s) {
        if (s.id.value <= 0 || s.load_test_id.value <= 0 || (!s.cron && !s.recurrence_rule))
            throw std::runtime_error("schedule " + std::to_string(s.id.value) + " lacks id, load test or recurrence");
        touched +=
            s.load_test_id.value + (s.starts.time_since_epoch().count() & 1) +
            static_cast<std::int64_t>(s.cron ? s.cron->schedule.size() : s.recurrence_rule->effective_interval());
        ++count;
        checksum += s.id.value;
    }
};

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::int64_t parse_int(std::string_view text, const char* what) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v <= 0)
        fail(std::string(what) + " must be a positive integer, got '" + std::string(text) + "'");
    return v;
}

// Runs `job` (a coroutine filling `tally`) on the io_context, rethrowing its exception.
template <class Job>
void run(asio::io_context& io, Job job) {
    std::exception_ptr failure;
    asio::co_spawn(io, std::move(job), [&](std::exception_ptr e) {
        if (e && !failure) failure = e;
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> get_loop(k6s::Client client, k6s::ScheduleId id, std::int64_t n, Tally& tally) {
    for (std::int64_t i = 0; i < n; ++i) {
        auto s = co_await client.async_get_schedule(id);
        if (!s) fail("get_schedule: " + s.error().to_string());
        ++tally.requests;
        tally.touch(*s);
    }
}

asio::awaitable<void> list_loop(k6s::Client client, std::int64_t top, Tally& tally) {
    auto pager = client.list_schedules(k6s::ListQuery{.top = top});
    while (!pager.done()) {
        auto page = co_await pager.async_next_page();
        if (!page) fail("list_schedules: " + page.error().to_string());
        ++tally.requests;
        for (const auto& s : page->items) tally.touch(s);
    }
}

int usage() {
    std::cerr << "usage: k6s-bench get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]\n"
                 "       k6s-bench list BASE_URL CA_FILE TOP\n"
                 "environment: K6_CLOUD_TOKEN (required), K6_CLOUD_STACK_ID (default 1)\n";
    return 1;
}

int bench(const std::vector<std::string>& args) {
    const bool get = args.size() >= 5 && args[0] == "get";
    const bool list = args.size() == 4 && args[0] == "list";
    if (!get && !list) return usage();
    std::int64_t in_flight = 1;
    if (get && args.size() != 5) {
        if (args.size() != 7 || args[5] != "--in-flight") return usage();
        in_flight = parse_int(args[6], "--in-flight");
    }

    const char* token = std::getenv("K6_CLOUD_TOKEN");
    if (!token || !*token) {
        std::cerr << "k6s-bench: K6_CLOUD_TOKEN is not set\n";
        return 2;
    }
    const char* stack = std::getenv("K6_CLOUD_STACK_ID");

    k6s::ClientOptions options;
    options.api_url = args[1];
    options.token = token;
    options.stack_id = stack && *stack ? parse_int(stack, "K6_CLOUD_STACK_ID") : 1;
    options.ca_file = args[2];
    options.proxy_from_environment = false;  // all traffic stays on the given URL
    options.retry.max_retries = 0;           // a benchmark fails rather than hide a retry
    options.max_connections = static_cast<std::size_t>(std::max<std::int64_t>(in_flight, 1));
    options.max_idle_connections = options.max_connections;

    asio::io_context io(1);
    auto client = k6s::Client::create(io, std::move(options));
    if (!client) fail("cannot create the client: " + client.error().to_string());

    Tally tally;
    const std::uint64_t allocations_before = allocations.load(std::memory_order_relaxed);
    const auto started = clock_type::now();
    if (get) {
        const std::int64_t n = parse_int(args[3], "N");
        const k6s::ScheduleId id{parse_int(args[4], "SCHEDULE_ID")};
        if (in_flight == 1) {
            run(io, get_loop(*client, id, n, tally));
        } else {  // K coroutines, each its share of the N gets one after the other
            std::vector<Tally> shares(static_cast<std::size_t>(in_flight));
            std::exception_ptr failure;
            for (std::int64_t k = 0; k < in_flight; ++k)
                asio::co_spawn(io,
                               get_loop(*client, id, n / in_flight + (k < n % in_flight ? 1 : 0),
                                        shares[static_cast<std::size_t>(k)]),
                               [&](std::exception_ptr e) {
                                   if (e && !failure) failure = e;
                               });
            io.run();
            if (failure) std::rethrow_exception(failure);
            for (const auto& share : shares) {
                tally.requests += share.requests;
                tally.count += share.count;
                tally.checksum += share.checksum;
                tally.touched += share.touched;
            }
        }
    } else {
        run(io, list_loop(*client, parse_int(args[3], "TOP"), tally));
    }
    const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
    const std::uint64_t job_allocations = allocations.load(std::memory_order_relaxed) - allocations_before;

    if (tally.touched == 0) fail("no schedule decoded");
    std::fprintf(stderr, "ALLOCATIONS %llu\n", static_cast<unsigned long long>(job_allocations));
    std::printf("BENCH {\"seconds\":%.6f,\"requests\":%lld,\"count\":%lld,\"checksum\":%lld}\n", seconds,
                static_cast<long long>(tally.requests), static_cast<long long>(tally.count),
                static_cast<long long>(tally.checksum));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return bench(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "k6s-bench: " << e.what() << "\n";
        return 1;
    }
}
