// k6s-bench-beast: the Boost.Beast peer of k6s-bench (bench/compare runs them side by side). A
// synchronous loop as a good C++ engineer would write it without this library: one
// beast::ssl_stream<beast::tcp_stream> per connection, TLS verified (CA file, host name or IP,
// SNI for names), keep-alive, http::write/http::read with a flat_buffer, Boost.JSON for the bodies.
// Same command line and output as k6s-bench:
//
//   export K6_CLOUD_TOKEN=...  [K6_CLOUD_STACK_ID=1]
//   build/bench/k6s-bench-beast get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]
//   build/bench/k6s-bench-beast list BASE_URL CA_FILE TOP
//
// get --in-flight K: K connections, each in its own std::thread, N/K requests each.
// Last stdout line: BENCH {"seconds":S,"requests":R,"count":C,"checksum":X}; stderr: ALLOCATIONS <n>.
//
// Decoding depth compared: from every schedule this loop reads id, load_test_id, starts and either
// cron (schedule, time_zone) or recurrence_rule (frequency) out of the boost::json::value; the
// library decodes the whole Schedule model (more work, not less).
#include "../allocation_counter.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

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

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;

struct Api {
    std::string host, port, host_header, base_path;  // base_path: api_url's path, without a trailing '/'
    std::string token, stack_id;
};

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

class Connection {
public:
    Connection(ssl::context& tls, const Api& api) : stream_(io_, tls) {
        // SNI for names only: RFC 6066 leaves IP literals out of server_name.
        boost::system::error_code not_ip;
        asio::ip::make_address(api.host, not_ip);
        if (not_ip && !SSL_set_tlsext_host_name(stream_.native_handle(), api.host.c_str()))
            throw beast::system_error(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(api.host));
        beast::get_lowest_layer(stream_).connect(tcp::resolver(io_).resolve(api.host, api.port));
        stream_.handshake(ssl::stream_base::client);

        request_.version(11);
        request_.method(http::verb::get);
        request_.set(http::field::host, api.host_header);
        request_.set(http::field::authorization, "Bearer " + api.token);
        request_.set("X-Stack-Id", api.stack_id);
        request_.set(http::field::accept, "application/json");
        request_.keep_alive(true);
    }

    // GET target (path and query), 200 expected, body parsed as JSON.
    json::value get(std::string_view target) {
        request_.target(target);
        http::write(stream_, request_);
        http::response<http::string_body> response;
        http::read(stream_, buffer_, response);
        if (response.result() != http::status::ok)
            throw std::runtime_error("HTTP " + std::to_string(response.result_int()) + " for " + std::string(target));
        if (!response.keep_alive()) throw std::runtime_error("the server closed the connection");
        return json::parse(response.body());
    }

private:
    asio::io_context io_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    http::request<http::empty_body> request_;
};

void get_loop(ssl::context& tls, const Api& api, std::int64_t id, std::int64_t n, Tally& tally) {
    Connection connection(tls, api);
    const std::string target = api.base_path + "/cloud/v6/schedules/" + std::to_string(id);
    for (std::int64_t i = 0; i < n; ++i) {
        tally.touch(connection.get(target));
        ++tally.requests;
    }
}

void list_loop(ssl::context& tls, const Api& api, std::int64_t top, Tally& tally) {
    Connection connection(tls, api);
    std::string target = api.base_path + "/cloud/v6/schedules?$top=" + std::to_string(top);
    while (!target.empty()) {
        const json::value page = connection.get(target);
        ++tally.requests;
        for (const json::value& item : page.at("value").as_array()) tally.touch(item);
        target.clear();
        const json::value* link = page.as_object().if_contains("@nextLink");
        if (!link || link->is_null()) break;
        const urls::url_view next = urls::parse_uri(link->as_string()).value();  // throws when malformed
        const std::string next_port = next.has_port() ? std::string(next.port()) : "443";
        if (next.scheme() != "https" || next.host() != api.host || next_port != api.port)
            throw std::runtime_error("@nextLink leaves the API: " + std::string(link->as_string()));
        target = std::string(next.encoded_path());
        if (next.has_query()) target += "?" + std::string(next.encoded_query());
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
        std::cerr << "usage: k6s-bench-beast get BASE_URL CA_FILE N SCHEDULE_ID [--in-flight K]\n"
                     "       k6s-bench-beast list BASE_URL CA_FILE TOP\n";
        return 1;
    }
    const char* token = std::getenv("K6_CLOUD_TOKEN");
    if (!token || !*token) {
        std::cerr << "k6s-bench-beast: K6_CLOUD_TOKEN is not set\n";
        return 2;
    }
    const char* stack = std::getenv("K6_CLOUD_STACK_ID");

    const urls::url_view base = urls::parse_uri(args[1]).value();
    if (base.scheme() != "https") throw std::runtime_error("BASE_URL must be https://");
    Api api{base.host(),
            base.has_port() ? std::string(base.port()) : "443",
            std::string(base.encoded_host_and_port()),
            std::string(base.encoded_path()),
            token,
            std::to_string(stack && *stack ? positive(stack, "stack id") : 1)};
    while (!api.base_path.empty() && api.base_path.back() == '/') api.base_path.pop_back();

    ssl::context tls(ssl::context::tls_client);
    tls.load_verify_file(args[2]);

    Tally tally;
    const std::uint64_t allocations_before = allocations.load(std::memory_order_relaxed);
    const auto started = std::chrono::steady_clock::now();
    if (args[0] == "list") {
        list_loop(tls, api, positive(args[3], "TOP"), tally);
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
                    get_loop(tls, api, id, share, shares[i]);
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
        std::cerr << "k6s-bench-beast: " << e.what() << "\n";
        return 1;
    }
}
