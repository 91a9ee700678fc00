// SPDX-License-Identifier: BSL-1.0
// Lists every schedule with co_await, page by page, printing progress. The client follows
// @nextLink itself; memory stays at one page (two with read-ahead) however many there are.
//
//   K6_CLOUD_TOKEN=... K6_CLOUD_STACK_ID=... 04_list_all_pages [--demo N [--yes]]
//
// --demo N first gives load tests 1..N a schedule each, so that a fresh emulator has pages to list.
// That replaces whatever schedules those load tests had, so it only runs against a loopback API URL
// (a local emulator) unless --yes says that the account it reaches may be changed.
#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

// The host of `api_url`, lower-cased ("" when there is none); never its user information, which
// may hold a secret.
std::string host_of(std::string_view api_url) {
    const auto scheme_end = api_url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    std::string_view authority = api_url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string host;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return {};
        host = authority.substr(1, close - 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    std::ranges::transform(host, host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return host;
}

// Whether `host` is this machine: 127.0.0.0/8, ::1 or localhost. Anything else, a name that may
// resolve to 127.0.0.1 included, counts as remote: the check is there to protect real accounts.
bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

asio::awaitable<int> seed(k6s::Client& client, int count) {
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    for (int i = 1; i <= count; ++i) {
        const k6s::CreateScheduleRequest request{
            .starts = now + std::chrono::hours(i),
            .recurrence_rule = k6s::RecurrenceRule{.frequency = k6s::Frequency::daily, .interval = 1},
        };
        if (auto set = co_await client.async_set_load_test_schedule(k6s::LoadTestId{i}, request); !set) {
            std::cerr << "could not create a demo schedule: " << set.error() << "\n";
            co_return 1;
        }
    }
    co_return 0;
}

asio::awaitable<int> list_all(k6s::Client& client) {
    // 50 per page to show the paging; the API allows up to 1000 ($top).
    auto pager = client.list_schedules(k6s::ListQuery{.top = 50, .count = true}, k6s::PagerOptions{.read_ahead = true});
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
        // The total comes from "@count", which a server may leave out: then there is none to print.
        std::cerr << "page " << pages << ": " << items;
        if (const auto total = pager.total_count()) std::cerr << " of " << *total;
        std::cerr << " schedules so far\n";
    }
    std::cerr << "listed " << items << " schedules in " << pages << " pages\n";
    co_return 0;
}

int main(int argc, char** argv) {
    int demo = 0;
    bool yes = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--demo" && i + 1 < argc) {
            const std::string_view n = argv[++i];
            if (std::from_chars(n.data(), n.data() + n.size(), demo).ptr == n.data() + n.size() && demo > 0) continue;
        }
        if (arg == "--yes") {
            yes = true;
            continue;
        }
        std::cerr << "usage: 04_list_all_pages [--demo N [--yes]]  (N: a positive number of schedules to create)\n";
        return 2;
    }
    auto options = k6s::ClientOptions::from_env();
    if (!options) {
        std::cerr << options.error().message << "\n";
        return 2;
    }
    if (const std::string host = host_of(options->api_url); demo > 0 && !yes && !is_loopback(host)) {
        std::cerr << "04_list_all_pages: refusing --demo against " << (host.empty() ? "this API URL" : host)
                  << ": it would replace the schedules of load tests 1 to " << demo
                  << " there. --demo runs only against a loopback API URL (127.0.0.0/8, ::1, localhost), "
                     "such as the emulator's; add --yes to run it against this one anyway.\n";
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
