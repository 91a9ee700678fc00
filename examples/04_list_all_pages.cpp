// SPDX-License-Identifier: BSL-1.0
// Lists every schedule with co_await, page by page, printing progress. The client follows
// @nextLink itself; memory stays at one page (two with read-ahead) however many there are.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 04_list_all_pages [--demo N]
//
// --demo N first gives load tests 1..N a schedule each, so that a fresh emulator has pages to list.
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

asio::awaitable<int> seed(k6s::Client& client, int count) {
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    for (int i = 1; i <= count; ++i) {
        k6s::CreateScheduleRequest request;
        request.starts = now + std::chrono::hours(i);
        request.recurrence_rule =
            k6s::RecurrenceRule{k6s::Frequency::daily, 1, std::nullopt, std::nullopt, std::nullopt};
        if (auto set = co_await client.async_set_load_test_schedule(k6s::LoadTestId{i}, request); !set) {
            std::cerr << "could not create a demo schedule: " << set.error() << "\n";
            co_return 1;
        }
    }
    co_return 0;
}

asio::awaitable<int> list_all(k6s::Client& client) {
    // 50 per page to show the paging; the API allows up to 1000 ($top).
    auto pager = client.list_schedules(k6s::ListQuery{50, std::nullopt, true}, k6s::PagerOptions{.read_ahead = true});
    int pages = 0;
    std::int64_t items = 0;
    while (!pager.done()) {
        k6s::expected<k6s::SchedulePage> page = co_await pager.async_next_page();
        if (!page) {
            std::cerr << "listing failed after " << items << " schedules: " << page.error() << "\n";
            co_return 1;
        }
        ++pages;
        for (const k6s::Schedule& s : page->items) {
            ++items;
            std::cout << s.id.value << "\tload test " << s.load_test_id.value << "\tnext run "
                      << (s.next_run ? k6s::format_rfc3339(*s.next_run) : "none")
                      << (s.deactivated ? "\tdeactivated" : "") << "\n";
        }
        std::cerr << "page " << pages << ": " << items << " of " << pager.total_count().value_or(-1)
                  << " schedules so far\n";
    }
    std::cerr << "listed " << items << " schedules in " << pages << " pages\n";
    co_return 0;
}

int main(int argc, char** argv) {
    const int demo = argc == 3 && std::string(argv[1]) == "--demo" ? std::atoi(argv[2]) : 0;
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
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<int> {
            if (int failed = co_await seed(client, demo)) co_return failed;
            co_return co_await list_all(client);
        },
        [&status](std::exception_ptr error, int result) {
            if (error) std::rethrow_exception(error);
            status = result;
        });
    io.run();
    return status;
}
