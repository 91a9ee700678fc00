// SPDX-License-Identifier: BSL-1.0
// k6s-bench-beast-async: the asynchronous Boost.Beast peer of k6s-bench (bench/compare runs them
// side by side). The same work as beast_loop.cpp, written with C++20 coroutines as a good C++
// engineer would write an asynchronous client without this library: one asio::awaitable coroutine
// per connection, all on one io_context run by one thread; one beast::ssl_stream<beast::tcp_stream>
// per connection, TLS verified exactly as beast_loop.cpp does (CA file, host name or IP, SNI for
// names only), keep-alive; async_resolve, async_connect, async_handshake, http::async_write and
// http::async_read with a flat_buffer, all with use_awaitable; every step on the stream bounded by
// expires_after (30 s), as an asynchronous client must bound its steps; Boost.JSON for the bodies.
// Command line and output: ../harness.hpp.
//
// A server that closes (an answer without keep-alive): as beast_loop.cpp, the socket is closed
// after that answer and the next request opens a new connection with a full TLS handshake.
//
// get --in-flight K: K coroutines co_spawned on the one io_context (one thread), each with its
// own connection, N/K requests each. list: one coroutine following @nextLink. An exception of a
// coroutine reaches co_spawn's completion handler and is rethrown after io_context::run().
//
// Decoding depth compared: as beast_loop.cpp (json_touch.hpp).
#include "json_touch.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// ---- the loop ---------------------------------------------------------------------------------

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds step_timeout{30};

struct Api {
    std::string host, port, host_header, base_path;  // base_path: api_url's path, without a trailing '/'
    std::string token, stack_id;
};

using k6_bench::Tally;
using k6_bench::touch;

class Connection {
public:
    Connection(const asio::any_io_executor& executor, ssl::context& tls, const Api& api)
        : executor_(executor), tls_(tls), api_(api) {
        request_.version(11);
        request_.method(http::verb::get);
        request_.set(http::field::host, api.host_header);
        request_.set(http::field::authorization, "Bearer " + api.token);
        request_.set("X-Stack-Id", api.stack_id);
        request_.set(http::field::accept, "application/json");
        request_.keep_alive(true);
    }

    // A new stream (an SSL stream is not reusable once closed; a new SSL object offers no earlier
    // session: a full handshake): resolves, connects and shakes hands, each step on the stream
    // bounded by step_timeout.
    asio::awaitable<void> open() {
        auto& stream = stream_.emplace(executor_, tls_);
        // SNI for names only: RFC 6066 leaves IP literals out of server_name.
        boost::system::error_code not_ip;
        asio::ip::make_address(api_.host, not_ip);
        if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), api_.host.c_str()))
            throw beast::system_error(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
        stream.set_verify_mode(ssl::verify_peer);
        stream.set_verify_callback(ssl::host_name_verification(api_.host));
        tcp::resolver resolver(executor_);
        const auto endpoints = co_await resolver.async_resolve(api_.host, api_.port, use_awaitable);
        beast::get_lowest_layer(stream).expires_after(step_timeout);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
        beast::get_lowest_layer(stream).expires_after(step_timeout);
        co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
    }

    // GET target (path and query), 200 expected, body parsed as JSON.
    asio::awaitable<json::value> get(std::string_view target) {
        if (!stream_) co_await open();  // the server closed the last one
        auto& stream = *stream_;
        request_.target(target);
        beast::get_lowest_layer(stream).expires_after(step_timeout);
        co_await http::async_write(stream, request_, use_awaitable);
        http::response<http::string_body> response;
        beast::get_lowest_layer(stream).expires_after(step_timeout);
        co_await http::async_read(stream, buffer_, response, use_awaitable);
        if (response.result() != http::status::ok)
            throw std::runtime_error("HTTP " + std::to_string(response.result_int()) + " for " + std::string(target));
        if (!response.keep_alive()) close();
        co_return json::parse(response.body());
    }

private:
    // After the server's last answer on this connection: the answer is complete (its length was
    // known) and the server is closing, so no TLS close_notify exchange, only the socket closed.
    void close() {
        boost::system::error_code ignored;
        beast::get_lowest_layer(*stream_).socket().close(ignored);
        stream_.reset();
        buffer_.clear();
    }

    asio::any_io_executor executor_;
    ssl::context& tls_;
    const Api& api_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;  // empty: not open, or closed by the server
    beast::flat_buffer buffer_;
    http::request<http::empty_body> request_;
};

asio::awaitable<void> get_loop(ssl::context& tls, const Api& api, std::int64_t id, std::int64_t n, Tally& tally) {
    Connection connection(co_await asio::this_coro::executor, tls, api);
    co_await connection.open();
    const std::string target = api.base_path + "/cloud/v6/schedules/" + std::to_string(id);
    for (std::int64_t i = 0; i < n; ++i) {
        touch(tally, co_await connection.get(target));
        ++tally.requests;
    }
}

asio::awaitable<void> list_loop(ssl::context& tls, const Api& api, std::int64_t top, Tally& tally) {
    Connection connection(co_await asio::this_coro::executor, tls, api);
    co_await connection.open();
    std::string target = api.base_path + "/cloud/v6/schedules?$top=" + std::to_string(top);
    while (!target.empty()) {
        const json::value page = co_await connection.get(target);
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

// Set-up (the TLS context) outside the measured job; the io_context and the connections inside it,
// as in beast_loop.cpp.
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
        asio::io_context io(1);  // run by this thread alone
        std::exception_ptr failure;  // the first coroutine's to fail
        const auto done = [&failure](std::exception_ptr e) {
            if (e && !failure) failure = e;
        };
        std::vector<Tally> shares(job.list ? 1 : static_cast<std::size_t>(job.in_flight));
        if (job.list)
            asio::co_spawn(io, list_loop(*tls, *api, job.top, shares[0]), done);
        else
            for (std::size_t i = 0; i < shares.size(); ++i)
                asio::co_spawn(io,
                               get_loop(*tls, *api, job.schedule_id,
                                        k6_bench::share_of(job, static_cast<std::int64_t>(i)), shares[i]),
                               done);
        io.run();
        if (failure) std::rethrow_exception(failure);
        Tally tally;
        for (const Tally& share : shares) tally += share;
        return tally;
    };
}

}  // namespace

int main(int argc, char** argv) { return k6_bench::bench_main("k6s-bench-beast-async", argc, argv, prepare); }
