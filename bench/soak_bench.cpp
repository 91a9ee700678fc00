// SPDX-License-Identifier: BSL-1.0
// Soak benchmark: 100,000 operations through one Client, 8 in flight (async_for_each), against the
// k6-schedules-emulator process over HTTPS on 127.0.0.1 with faults on: 1% of answers reset
// mid-answer after the change was applied, 5% answered 500/503 without applying it.
//
//   build/bench/soak_bench [--ops N] [--emulator PATH] [--reset-rate P] [--error-rate P]
//
// Operations: N/2 sets (load tests 1..N/2, one schedule each), then N/2 deactivations of the
// schedules the sets acknowledged, in batches of 10,000. Then a listing of everything checks the
// service's side: exactly one schedule per load test, the id its set acknowledged, deactivated.
// Prints throughput, failures, lost and duplicated results, and peak RSS after 10k, N/2 and N
// operations (results are tallied per batch and dropped, so memory should stay flat).
// Exit status 1 if any result is lost, duplicated, or an error. The emulator's last line (stderr)
// counts the faults it injected.
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "soak-token-5e6f7a8b";
constexpr std::int64_t batch_size = 10'000;

struct Emulator {
    pid_t pid = -1;
    std::string url, ca_file;
};

// Starts the emulator and reads its first line, {"url": ..., "ca_file": ...}.
Emulator start_emulator(const std::string& path, std::int64_t load_tests, const std::string& reset_rate,
                        const std::string& error_rate) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const std::vector<std::string> args{path,
                                        "--token",
                                        token,
                                        "--stack-id",
                                        "1",
                                        "--load-tests",
                                        "1-" + std::to_string(load_tests),
                                        "--reset-rate",
                                        reset_rate,
                                        "--error-rate",
                                        error_rate,
                                        "--seed",
                                        "42"};
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(path.c_str(), argv.data());
        _exit(127);
    }
    close(out[1]);
    FILE* from = fdopen(out[0], "r");
    char line[4096];
    if (!std::fgets(line, sizeof line, from)) throw std::runtime_error("the emulator did not start: " + path);
    const auto first = boost::json::parse(line).as_object();
    return {pid, std::string(first.at("url").as_string()), std::string(first.at("ca_file").as_string())};
}

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

struct Tally {
    std::int64_t done = 0, failed = 0, lost = 0, duplicated = 0;
    std::map<std::int64_t, long> peak_rss_at;  // operations done -> peak RSS KiB
    std::string first_error;
};

template <class Result>
void count(Tally& tally, const std::vector<Result>& results, std::size_t expected) {
    if (results.size() != expected) tally.lost += static_cast<std::int64_t>(expected) - std::ssize(results);
    for (const auto& r : results) {
        if (!r) {
            ++tally.failed;
            if (tally.first_error.empty()) tally.first_error = r.error().to_string();
        }
    }
    tally.done += static_cast<std::int64_t>(results.size());
}

void checkpoint(Tally& tally, std::int64_t ops) {
    for (std::int64_t mark : {std::int64_t{10'000}, ops / 2, ops})
        if (tally.done == mark) tally.peak_rss_at[mark] = peak_rss_kib();
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t ops = 100'000;
    std::string emulator_path = K6_EMULATOR_PATH, reset_rate = "0.01", error_rate = "0.05";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--ops")
            ops = std::atoll(argv[i + 1]);
        else if (flag == "--emulator")
            emulator_path = argv[i + 1];
        else if (flag == "--reset-rate")
            reset_rate = argv[i + 1];
        else if (flag == "--error-rate")
            error_rate = argv[i + 1];
        else {
            std::cerr << "usage: soak_bench [--ops N] [--emulator PATH] [--reset-rate P] [--error-rate P]\n";
            return 2;
        }
    }
    if (ops < 2 * batch_size || ops % (2 * batch_size) != 0) {
        std::cerr << "soak_bench: --ops must be a multiple of " << 2 * batch_size << "\n";
        return 2;
    }
    const std::int64_t load_tests = ops / 2;
    const Emulator emulator = start_emulator(emulator_path, load_tests, reset_rate, error_rate);

    asio::io_context io;
    k6s::ClientOptions options;
    options.api_url = emulator.url;
    options.token = token;
    options.stack_id = 1;
    options.ca_file = emulator.ca_file;
    options.proxy_from_environment = false;
    options.retry.max_retries = 8;  // 6% refused or cut: 9 failures in a row would be ~1e-11
    options.retry.initial_delay = 5ms;
    options.retry.max_delay = 200ms;
    options.attempt_timeout = 10s;
    const k6s::Client client(io, options);
    const k6s::CreateScheduleRequest daily{k6s::parse_rfc3339("2030-01-01T00:00:00Z").value(),
                                           k6s::RecurrenceRule{k6s::Frequency::daily, 1, {}, {}, {}},
                                           {}};

    // Runs on the io_context thread; the main thread only waits for the future.
    auto soak = [&]() -> asio::awaitable<Tally> {
        Tally tally;
        std::vector<std::int64_t> acknowledged(static_cast<std::size_t>(load_tests) + 1, 0);  // load test -> id
        for (std::int64_t first = 1; first <= load_tests; first += batch_size) {
            std::vector<k6s::LoadTestId> batch;
            for (std::int64_t lt = first; lt < first + batch_size; ++lt) batch.push_back(k6s::LoadTestId{lt});
            auto results = co_await k6s::async_for_each(
                client, batch, 8,
                [&](k6s::Client& c, k6s::LoadTestId lt) { return c.async_set_load_test_schedule(lt, daily); },
                asio::use_awaitable);
            count(tally, results, batch.size());
            for (std::size_t i = 0; i < results.size(); ++i)
                if (results[i]) acknowledged[static_cast<std::size_t>(batch[i].value)] = results[i]->id.value;
            checkpoint(tally, ops);
        }
        for (std::int64_t first = 1; first <= load_tests; first += batch_size) {
            std::vector<k6s::ScheduleId> batch;
            for (std::int64_t lt = first; lt < first + batch_size; ++lt)
                batch.push_back(k6s::ScheduleId{acknowledged[static_cast<std::size_t>(lt)]});
            auto results = co_await k6s::async_for_each(
                client, batch, 8, [](k6s::Client& c, k6s::ScheduleId id) { return c.async_deactivate_schedule(id); },
                asio::use_awaitable);
            count(tally, results, batch.size());
            checkpoint(tally, ops);
        }
        // The service's side: one schedule per load test, the acknowledged one, deactivated.
        std::vector<int> seen(acknowledged.size(), 0);
        k6s::Pager pager = client.list_schedules();
        while (!pager.done()) {
            auto page = co_await pager.async_next_page(asio::use_awaitable);
            if (!page) {
                ++tally.failed;
                tally.first_error = "listing: " + page.error().to_string();
                break;
            }
            for (const auto& s : page->items) {
                const auto lt = static_cast<std::size_t>(s.load_test_id.value);
                if (lt >= seen.size() || ++seen[lt] > 1 || acknowledged[lt] != s.id.value || !s.deactivated)
                    ++tally.duplicated;
            }
        }
        for (std::size_t lt = 1; lt < seen.size(); ++lt) tally.lost += seen[lt] == 0;
        co_return tally;
    };

    const auto start = std::chrono::steady_clock::now();
    auto future = asio::co_spawn(io, soak(), asio::use_future);
    io.run();
    const Tally tally = future.get();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("soak: %lld operations (%lld sets, %lld deactivations), 8 in flight, resets %s, 500/503 %s\n",
                static_cast<long long>(tally.done), static_cast<long long>(load_tests),
                static_cast<long long>(load_tests), reset_rate.c_str(), error_rate.c_str());
    std::printf("  wall %.1f s (listing included), %.0f operations/s\n", seconds,
                static_cast<double>(tally.done) / seconds);
    std::printf("  failed %lld, lost %lld, duplicated or stale %lld\n", static_cast<long long>(tally.failed),
                static_cast<long long>(tally.lost), static_cast<long long>(tally.duplicated));
    for (const auto& [at, kib] : tally.peak_rss_at)
        std::printf("  peak RSS after %lld operations: %.1f MiB\n", static_cast<long long>(at),
                    static_cast<double>(kib) / 1024.0);
    std::printf("  peak RSS at exit (after listing %lld schedules): %.1f MiB\n", static_cast<long long>(load_tests),
                static_cast<double>(peak_rss_kib()) / 1024.0);
    if (!tally.first_error.empty()) std::printf("  first error: %s\n", tally.first_error.c_str());
    std::fflush(stdout);
    kill(emulator.pid, SIGTERM);  // the emulator then reports the faults it injected, on stderr
    waitpid(emulator.pid, nullptr, 0);
    return tally.failed == 0 && tally.lost == 0 && tally.duplicated == 0 && tally.done == ops ? 0 : 1;
}
