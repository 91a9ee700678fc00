// SPDX-License-Identifier: BSL-1.0
// Listing benchmark: 100,000 schedules in 100 pages of 1,000 (realistic JSON, mixed cron and
// recurrence rules) served over HTTPS on 127.0.0.1, listed
//   - with the Pager, without and with read-ahead, and
//   - with a plain libcurl + Boost.JSON loop (the baseline; items decoded with the same from_json),
// each caller writing every schedule out as an NDJSON line, in one run, each listing in a fresh process so that its
// peak RSS is its own. Prints items/s, wall time, peak RSS and setup time (medians over the repetitions) and the ratio
// ours/baseline; the Pager is also run over 10 pages to show that its peak RSS does not grow with the number of pages.
//
//   build/bench/listing_bench [repetitions=5]
//
// Roles of this one binary: no arguments = the driver; "--serve ITEMS" = the server (a separate
// process, so its memory is not counted); "--run VARIANT URL CA_FILE" = one listing.
#include <k6/schedules.hpp>

#include <k6/schedules/testing/loopback.hpp>

#include <curl/curl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
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
namespace emu = k6::loopback;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "bench-token-0a1b2c3d";
constexpr std::int64_t stack_id = 4242;
constexpr std::int64_t page_size = 1000;

// Schedule i as the API would return it: half cron, half recurrence rules, some deactivated.
k6s::Schedule schedule(std::int64_t i) {
    k6s::Schedule s;
    s.id = k6s::ScheduleId{i};
    s.load_test_id = k6s::LoadTestId{500000 + i};
    s.starts = k6s::parse_rfc3339("2025-03-01T08:46:04.021Z").value() + std::chrono::minutes(i);
    switch (i % 4) {
        case 0: s.cron = k6s::ScheduleCron{"0 7 * * MON-FRI", "Europe/Berlin"}; break;
        case 1:
            s.recurrence_rule =
                k6s::RecurrenceRule{k6s::Frequency::hourly, 2, std::nullopt, std::nullopt, std::nullopt};
            break;
        case 2: s.cron = k6s::ScheduleCron{"*/15 * * * *", "America/New_York"}; break;
        default:
            s.recurrence_rule = k6s::RecurrenceRule{
                k6s::Frequency::weekly, 1, std::vector{k6s::Weekday::saturday, k6s::Weekday::sunday}, 10, std::nullopt};
    }
    s.deactivated = i % 9 == 0;
    if (i % 13 != 0) s.next_run = s.starts + std::chrono::hours(26);
    if (i % 5 != 0) s.created_by = "engineer" + std::to_string(i % 97) + "@example.com";
    return s;
}

// ---- server ---------------------------------------------------------------------------------

int serve(std::int64_t items, std::chrono::milliseconds latency) {
    const auto ca = emu::make_ca("listing bench CA");
    const auto leaf = emu::make_leaf(ca, "127.0.0.1", {"IP:127.0.0.1"});
    const auto dir = std::filesystem::temp_directory_path() / ("k6-listing-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    emu::write_file(dir / "ca.pem", ca.cert_pem);

    // Every page serialised once, up front, so that the server is not what is measured.
    std::map<std::int64_t, std::string> bodies;  // by $skip; @nextLink written below, once the port is known
    std::vector<std::string> pages_without_link;
    for (std::int64_t skip = 0; skip < items; skip += page_size) {
        k6s::SchedulePage page;
        for (std::int64_t i = skip; i < std::min(items, skip + page_size); ++i) page.items.push_back(schedule(i + 1));
        pages_without_link.push_back(k6s::to_json(page));
    }
    emu::ServerOptions options;
    options.cert_pem = leaf.cert_pem;
    options.key_pem = leaf.key_pem;
    std::string base;
    emu::HttpServer server(options, [&](const emu::Request& request) {
        emu::Response response;
        response.headers = {{"Content-Type", "application/json"}};
        std::int64_t skip = 0;
        if (auto url = boost::urls::parse_origin_form(request.target))
            for (auto param : url->params())
                if (param.key == "$skip")
                    std::from_chars(param.value.data(), param.value.data() + param.value.size(), skip);
        const auto it = bodies.find(skip);
        if (request.header("Authorization") != std::string("Bearer ") + token || it == bodies.end()) {
            response.status = 404;
            response.body = R"({"error": {"code": "not_found", "message": "no such page"}})";
            return response;
        }
        response.body = it->second;
        response.delay = latency;  // the round trip of a real network, when asked for
        return response;
    });
    server.start();
    base = server.url();
    for (std::size_t p = 0; p < pages_without_link.size(); ++p) {
        std::string body = std::move(pages_without_link[p]);
        const std::int64_t skip = static_cast<std::int64_t>(p) * page_size;
        if (skip + page_size < items) {
            body.pop_back();  // the closing brace
            body += ",\"@nextLink\":\"" + base + "/cloud/v6/schedules?$skip=" + std::to_string(skip + page_size) +
                    "&$top=" + std::to_string(page_size) + "\"}";
        }
        bodies[skip] = std::move(body);
    }
    std::cout << base << " " << (dir / "ca.pem").string() << std::endl;
    std::string line;
    std::getline(std::cin, line);  // runs until the driver closes our stdin
    server.stop();
    std::filesystem::remove_all(dir);
    return 0;
}

// ---- one listing ----------------------------------------------------------------------------

struct Listed {
    std::int64_t items = 0;
    std::int64_t checksum = 0;  // uses every item, so nothing is optimised away

    // What a caller does with each schedule, the same in every variant: write it out as an NDJSON
    // line (as `k6-schedules list --json` does). It gives read-ahead a caller's work to overlap.
    void consume(const k6s::Schedule& s) {
        ++items;
        checksum += static_cast<std::int64_t>(k6s::to_json(s).size()) + s.id.value;
    }
};

using clock_type = std::chrono::steady_clock;

// Setup (objects built before the first request) is timed apart from the listing itself: a Client
// loads its trusted roots up front (the system's, plus the CA file), which takes ~17 ms when
// SSL_CERT_FILE names a bundle; libcurl reads its CA file during the first request instead.
struct Timing {
    double setup_seconds = 0;
    clock_type::time_point listing_started;
};

Listed with_pager(const std::string& url, const std::string& ca_file, bool read_ahead, Timing& timing) {
    const auto setup_started = clock_type::now();
    k6s::ClientOptions options;
    options.api_url = url;
    options.token = token;
    options.stack_id = stack_id;
    options.ca_file = ca_file;
    asio::io_context io;
    k6s::Client client(io, options);
    timing.listing_started = clock_type::now();
    timing.setup_seconds = std::chrono::duration<double>(timing.listing_started - setup_started).count();
    Listed listed;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto pager = client.list_schedules({page_size, std::nullopt, false}, {.read_ahead = read_ahead});
            while (!pager.done()) {
                auto page = co_await pager.async_next_page();
                if (!page) throw std::runtime_error(page.error().to_string());
                for (const auto& s : page->items) listed.consume(s);
            }
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    return listed;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* body) {
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
}

Listed with_curl(const std::string& url, const std::string& ca_file, Timing& timing) {
    const auto setup_started = clock_type::now();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL* curl = curl_easy_init();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, (std::string("Authorization: Bearer ") + token).c_str());
    headers = curl_slist_append(headers, ("X-Stack-Id: " + std::to_string(stack_id)).c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    std::string body;
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    Listed listed;
    std::string next = url + "/cloud/v6/schedules?$top=" + std::to_string(page_size);
    timing.listing_started = clock_type::now();
    timing.setup_seconds = std::chrono::duration<double>(timing.listing_started - setup_started).count();
    while (!next.empty()) {
        body.clear();
        curl_easy_setopt(curl, CURLOPT_URL, next.c_str());
        if (CURLcode rc = curl_easy_perform(curl); rc != CURLE_OK) throw std::runtime_error(curl_easy_strerror(rc));
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) throw std::runtime_error("HTTP " + std::to_string(status));
        const json::value page = json::parse(body);
        for (const auto& item : page.at("value").as_array()) {
            auto s = k6s::from_json<k6s::Schedule>(item);
            if (!s) throw std::runtime_error(s.error().to_string());
            listed.consume(*s);
        }
        const auto* link = page.as_object().if_contains("@nextLink");
        next = link ? std::string(link->as_string()) : std::string();
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    return listed;
}

int run_one(const std::string& variant, const std::string& url, const std::string& ca_file) {
    Timing timing;
    const Listed listed = variant == "curl" ? with_curl(url, ca_file, timing)
                                            : with_pager(url, ca_file, variant == "pager+read-ahead", timing);
    const double seconds = std::chrono::duration<double>(clock_type::now() - timing.listing_started).count();
    std::cout << listed.items << " " << seconds << " " << timing.setup_seconds << " " << listed.checksum << std::endl;
    return 0;
}

// ---- driver ---------------------------------------------------------------------------------

struct Child {
    pid_t pid;
    FILE* out;
    FILE* in;
};

Child spawn(const std::vector<std::string>& args) {
    int to_child[2], from_child[2];
    // Close-on-exec, so that no other child inherits our ends (a server would never see its stdin close).
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[1]);
        close(from_child[0]);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    return {pid, fdopen(from_child[0], "r"), fdopen(to_child[1], "w")};
}

struct Measurement {
    double seconds = 0;
    double setup_seconds = 0;
    long peak_rss_kib = 0;
    std::int64_t items = 0;
};

Measurement measure(const std::string& variant, const std::string& url, const std::string& ca_file) {
    Child child = spawn({"listing_bench", "--run", variant, url, ca_file});
    fclose(child.in);
    Measurement m;
    long long items = 0, checksum = 0;
    if (std::fscanf(child.out, "%lld %lf %lf %lld", &items, &m.seconds, &m.setup_seconds, &checksum) != 4)
        throw std::runtime_error(variant + ": no result");
    fclose(child.out);
    int status = 0;
    rusage usage{};
    wait4(child.pid, &status, 0, &usage);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(variant + " failed");
    m.peak_rss_kib = usage.ru_maxrss;
    m.items = items;
    return m;
}

template <class T>
T median(std::vector<T> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

int drive(int repetitions) {
    struct Row {
        std::string variant;
        std::int64_t pages;
        int latency_ms;
        std::vector<double> seconds, setup;
        std::vector<long> rss;
        std::int64_t items = 0;
    };
    // 100 pages with the server as fast as it gets; 10 pages to compare peak RSS; 100 pages with
    // 5 ms added to every answer, as a network would, where read-ahead has waiting time to overlap.
    std::vector<Row> rows = {
        {"curl", 100, 0, {}, {}, {}},
        {"pager", 100, 0, {}, {}, {}},
        {"pager+read-ahead", 100, 0, {}, {}, {}},
        {"pager", 10, 0, {}, {}, {}},
        {"pager+read-ahead", 10, 0, {}, {}, {}},
        {"curl", 100, 5, {}, {}, {}},
        {"pager", 100, 5, {}, {}, {}},
        {"pager+read-ahead", 100, 5, {}, {}, {}},
    };
    std::map<std::pair<std::int64_t, int>, std::pair<Child, std::string>> servers;  // (pages, latency) -> server
    for (const auto& row : rows) {
        const auto key = std::make_pair(row.pages, row.latency_ms);
        if (servers.contains(key)) continue;
        Child server =
            spawn({"listing_bench", "--serve", std::to_string(row.pages * page_size), std::to_string(row.latency_ms)});
        char url[256], ca[512];
        if (std::fscanf(server.out, "%255s %511s", url, ca) != 2) throw std::runtime_error("server did not start");
        servers.emplace(key, std::make_pair(server, std::string(url) + " " + ca));
    }
    for (int r = 0; r < repetitions; ++r) {
        for (auto& row : rows) {  // interleaved, so that drift affects every variant alike
            const auto& [server, where] = servers.at(std::make_pair(row.pages, row.latency_ms));
            const auto space = where.find(' ');
            const Measurement m = measure(row.variant, where.substr(0, space), where.substr(space + 1));
            row.seconds.push_back(m.seconds);
            row.setup.push_back(m.setup_seconds);
            row.rss.push_back(m.peak_rss_kib);
            row.items = m.items;
        }
    }
    for (auto& [pages, server] : servers) {
        fclose(server.first.in);  // the server exits when its stdin closes
        fclose(server.first.out);
        waitpid(server.first.pid, nullptr, 0);
    }
    std::printf("listing benchmark: %d repetitions, medians; HTTPS on 127.0.0.1, pages of %lld\n", repetitions,
                static_cast<long long>(page_size));
    std::printf("  wall s: first request to last item (TLS handshake included); setup ms: objects built before it\n");
    std::printf("  %-18s %6s %8s %9s %10s %12s %14s %10s\n", "variant", "pages", "latency", "items", "wall s",
                "items/s", "peak RSS MiB", "setup ms");
    std::map<int, double> baseline;  // curl's items/s, by latency
    for (const auto& row : rows) {
        const double s = median(row.seconds);
        const double rate = static_cast<double>(row.items) / s;
        if (row.variant == "curl") baseline[row.latency_ms] = rate;
        std::printf("  %-18s %6lld %6d ms %9lld %10.3f %12.0f %14.1f %10.1f\n", row.variant.c_str(),
                    static_cast<long long>(row.pages), row.latency_ms, static_cast<long long>(row.items), s, rate,
                    static_cast<double>(median(row.rss)) / 1024.0, median(row.setup) * 1000.0);
    }
    for (const auto& row : rows)
        if (row.variant != "curl" && row.pages == 100)
            std::printf("  ratio %s / curl (items/s), %d ms latency: %.2f\n", row.variant.c_str(), row.latency_ms,
                        static_cast<double>(row.items) / median(row.seconds) / baseline.at(row.latency_ms));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        if (args.size() == 3 && args[0] == "--serve")
            return serve(std::stoll(args[1]), std::chrono::milliseconds(std::stoll(args[2])));
        if (args.size() == 4 && args[0] == "--run") return run_one(args[1], args[2], args[3]);
        return drive(args.empty() ? 5 : std::stoi(args[0]));
    } catch (const std::exception& e) {
        std::cerr << "listing_bench: " << e.what() << "\n";
        return 1;
    }
}
