// SPDX-License-Identifier: BSL-1.0
// What a FakeApi fixture costs a test suite (k6::schedules_testing, docs/testing.md):
//   1. the first FakeApi of a process, constructed, with a client's first answer (it makes the CA
//      and the server certificate the process then shares);
//   2. every later one: construct, make a client, get the first answer (median and worst of --runs);
//   3. 100 "test cases" in a row, each making a FakeApi and a client and doing three calls (add a
//      schedule, get it, list), then destroying both: the wall time of all 100.
// Usage: fake_api_bench [--runs N] [--cases N]   (Release build; everything stays on 127.0.0.1)
#include <k6/schedules.hpp>
#include <k6/schedules/testing.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using clock_type = std::chrono::steady_clock;

namespace {

template <class Operation>
auto wait(asio::io_context& io, Operation&& operation) {
    auto future = std::forward<Operation>(operation)(asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

double ms(clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Construct, make a client, first answer: the fixture's cost as a test case sees it.
double first_answer_ms() {
    const auto start = clock_type::now();
    k6s::testing::FakeApi api;
    asio::io_context io;
    k6s::Client client(io, api.client_options());
    auto page = wait(io, [&](auto token) { return client.async_list_schedules({}, token); });
    if (!page) throw std::runtime_error(page.error().to_string());
    return ms(clock_type::now() - start);
}

void one_case(int i) {
    k6s::testing::FakeApi api;
    asio::io_context io;
    k6s::Client client(io, api.client_options());
    const k6s::CreateScheduleRequest nightly{*k6s::parse_rfc3339("2030-01-01T02:00:00Z"),
                                             k6s::RecurrenceRule{k6s::Frequency::daily, 1, {}, {}, {}}, {}};
    auto set = wait(io, [&](auto token) {
        return client.async_set_load_test_schedule(k6s::LoadTestId{1 + i % 100}, nightly, token);
    });
    if (!set) throw std::runtime_error(set.error().to_string());
    auto got = wait(io, [&](auto token) { return client.async_get_schedule(set->id, token); });
    auto page = wait(io, [&](auto token) { return client.async_list_schedules({}, token); });
    if (!got || !page || page->items.size() != 1) throw std::runtime_error("unexpected answer");
}

}  // namespace

int main(int argc, char** argv) try {
    int runs = 50, cases = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
        else if (flag == "--cases") cases = std::max(1, std::atoi(argv[i + 1]));
        else throw std::invalid_argument("usage: fake_api_bench [--runs N] [--cases N]");
    }
    const double first = first_answer_ms();
    std::vector<double> later;
    for (int i = 0; i < runs; ++i) later.push_back(first_answer_ms());
    std::sort(later.begin(), later.end());
    std::printf("first FakeApi of the process, to its first answer: %.1f ms\n", first);
    std::printf("each later FakeApi, to its first answer: median %.1f ms, worst %.1f ms (%d runs)\n",
                later[later.size() / 2], later.back(), runs);

    const auto start = clock_type::now();
    for (int i = 0; i < cases; ++i) one_case(i);
    std::printf("%d test cases (a FakeApi, a client, set + get + list each): %.0f ms in all\n", cases,
                ms(clock_type::now() - start));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "fake_api_bench: %s\n", e.what());
    return 1;
}
