// k6s-bench-curl: the libcurl peer of k6s-bench (bench/compare runs them side by side). One curl
// easy handle reused for every request (keep-alive), CURLOPT_CAINFO with verification on, HTTP/1.1,
// the same headers as the library sends, Boost.JSON for the bodies. Same command line and output
// as k6s-bench:
//
//   export K6_CLOUD_TOKEN=...  [K6_CLOUD_STACK_ID=1]
//   build/bench/k6s-bench-curl get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]
//   build/bench/k6s-bench-curl list BASE_URL CA_FILE TOP
//
// get --in-flight K: K threads, each with its own easy handle (connection), N/K requests each.
// Last stdout line: BENCH {"seconds":S,"requests":R,"count":C,"checksum":X}; stderr: ALLOCATIONS <n>
// (operator new only: libcurl and OpenSSL allocate with malloc, which is not counted).
//
// Decoding depth compared: from every schedule this loop reads id, load_test_id, starts and either
// cron (schedule, time_zone) or recurrence_rule (frequency) out of the boost::json::value; the
// library decodes the whole Schedule model (more work, not less).
#include "../allocation_counter.hpp"

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

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
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// ---- the loop ---------------------------------------------------------------------------------

namespace {

namespace json = boost::json;

struct Tally {
    std::int64_t requests = 0, count = 0, checksum = 0, touched = 0;

    void touch(const json::value& item) {
        const json::object& s = item.as_object();
        const std::int64_t id = s.at("id").as_int64();
        const std::int64_t load_test = s.at("load_test_id").as_int64();
        const std::string_view starts = s.at("starts").as_string();
        std::size_t recurrence = 0;
        if (const json::value& cron = s.at("cron"); cron.is_object())
            recurrence = cron.at("schedule").as_string().size() + cron.at("time_zone").as_string().size();
        else if (const json::value& rule = s.at("recurrence_rule"); rule.is_object())
            recurrence = rule.at("frequency").as_string().size();
        if (id <= 0 || load_test <= 0 || starts.size() < 20 || recurrence == 0)
            throw std::runtime_error("schedule " + std::to_string(id) + " lacks id, load test, starts or recurrence");
        touched += load_test + static_cast<std::int64_t>(recurrence);
        ++count;
        checksum += id;
    }
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* body) {
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
}

// One easy handle: one kept-alive connection.
class Handle {
public:
    Handle(const std::string& ca_file, const std::string& token, const std::string& stack_id)
        : curl_(curl_easy_init()) {
        if (!curl_) throw std::runtime_error("curl_easy_init failed");
        headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + token).c_str());
        headers_ = curl_slist_append(headers_, ("X-Stack-Id: " + stack_id).c_str());
        headers_ = curl_slist_append(headers_, "Accept: application/json");
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file.c_str());
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
        curl_easy_setopt(curl_, CURLOPT_PROXY, "");  // no proxy from the environment
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
        curl_slist_free_all(headers_);
        curl_easy_cleanup(curl_);
    }

    // GET url, 200 expected, body parsed as JSON.
    json::value get(const std::string& url) {
        body_.clear();
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        if (const CURLcode rc = curl_easy_perform(curl_); rc != CURLE_OK)
            throw std::runtime_error(std::string(curl_easy_strerror(rc)) + " for " + url);
        long status = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) throw std::runtime_error("HTTP " + std::to_string(status) + " for " + url);
        return json::parse(body_);
    }

private:
    CURL* curl_;
    curl_slist* headers_ = nullptr;
    std::string body_;
};

struct Api {
    std::string base_url, ca_file, token, stack_id;  // base_url without a trailing '/'
};

void get_loop(const Api& api, std::int64_t id, std::int64_t n, Tally& tally) {
    Handle handle(api.ca_file, api.token, api.stack_id);
    const std::string url = api.base_url + "/cloud/v6/schedules/" + std::to_string(id);
    for (std::int64_t i = 0; i < n; ++i) {
        tally.touch(handle.get(url));
        ++tally.requests;
    }
}

void list_loop(const Api& api, std::int64_t top, Tally& tally) {
    Handle handle(api.ca_file, api.token, api.stack_id);
    std::string url = api.base_url + "/cloud/v6/schedules?$top=" + std::to_string(top);
    // The token goes with every request: follow links to the same origin and path only.
    const std::string_view origin = std::string_view(api.base_url);
    while (!url.empty()) {
        const json::value page = handle.get(url);
        ++tally.requests;
        for (const json::value& item : page.at("value").as_array()) tally.touch(item);
        const json::value* link = page.as_object().if_contains("@nextLink");
        if (!link || link->is_null()) break;
        url = link->as_string();
        if (!url.starts_with(origin) || url.size() == origin.size() || url[origin.size()] != '/')
            throw std::runtime_error("@nextLink leaves the API: " + url);
    }
}

std::int64_t positive(std::string_view text, const char* what) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v <= 0)
        throw std::runtime_error(std::string(what) + " must be a positive integer, got '" + std::string(text) + "'");
    return v;
}

int bench(const std::vector<std::string>& args) {
    const bool get = args.size() == 5 || (args.size() == 7 && args[5] == "--in-flight");
    if (!(args.size() >= 4 && ((get && args[0] == "get") || (args.size() == 4 && args[0] == "list")))) {
        std::cerr << "usage: k6s-bench-curl get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]\n"
                     "       k6s-bench-curl list BASE_URL CA_FILE TOP\n";
        return 1;
    }
    const char* token = std::getenv("K6_CLOUD_TOKEN");
    if (!token || !*token) {
        std::cerr << "k6s-bench-curl: K6_CLOUD_TOKEN is not set\n";
        return 2;
    }
    const char* stack = std::getenv("K6_CLOUD_STACK_ID");
    Api api{args[1], args[2], token, std::to_string(stack && *stack ? positive(stack, "stack id") : 1)};
    while (!api.base_url.empty() && api.base_url.back() == '/') api.base_url.pop_back();
    if (!api.base_url.starts_with("https://")) throw std::runtime_error("BASE_URL must be https://");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");

    Tally tally;
    const std::uint64_t allocations_before = allocations.load(std::memory_order_relaxed);
    const auto started = std::chrono::steady_clock::now();
    if (args[0] == "list") {
        list_loop(api, positive(args[3], "TOP"), tally);
    } else {
        const std::int64_t n = positive(args[3], "N"), id = positive(args[4], "SCHEDULE_ID");
        const std::int64_t k = args.size() == 7 ? positive(args[6], "--in-flight") : 1;
        std::vector<Tally> shares(static_cast<std::size_t>(k));
        std::vector<std::exception_ptr> failures(shares.size());
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < shares.size(); ++i)
            threads.emplace_back([&, i] {
                try {
                    const auto share = n / k + (static_cast<std::int64_t>(i) < n % k ? 1 : 0);
                    get_loop(api, id, share, shares[i]);
                } catch (...) {
                    failures[i] = std::current_exception();
                }
            });
        for (auto& t : threads) t.join();
        for (const auto& f : failures)
            if (f) std::rethrow_exception(f);
        for (const auto& s : shares) {
            tally.requests += s.requests;
            tally.count += s.count;
            tally.checksum += s.checksum;
            tally.touched += s.touched;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::uint64_t job_allocations = allocations.load(std::memory_order_relaxed) - allocations_before;
    curl_global_cleanup();

    if (tally.touched == 0) throw std::runtime_error("no schedule decoded");
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
        std::cerr << "k6s-bench-curl: " << e.what() << "\n";
        return 1;
    }
}
