// SPDX-License-Identifier: BSL-1.0
// k6s-bench-curl: the libcurl peer of k6s-bench (bench/compare runs them side by side). One curl
// easy handle reused for every request (keep-alive), CURLOPT_CAINFO with verification on, HTTP/1.1,
// the same headers as the library sends, Boost.JSON for the bodies. Command line and output:
// ../harness.hpp.
//
// get --in-flight K: K threads, each with its own easy handle (connection), N/K requests each.
// A server that closes (Connection: close): libcurl opens a new connection for the next request by
// itself, and resumes the TLS session it got on the last one (its session cache, per easy handle,
// is on by default): this peer resumes sessions as the library does; --no-tls-resume turns the
// cache off (CURLOPT_SSL_SESSIONID_CACHE), a full handshake per connection.
// ALLOCATIONS counts operator new only: libcurl and OpenSSL allocate with malloc, which is not counted.
//
// Decoding depth compared: from every schedule this loop reads id, load_test_id, starts and either
// cron (schedule, time_zone) or recurrence_rule (frequency) out of the boost::json::value; the
// library decodes the whole Schedule model (more work, not less).
#include "json_touch.hpp"

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

// ---- the loop ---------------------------------------------------------------------------------

namespace {

namespace json = boost::json;

using k6_bench::Tally;
using k6_bench::touch;

std::size_t append(char* data, std::size_t size, std::size_t count, void* body) {
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
}

// One easy handle: one kept-alive connection.
class Handle {
public:
    Handle(const std::string& ca_file, const std::string& token, const std::string& stack_id, bool resume_tls)
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
        curl_easy_setopt(curl_, CURLOPT_SSL_SESSIONID_CACHE, resume_tls ? 1L : 0L);
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
    bool resume_tls = true;
};

void get_loop(const Api& api, std::int64_t id, std::int64_t n, Tally& tally) {
    Handle handle(api.ca_file, api.token, api.stack_id, api.resume_tls);
    const std::string url = api.base_url + "/cloud/v6/schedules/" + std::to_string(id);
    for (std::int64_t i = 0; i < n; ++i) {
        touch(tally, handle.get(url));
        ++tally.requests;
    }
}

void list_loop(const Api& api, std::int64_t top, Tally& tally) {
    Handle handle(api.ca_file, api.token, api.stack_id, api.resume_tls);
    std::string url = api.base_url + "/cloud/v6/schedules?$top=" + std::to_string(top);
    // The token goes with every request: follow links to the same origin and path only.
    const std::string_view origin = std::string_view(api.base_url);
    while (!url.empty()) {
        const json::value page = handle.get(url);
        ++tally.requests;
        for (const json::value& item : page.at("value").as_array()) touch(tally, item);
        const json::value* link = page.as_object().if_contains("@nextLink");
        if (!link || link->is_null()) break;
        url = link->as_string();
        if (!url.starts_with(origin) || url.size() == origin.size() || url[origin.size()] != '/')
            throw std::runtime_error("@nextLink leaves the API: " + url);
    }
}

// Set-up outside the measured job; curl_global_cleanup() when the program ends.
auto prepare(const k6_bench::Job& job) {
    Api api{job.base_url, job.ca_file, job.token, std::to_string(job.stack_id), job.resume_tls_sessions};
    while (!api.base_url.empty() && api.base_url.back() == '/') api.base_url.pop_back();
    if (!api.base_url.starts_with("https://")) throw std::runtime_error("BASE_URL must be https://");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    std::atexit(curl_global_cleanup);
    return [api, &job] {
        Tally tally;
        if (job.list)
            list_loop(api, job.top, tally);
        else
            tally = k6_bench::on_threads(job, [&](std::int64_t share, Tally& t) {
                get_loop(api, job.schedule_id, share, t);
            });
        return tally;
    };
}

}  // namespace

int main(int argc, char** argv) { return k6_bench::bench_main("k6s-bench-curl", argc, argv, prepare); }
