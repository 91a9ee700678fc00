// SPDX-License-Identifier: BSL-1.0
// k6s-bench-beast: the Boost.Beast peer of k6s-bench (bench/compare runs them side by side). A
// synchronous loop as a good C++ engineer would write it without this library: one
// beast::ssl_stream<beast::tcp_stream> per connection, TLS verified (CA file, host name or IP,
// SNI for names), keep-alive, http::write/http::read with a flat_buffer, Boost.JSON for the bodies.
// Command line and output: ../harness.hpp.
//
// A server that closes (an answer without keep-alive): the socket is closed after that answer and
// the next request opens a new connection, with a full TLS handshake, as a hand-written loop does:
// nothing here keeps a session to resume (--no-tls-resume therefore changes nothing).
//
// get --in-flight K: K connections, each in its own std::thread, N/K requests each.
//
// Decoding depth compared: from every schedule this loop reads id, load_test_id, starts and either
// cron (schedule, time_zone) or recurrence_rule (frequency) out of the boost::json::value; the
// library decodes the whole Schedule model (more work, not less).
#include "json_touch.hpp"

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

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

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

using k6_bench::Tally;
using k6_bench::touch;

class Connection {
public:
    Connection(ssl::context& tls, const Api& api) : tls_(tls), api_(api) {
        request_.version(11);
        request_.method(http::verb::get);
        request_.set(http::field::host, api.host_header);
        request_.set(http::field::authorization, "Bearer " + api.token);
        request_.set("X-Stack-Id", api.stack_id);
        request_.set(http::field::accept, "application/json");
        request_.keep_alive(true);
        open();
    }

    // GET target (path and query), 200 expected, body parsed as JSON.
    json::value get(std::string_view target) {
        if (!stream_) open();  // the server closed the last one
        request_.target(target);
        http::write(*stream_, request_);
        http::response<http::string_body> response;
        http::read(*stream_, buffer_, response);
        if (response.result() != http::status::ok)
            throw std::runtime_error("HTTP " + std::to_string(response.result_int()) + " for " + std::string(target));
        if (!response.keep_alive()) close();
        return json::parse(response.body());
    }

private:
    // A new TCP connection and TLS handshake on a new stream (an SSL stream is not reusable once
    // closed). A new SSL object offers no earlier session: a full handshake.
    void open() {
        auto& stream = stream_.emplace(io_, tls_);
        // SNI for names only: RFC 6066 leaves IP literals out of server_name.
        boost::system::error_code not_ip;
        asio::ip::make_address(api_.host, not_ip);
        if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), api_.host.c_str()))
            throw beast::system_error(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
        stream.set_verify_mode(ssl::verify_peer);
        stream.set_verify_callback(ssl::host_name_verification(api_.host));
        beast::get_lowest_layer(stream).connect(tcp::resolver(io_).resolve(api_.host, api_.port));
        stream.handshake(ssl::stream_base::client);
    }

    // After the server's last answer on this connection: the answer is complete (its length was
    // known) and the server is closing, so no TLS close_notify exchange, only the socket closed.
    void close() {
        boost::system::error_code ignored;
        beast::get_lowest_layer(*stream_).socket().close(ignored);
        stream_.reset();
        buffer_.clear();
    }

    ssl::context& tls_;
    const Api& api_;
    asio::io_context io_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;  // empty: closed by the server
    beast::flat_buffer buffer_;
    http::request<http::empty_body> request_;
};

void get_loop(ssl::context& tls, const Api& api, std::int64_t id, std::int64_t n, Tally& tally) {
    Connection connection(tls, api);
    const std::string target = api.base_path + "/cloud/v6/schedules/" + std::to_string(id);
    for (std::int64_t i = 0; i < n; ++i) {
        touch(tally, connection.get(target));
        ++tally.requests;
    }
}

void list_loop(ssl::context& tls, const Api& api, std::int64_t top, Tally& tally) {
    Connection connection(tls, api);
    std::string target = api.base_path + "/cloud/v6/schedules?$top=" + std::to_string(top);
    while (!target.empty()) {
        const json::value page = connection.get(target);
        ++tally.requests;
        for (const json::value& item : page.at("value").as_array()) touch(tally, item);
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

// Set-up (the TLS context) outside the measured job.
auto prepare(const k6_bench::Job& job) {
    const urls::url_view base = urls::parse_uri(job.base_url).value();
    if (base.scheme() != "https") throw std::runtime_error("BASE_URL must be https://");
    auto api = std::make_shared<Api>(Api{base.host(),
                                         base.has_port() ? std::string(base.port()) : "443",
                                         std::string(base.encoded_host_and_port()),
                                         std::string(base.encoded_path()),
                                         job.token,
                                         std::to_string(job.stack_id)});
    while (!api->base_path.empty() && api->base_path.back() == '/') api->base_path.pop_back();
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    tls->load_verify_file(job.ca_file);
    return [api, tls, &job] {
        Tally tally;
        if (job.list)
            list_loop(*tls, *api, job.top, tally);
        else
            tally = k6_bench::on_threads(job, [&](std::int64_t share, Tally& t) {
                get_loop(*tls, *api, job.schedule_id, share, t);
            });
        return tally;
    };
}

}  // namespace

int main(int argc, char** argv) { return k6_bench::bench_main("k6s-bench-beast", argc, argv, prepare); }
