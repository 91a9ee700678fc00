// SPDX-License-Identifier: BSL-1.0
// What the three programs of bench/compare share (k6s-bench and its peers k6s-bench-beast and
// k6s-bench-curl): the command line, the environment, the tally of what was decoded, the timing
// and the output. Their command line and output are an interface that outside scripts rely on:
//
//   export K6_CLOUD_TOKEN=...  [K6_CLOUD_STACK_ID=1]
//   PROGRAM get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K] [--no-tls-resume]
//   PROGRAM list BASE_URL CA_FILE TOP [--no-tls-resume] [--read-ahead]
//
// --read-ahead (k6s-bench only): the Pager asks for the next page while the caller works on the
// current one (PagerOptions::read_ahead).
// --no-tls-resume: a new connection offers no TLS session from an earlier one (a full handshake
// every time). It matters only against a server that closes connections (bench/compare's
// get-reconnect); the Beast peers never resume sessions, so for them it changes nothing.
//
// The last line on stdout is
//   BENCH {"seconds":S,"requests":R,"count":C,"checksum":X}
// S: wall time of the job (set-up excluded), R: HTTP requests (get: N, list: pages), C: schedules
// decoded, X: sum of their ids. On stderr: "ALLOCATIONS <n>", the calls to the global operator
// new made during the job (allocation_counter.hpp). A missing K6_CLOUD_TOKEN exits with 2, a bad
// command line or any other error with 1, its message on stderr.
#ifndef K6_BENCH_HARNESS_HPP
#define K6_BENCH_HARNESS_HPP

#include "allocation_counter.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace k6_bench {

// What a job decoded. `touched` keeps the fields each program reads in use, so that no compiler
// drops the decoding; `requests` counts HTTP requests.
struct Tally {
    std::int64_t requests = 0, count = 0, checksum = 0, touched = 0;

    void schedule(std::int64_t id, std::int64_t touched_by_it) {
        touched += touched_by_it;
        ++count;
        checksum += id;
    }
    Tally& operator+=(const Tally& other) {
        requests += other.requests;
        count += other.count;
        checksum += other.checksum;
        touched += other.touched;
        return *this;
    }
};

inline std::int64_t positive(std::string_view text, const char* what) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v <= 0)
        throw std::runtime_error(std::string(what) + " must be a positive integer, got '" + std::string(text) + "'");
    return v;
}

// The job the command line asks for, with the token and stack id from the environment.
struct Job {
    bool list = false;
    std::string base_url, ca_file;
    std::int64_t n = 0, schedule_id = 0, in_flight = 1;  // get
    std::int64_t top = 0;                                // list
    bool resume_tls_sessions = true;                     // false: --no-tls-resume
    bool read_ahead = false;                             // --read-ahead
    std::string token;
    std::int64_t stack_id = 1;
};

// N split over K workers: worker i's share.
inline std::int64_t share_of(const Job& job, std::int64_t i) {
    return job.n / job.in_flight + (i < job.n % job.in_flight ? 1 : 0);
}

// Runs loop(share, tally) on job.in_flight threads, each with its share of the N gets, and adds up
// their tallies; the first exception of any thread is rethrown after all have ended.
template <class Loop>
Tally on_threads(const Job& job, Loop loop) {
    std::vector<Tally> shares(static_cast<std::size_t>(job.in_flight));
    std::vector<std::exception_ptr> failures(shares.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < shares.size(); ++i)
        threads.emplace_back([&, i] {
            try {
                loop(share_of(job, static_cast<std::int64_t>(i)), shares[i]);
            } catch (...) {
                failures[i] = std::current_exception();
            }
        });
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures)
        if (failure) std::rethrow_exception(failure);
    Tally total;
    for (const auto& share : shares) total += share;
    return total;
}

// The whole program: parses the command line, calls prepare(job), which sets up and returns the
// job to measure (a callable returning its Tally), times it and prints the result.
template <class Prepare>
int bench_main(const char* program, int argc, char** argv, Prepare prepare) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        // The flags without a value, wherever they are; the rest is positional.
        const bool no_tls_resume = std::erase(args, std::string("--no-tls-resume")) > 0;
        const bool read_ahead = std::erase(args, std::string("--read-ahead")) > 0;
        const bool get = args.size() == 5 || (args.size() == 7 && args[5] == "--in-flight");
        if (!((get && args[0] == "get") || (args.size() == 4 && args[0] == "list"))) {
            std::cerr << "usage: " << program
                      << " get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K] [--no-tls-resume]\n"
                      << "       " << program << " list BASE_URL CA_FILE TOP [--no-tls-resume] [--read-ahead]\n"
                      << "environment: K6_CLOUD_TOKEN (required), K6_CLOUD_STACK_ID (default 1)\n";
            return 1;
        }
        Job job;
        job.list = !get;
        job.resume_tls_sessions = !no_tls_resume;
        job.read_ahead = read_ahead;
        job.base_url = args[1];
        job.ca_file = args[2];
        if (get) {
            job.n = positive(args[3], "N");
            job.schedule_id = positive(args[4], "SCHEDULE_ID");
            if (args.size() == 7) job.in_flight = positive(args[6], "--in-flight");
        } else {
            job.top = positive(args[3], "TOP");
        }
        const char* token = std::getenv("K6_CLOUD_TOKEN");
        if (!token || !*token) {
            std::cerr << program << ": K6_CLOUD_TOKEN is not set\n";
            return 2;
        }
        job.token = token;
        if (const char* stack = std::getenv("K6_CLOUD_STACK_ID"); stack && *stack)
            job.stack_id = positive(stack, "K6_CLOUD_STACK_ID");

        auto measured = prepare(job);
        const std::uint64_t allocations_before = allocations.load(std::memory_order_relaxed);
        const auto started = std::chrono::steady_clock::now();
        const Tally tally = measured();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const std::uint64_t job_allocations = allocations.load(std::memory_order_relaxed) - allocations_before;

        if (tally.touched == 0) throw std::runtime_error("no schedule decoded");
        std::fprintf(stderr, "ALLOCATIONS %llu\n", static_cast<unsigned long long>(job_allocations));
        std::printf("BENCH {\"seconds\":%.6f,\"requests\":%lld,\"count\":%lld,\"checksum\":%lld}\n", seconds,
                    static_cast<long long>(tally.requests), static_cast<long long>(tally.count),
                    static_cast<long long>(tally.checksum));
        return 0;
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace k6_bench

#endif  // K6_BENCH_HARNESS_HPP
