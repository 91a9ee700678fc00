// One HTTP/1.1 connection to the API (TLS or plain TCP): opening it with every step bounded by a
// timeout, one request/response exchange on it, and a cheap check that an idle one is still open.
#ifndef K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_HPP
#define K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/version.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class Connection {
public:
    static constexpr std::size_t read_buffer_size = 64 * 1024;

    using TlsStream = beast::ssl_stream<beast::tcp_stream>;

    Connection(const asio::any_io_executor& executor, ssl::context* tls_context) {
        // Beast reads at most the buffer's free capacity at a time (512 bytes minimum): without
        // room, a 300 KB page arrives in hundreds of tiny reads instead of one per TLS record.
        buffer.reserve(read_buffer_size);
        if (tls_context)
            tls_.emplace(executor, *tls_context);
        else
            plain_.emplace(executor);
    }

    beast::tcp_stream& lowest() noexcept { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
    TlsStream* tls() noexcept { return tls_ ? &*tls_ : nullptr; }
    beast::tcp_stream& plain() noexcept { return *plain_; }

    // An idle keep-alive connection the server has closed (or that has unread bytes nobody asked
    // for) must not carry the next request. A non-blocking peek tells without consuming anything.
    bool looks_closed() noexcept {
        auto& socket = lowest().socket();
        if (!socket.is_open()) return true;
        boost::system::error_code ec;
        socket.non_blocking(true, ec);
        if (ec) return true;
        char byte;
        socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
        boost::system::error_code ignored;
        socket.non_blocking(false, ignored);
        return ec != asio::error::would_block;
    }

    beast::flat_buffer buffer;  // bytes read past the current message stay with their connection
    std::chrono::steady_clock::time_point idle_since{};

private:
    std::optional<TlsStream> tls_;
    std::optional<beast::tcp_stream> plain_;
};

inline std::string describe(const Endpoint& endpoint) { return endpoint.host_header; }

inline bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// Classifies a failed step into the ApiError kinds of design §6.
inline ApiError io_error(boost::system::error_code ec, std::string_view step, const Endpoint& endpoint,
                         bool cancelled) {
    ApiError e;
    e.ec = ec;
    const std::string where = std::string(step) + " " + describe(endpoint);
    if (cancelled) {
        e.kind = ErrorKind::cancelled;
        e.ec = make_error_code(errc::cancelled);
        e.message = "cancelled while " + where;
    } else if (ec == beast::error::timeout) {
        e.kind = ErrorKind::timeout;
        e.ec = make_error_code(errc::timeout);
        e.message = where + " timed out";
    } else if (ec.category() == asio::error::get_ssl_category() && ec != ssl::error::stream_truncated) {
        e.kind = ErrorKind::tls;
        e.message = "TLS failure while " + where + ": " + ec.message();
    } else {
        e.kind = ErrorKind::transport;
        e.message = where + ": " + ec.message();
    }
    return e;
}

inline bool was_cancelled(const asio::cancellation_state& state) noexcept {
    return state.cancelled() != asio::cancellation_type::none;
}

// Resolve, connect, open a tunnel through the proxy (if any), and (for https) handshake, each
// bounded by options.connect_timeout.
// A template only so that translation units that never open a connection do not compile it.
template <class Options = ClientOptions>
asio::awaitable<expected<std::unique_ptr<Connection>>> open_connection(ssl::context* tls_context,
                                                                       const Endpoint& endpoint, const Options& options,
                                                                       const std::optional<Proxy>& proxy = {}) {
    const auto executor = co_await asio::this_coro::executor;
    // Fetched once, up front: GCC 12 mishandles a co_await nested inside a larger expression.
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;

    // The resolver has no timeout of its own: a timer cancels it. Both run on this strand, and
    // the timer's handler holds only weak/shared state, so it is safe whenever it runs.
    auto resolver = std::make_shared<tcp::resolver>(executor);
    auto resolve_timed_out = std::make_shared<bool>(false);
    asio::steady_timer resolve_timer(executor, options.connect_timeout);
    resolve_timer.async_wait(
        [weak = std::weak_ptr<tcp::resolver>(resolver), resolve_timed_out](boost::system::error_code ec) {
            if (ec) return;
            *resolve_timed_out = true;
            if (auto r = weak.lock()) r->cancel();
        });
    // Through a proxy, the TCP connection goes to the proxy and CONNECT opens the tunnel.
    const std::string& connect_host = proxy ? proxy->host : endpoint.host;
    const std::string service = std::to_string(proxy ? proxy->port : endpoint.port);
    auto [resolve_ec, results] =
        co_await resolver->async_resolve(connect_host, service, tcp::resolver::numeric_service, use_tuple);
    resolve_timer.cancel();
    if (resolve_ec) {
        if (*resolve_timed_out) resolve_ec = beast::error::timeout;
        co_return std::unexpected(io_error(resolve_ec, proxy ? "resolving the proxy for" : "resolving", endpoint,
                                           was_cancelled(cancel_state)));
    }

    auto connection = std::make_unique<Connection>(executor, tls_context);
    auto& stream = connection->lowest();
    stream.expires_after(options.connect_timeout);
    auto [connect_ec, connected] = co_await stream.async_connect(results, use_tuple);
    if (connect_ec)
        co_return std::unexpected(io_error(connect_ec, proxy ? "connecting to the proxy for" : "connecting to",
                                           endpoint, was_cancelled(cancel_state)));
    boost::system::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);  // requests are small and latency-bound

    if (proxy) {
        // CONNECT host:port; the TLS session (and the bearer token) then travel inside the tunnel.
        const bool ipv6 = endpoint.host.find(':') != std::string::npos;
        const std::string authority =
            (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
        http::request<http::empty_body> connect{http::verb::connect, authority, 11};
        connect.set(http::field::host, authority);
        connect.set(http::field::user_agent, user_agent);
        if (proxy->authorization) connect.set(http::field::proxy_authorization, *proxy->authorization);
        stream.expires_after(options.connect_timeout);
        auto [write_ec, written] = co_await http::async_write(stream, connect, use_tuple);
        http::response_parser<http::empty_body> answer;
        answer.skip(true);  // a response to CONNECT has no body, whatever its headers say
        boost::system::error_code read_ec = write_ec;
        if (!read_ec) {
            auto [header_ec, header_bytes] =
                co_await http::async_read_header(stream, connection->buffer, answer, use_tuple);
            read_ec = header_ec;
        }
        if (read_ec)
            co_return std::unexpected(io_error(read_ec, "opening a tunnel through " + proxy->display + " to", endpoint,
                                               was_cancelled(cancel_state)));
        if (answer.get().result_int() / 100 != 2) {
            ApiError e;
            e.kind = ErrorKind::transport;
            e.ec = make_error_code(errc::unexpected_status);
            e.message = "the proxy " + proxy->display + " refused to CONNECT to " + describe(endpoint) + ": " +
                        std::to_string(answer.get().result_int()) + " " + std::string(answer.get().reason());
            co_return std::unexpected(std::move(e));
        }
    }

    if (auto* tls = connection->tls()) {
        SSL* ssl_handle = tls->native_handle();
        // SNI is for names only (RFC 6066); the certificate must match the name or the IP address.
        if (is_ip_address(endpoint.host)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), endpoint.host.c_str());
        } else {
            SSL_set_tlsext_host_name(ssl_handle, endpoint.host.c_str());
            SSL_set1_host(ssl_handle, endpoint.host.c_str());
        }
        stream.expires_after(options.connect_timeout);
        auto [handshake_ec] = co_await tls->async_handshake(ssl::stream_base::client, use_tuple);
        if (handshake_ec) {
            ApiError e = io_error(handshake_ec, "TLS handshake with", endpoint, was_cancelled(cancel_state));
            if (e.kind == ErrorKind::transport || e.kind == ErrorKind::tls) {
                e.kind = ErrorKind::tls;  // whatever broke it, the secure channel was not established
                const long verify = SSL_get_verify_result(ssl_handle);
                if (verify != X509_V_OK)
                    e.message += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
            }
            co_return std::unexpected(std::move(e));
        }
    }
    stream.expires_never();
    co_return connection;
}

struct Exchanged {
    http::response<http::string_body> response;
    bool reusable = false;  // the connection may carry another request
};

struct ExchangeFailure {
    ApiError error;
    bool nothing_received = false;  // no byte of a response arrived: the request may be resent safely
};

// Writes one request and reads its response, each bounded by options.io_timeout; the response
// body is limited to options.max_body_bytes.
template <class Stream>
asio::awaitable<std::expected<Exchanged, ExchangeFailure>> exchange_on(Stream& stream, Connection& connection,
                                                                       const http::request<http::string_body>& request,
                                                                       const Endpoint& endpoint,
                                                                       const ClientOptions& options) {
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    connection.lowest().expires_after(options.io_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
    if (write_ec)
        co_return std::unexpected(
            ExchangeFailure{io_error(write_ec, "sending the request to", endpoint, was_cancelled(cancel_state)), true});

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(64 * 1024);
    connection.lowest().expires_after(options.io_timeout);
    auto [read_ec, read] = co_await http::async_read(stream, connection.buffer, parser, use_tuple);
    connection.lowest().expires_never();
    if (read_ec == ssl::error::stream_truncated && parser.is_header_done() && !parser.is_done()) {
        // A body delimited by the end of the connection, closed without TLS close_notify:
        // the end of the stream is the end of the body (as Beast's examples treat it).
        parser.put_eof(read_ec);
    }
    if (read_ec) {
        const bool nothing = !parser.got_some() && connection.buffer.size() == 0;
        if (read_ec == http::error::body_limit) {
            ApiError e;
            e.kind = ErrorKind::malformed_response;
            e.ec = make_error_code(errc::body_too_large);
            e.status = parser.get().result_int();
            e.message = "the response body from " + describe(endpoint) + " is larger than the limit of " +
                        std::to_string(options.max_body_bytes) + " bytes (ClientOptions::max_body_bytes)";
            co_return std::unexpected(ExchangeFailure{std::move(e), false});
        }
        if (read_ec.category() == http::make_error_code(http::error::bad_version).category() &&
            read_ec != http::error::end_of_stream && read_ec != http::error::partial_message) {
            ApiError e;
            e.kind = ErrorKind::malformed_response;
            e.ec = read_ec;
            e.message = "the HTTP response from " + describe(endpoint) + " is malformed: " + read_ec.message();
            co_return std::unexpected(ExchangeFailure{std::move(e), false});
        }
        co_return std::unexpected(ExchangeFailure{
            io_error(read_ec, "reading the response from", endpoint, was_cancelled(cancel_state)), nothing});
    }
    Exchanged out;
    out.reusable = parser.keep_alive() && connection.buffer.size() == 0;
    out.response = parser.release();
    co_return out;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_HPP
