// SPDX-License-Identifier: BSL-1.0
// An HTTP CONNECT proxy on 127.0.0.1, over plain TCP or TLS, that tests use as a well-behaved or a
// hostile peer. It records every request it reads, can demand Basic credentials, answers with any
// status line (raw bytes in the reason phrase included), can smuggle bytes after its answer or send
// arbitrary bytes instead of one, and otherwise relays bytes both ways like a real proxy. It only
// ever connects to loopback addresses, so a client bug can never send test traffic elsewhere.
#pragma once

#include "support/test_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace k6::test {

// One request as the proxy read it (normally a CONNECT).
struct ConnectRequest {
    std::string method{};                                        // as received, e.g. "CONNECT"
    std::string target{};                                        // as received, e.g. "127.0.0.1:4443"
    std::vector<std::pair<std::string, std::string>> headers{};  // in order received, names as received
    std::uint64_t connection_index = 0;                          // 1, 2, 3... in accept order

    std::optional<std::string> header(std::string_view name) const {  // case-insensitive, first match
        for (const auto& [key, value] : headers)
            if (boost::beast::iequals(key, name)) return value;
        return std::nullopt;
    }
};

// How the proxy answers a CONNECT it accepts (credentials, if required, were right).
struct ConnectAnswer {
    // A 2xx status opens the tunnel: the proxy connects to the target first (502 if it cannot),
    // then answers. Any other status is answered as is and the connection is closed.
    unsigned status = 200;
    // Written exactly as given between "HTTP/1.1 <status> " and CRLF, control bytes included.
    std::string reason = "Connection established";
    // Extra header lines, written as given. A non-2xx answer also gets Content-Length and
    // "Connection: close" unless these name them; a 2xx answer gets nothing added (RFC 9110
    // forbids framing headers there).
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};  // after a non-2xx header only
    // Written right after the answer, in the same write: bytes a client must not take for the
    // target's (a forged plaintext HTTP response, say). With a 2xx answer the tunnel then relays
    // as usual, so a client that does not refuse them talks to the real target afterwards.
    std::string inject_after_answer{};
    // Set: written instead of any answer (whatever the request or credentials), then the
    // connection is closed gracefully. No tunnel is opened.
    std::optional<std::string> raw_answer{};
};

struct ConnectProxyOptions {
    bool tls = false;  // TLS between client and proxy (https:// proxy URL), with `certificate`
    // Unset: the test Pki's leaf for 127.0.0.1/localhost, which clients verify with Pki::get().ca_file.
    std::optional<k6::loopback::KeyAndCert> certificate{};
    // "user:pass": a request without "Proxy-Authorization: Basic base64(user:pass)" (scheme name
    // case-insensitive) gets 407 with "Proxy-Authenticate: Basic realm=...", then the connection is
    // closed. Unset: no authentication.
    std::optional<std::string> credentials{};
    ConnectAnswer answer{};  // replaceable later with ConnectProxy::answer()
    // Nonzero: every tunnel goes to 127.0.0.1 on this port whatever the target says, so a client
    // can ask for a host name (one that does not resolve, even) and still reach a local server.
    std::uint16_t forward_to_port = 0;
    // Bound on every socket operation: handshake, reading the request, connecting, each write, and
    // each wait for data in a tunnel (an idle tunnel is closed after this long).
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

namespace connect_proxy_impl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

inline auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// A connection that closes with answers still unread by the client would have the kernel send RST,
// which may destroy the answer before the client reads it; so a closing side waits this long for
// the client to hang up first.
inline constexpr std::chrono::seconds linger_timeout{1};

template <class Stream>
constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

inline bool is_2xx(unsigned status) { return status >= 200 && status < 300; }

inline std::string base64(std::string_view text) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < text.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(text[i]) << 16) |
                           (static_cast<unsigned char>(text[i + 1]) << 8) | static_cast<unsigned char>(text[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += alphabet[(n >> shift) & 63];
    }
    if (i + 1 == text.size()) {
        const unsigned n = static_cast<unsigned char>(text[i]) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == text.size()) {
        const unsigned n = (static_cast<unsigned char>(text[i]) << 16) | (static_cast<unsigned char>(text[i + 1]) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

inline bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    for (const auto& header : headers)
        if (beast::iequals(header.first, name)) return true;
    return false;
}

// The bytes of an answer: status line, header, the body of a non-2xx answer, then the injection.
inline std::string answer_bytes(const ConnectAnswer& answer) {
    std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " + answer.reason + "\r\n";
    for (const auto& [name, value] : answer.headers) out += name + ": " + value + "\r\n";
    const bool has_body = !is_2xx(answer.status);
    if (has_body && !has_header(answer.headers, "Content-Length") && !has_header(answer.headers, "Transfer-Encoding"))
        out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
    if (has_body && !has_header(answer.headers, "Connection")) out += "Connection: close\r\n";
    out += "\r\n";
    if (has_body) out += answer.body;
    out += answer.inject_after_answer;
    return out;
}

// The proxy's own refusals (bad request, unreachable target...), distinct from ConnectAnswer.
inline std::string refusal(unsigned status, std::string_view reason, std::string_view extra_header = {}) {
    const std::string body = std::to_string(status) + " " + std::string(reason) + "\n";
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n" + std::string(extra_header) +
           "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

// Where a tunnel goes: a loopback address only, from an authority-form target "host:port".
inline std::optional<tcp::endpoint> loopback_endpoint(std::string_view target) {
    const auto colon = target.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view host = target.substr(0, colon), port_text = target.substr(colon + 1);
    std::uint16_t port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0) return std::nullopt;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (beast::iequals(host, "localhost")) return tcp::endpoint(asio::ip::address_v4::loopback(), port);
    error_code bad;
    const auto address = asio::ip::make_address(std::string(host), bad);
    if (bad || !address.is_loopback()) return std::nullopt;  // names are not resolved: no DNS, no outside traffic
    return tcp::endpoint(address, port);
}

class ConnectProxy {
public:
    explicit ConnectProxy(ConnectProxyOptions options = {}) : options_(std::move(options)) {
        answer_ = options_.answer;
        if (options_.tls) {
            const auto& cert = options_.certificate ? *options_.certificate : Pki::get().leaf;
            tls_.emplace(ssl::context::tls_server);
            SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
            tls_->use_certificate_chain(asio::buffer(cert.cert_pem));
            tls_->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
        }
        const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc_, accept_loop(), [](std::exception_ptr) {});
        std::promise<void> finished;
        finished_ = finished.get_future();
        thread_ = std::thread([this, finished = std::move(finished)]() mutable {
            for (;;) {
                try {
                    ioc_.run();
                    break;
                } catch (...) {  // a stray exception must not end the proxy while a test uses it
                }
            }
            finished.set_value();
        });
    }

    ~ConnectProxy() {
        asio::post(ioc_, [this] { begin_stop(); });
        // Everything is closed by now, so the loop ends at once; should anything still be pending
        // after this long, stopping the io_context destroys it rather than hanging the test.
        if (finished_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) ioc_.stop();
        thread_.join();
    }

    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;

    std::uint16_t port() const { return port_; }

    // "http://127.0.0.1:PORT" (https:// with tls); with `userinfo` ("user:pass"),
    // "http://user:pass@127.0.0.1:PORT". Written as given: percent-encode it yourself if needed.
    std::string url(std::string_view userinfo = {}) const {
        std::string url = options_.tls ? "https://" : "http://";
        if (!userinfo.empty()) url.append(userinfo).append("@");
        return url + "127.0.0.1:" + std::to_string(port());
    }

    // Applies to requests read from now on.
    void answer(ConnectAnswer answer) {
        std::lock_guard lock(mutex_);
        answer_ = std::move(answer);
    }

    std::vector<ConnectRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    // Counters, readable from any thread while the proxy runs.
    std::uint64_t connections_accepted() const { return accepted_; }
    std::uint64_t tunnels_opened() const { return tunnels_opened_; }    // 2xx answers written after connecting
    std::uint64_t open_tunnels() const { return open_tunnels_; }        // tunnels still relaying
    std::uint64_t bytes_to_target() const { return bytes_to_target_; }  // relayed client -> target
    std::uint64_t bytes_to_client() const { return bytes_to_client_; }  // relayed target -> client
    std::uint64_t tls_handshake_failures() const { return handshake_failures_; }

private:
    // Keeps `sockets_` (what stop must close) in step with the lifetime of a stream in a coroutine frame.
    class Registered {
    public:
        Registered(std::set<beast::tcp_stream*>& sockets, beast::tcp_stream& stream)
            : sockets_(sockets), stream_(&stream) {
            sockets_.insert(stream_);
        }
        ~Registered() { sockets_.erase(stream_); }
        Registered(const Registered&) = delete;
        Registered& operator=(const Registered&) = delete;

    private:
        std::set<beast::tcp_stream*>& sockets_;
        beast::tcp_stream* stream_;
    };

    class Counted {
    public:
        explicit Counted(std::atomic<std::uint64_t>& counter) : counter_(counter) { ++counter_; }
        ~Counted() { --counter_; }
        Counted(const Counted&) = delete;
        Counted& operator=(const Counted&) = delete;

    private:
        std::atomic<std::uint64_t>& counter_;
    };

    // One tunnel's shared fate: the first direction to end ends the other one too.
    struct Tunnel {
        bool ended = false;
        bool target_ended_first = false;
    };

    asio::awaitable<void> accept_loop() {
        asio::steady_timer backoff(ioc_);
        while (!stopping_) {
            error_code ec;
            tcp::socket socket = co_await acceptor_.async_accept(with(ec));
            if (stopping_) break;
            if (ec) {  // out of file descriptors, say: back off instead of spinning
                backoff.expires_after(std::chrono::milliseconds(20));
                co_await backoff.async_wait(with(ec));
                continue;
            }
            const std::uint64_t index = ++accepted_;
            socket.set_option(tcp::no_delay(true), ec);
            beast::tcp_stream stream(std::move(socket));
            auto ignore = [](std::exception_ptr) {};
            if (tls_)
                asio::co_spawn(ioc_, session(beast::ssl_stream<beast::tcp_stream>(std::move(stream), *tls_), index),
                               ignore);
            else
                asio::co_spawn(ioc_, session(std::move(stream), index), ignore);
        }
    }

    template <class Stream>
    asio::awaitable<void> session(Stream client, std::uint64_t index) {
        beast::tcp_stream& client_tcp = beast::get_lowest_layer(client);
        Registered registered(sockets_, client_tcp);
        if (stopping_) co_return;
        error_code ec;
        if constexpr (is_tls<Stream>) {
            client_tcp.expires_after(options_.timeout);
            co_await client.async_handshake(ssl::stream_base::server, with(ec));
            if (ec) {
                if (!stopping_) ++handshake_failures_;
                co_return;
            }
        }

        beast::flat_buffer buffer;  // may hold bytes the client sent after the request: they belong to the tunnel
        http::request_parser<http::empty_body> parser;
        parser.header_limit(16 * 1024);
        client_tcp.expires_after(options_.timeout);
        co_await http::async_read_header(client, buffer, parser, with(ec));
        if (ec) {
            const bool malformed = ec.category() == make_error_code(http::error::bad_method).category() &&
                                   ec != http::error::end_of_stream && ec != http::error::partial_message;
            if (malformed && !stopping_) co_await answer_and_close(client, refusal(400, "Bad Request"));
            co_return;
        }
        const auto& message = parser.get();
        ConnectRequest request{.method = std::string(message.method_string()),
                               .target = std::string(message.target()),
                               .connection_index = index};
        for (const auto& field : message)
            request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        ConnectAnswer answer;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            answer = answer_;
        }

        if (answer.raw_answer) co_return co_await answer_and_close(client, *answer.raw_answer);
        if (message.method() != http::verb::connect)
            co_return co_await answer_and_close(client, refusal(405, "Method Not Allowed", "Allow: CONNECT\r\n"));
        if (options_.credentials && !authorized(request)) {
            co_return co_await answer_and_close(
                client,
                refusal(407, "Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"k6-test-proxy\"\r\n"));
        }
        if (!is_2xx(answer.status)) co_return co_await answer_and_close(client, answer_bytes(answer));

        const auto endpoint =
            options_.forward_to_port != 0
                ? std::optional(tcp::endpoint(asio::ip::address_v4::loopback(), options_.forward_to_port))
                : loopback_endpoint(request.target);
        if (!endpoint) co_return co_await answer_and_close(client, refusal(403, "Forbidden: loopback targets only"));
        beast::tcp_stream upstream(ioc_);
        Registered upstream_registered(sockets_, upstream);
        if (stopping_) co_return;
        upstream.expires_after(options_.timeout);
        co_await upstream.async_connect(*endpoint, with(ec));
        if (stopping_) co_return;
        if (ec) co_return co_await answer_and_close(client, refusal(502, "Bad Gateway"));
        upstream.socket().set_option(tcp::no_delay(true), ec);

        const std::string head = answer_bytes(answer);
        client_tcp.expires_after(options_.timeout);
        co_await asio::async_write(client, asio::buffer(head), with(ec));
        if (ec || stopping_) co_return;
        ++tunnels_opened_;
        Counted open_tunnel(open_tunnels_);

        if (buffer.size() > 0) {  // e.g. a TLS ClientHello sent without waiting for the answer
            upstream.expires_after(options_.timeout);
            const std::size_t n = co_await asio::async_write(upstream, buffer.data(), with(ec));
            if (ec || stopping_) co_return;
            bytes_to_target_ += n;
            buffer.consume(n);
        }

        Tunnel tunnel;
        using namespace asio::experimental::awaitable_operators;
        co_await (to_target(client, upstream, tunnel) && to_client(upstream, client, tunnel));
        upstream.close();
        if (tunnel.target_ended_first)  // the client is still there: let it see a clean end
            co_await close_gracefully(client);
        else
            client_tcp.close();
    }

    bool authorized(const ConnectRequest& request) const {
        const auto value = request.header("Proxy-Authorization");
        if (!value || value->size() < 6 || !beast::iequals(std::string_view(*value).substr(0, 6), "Basic "))
            return false;
        std::string_view token = std::string_view(*value).substr(6);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        return token == base64(*options_.credentials);
    }

    // Ends the tunnel from whichever direction noticed first: closing the target and cancelling
    // what waits on the client makes the other direction stop too.
    template <class Stream>
    void end_tunnel(Tunnel& tunnel, bool target_side, Stream& client, beast::tcp_stream& upstream) {
        if (tunnel.ended) return;
        tunnel.ended = true;
        tunnel.target_ended_first = target_side;
        upstream.close();
        beast::get_lowest_layer(client).cancel();
    }

    template <class Stream>
    asio::awaitable<void> to_target(Stream& client, beast::tcp_stream& upstream, Tunnel& tunnel) {
        std::vector<char> chunk(16 * 1024);
        bool target_side = false;
        while (!tunnel.ended && !stopping_) {
            error_code read_ec, write_ec;
            beast::get_lowest_layer(client).expires_after(options_.timeout);
            const std::size_t n = co_await client.async_read_some(asio::buffer(chunk), with(read_ec));
            if (n > 0 && !tunnel.ended && !stopping_) {
                upstream.expires_after(options_.timeout);
                co_await asio::async_write(upstream, asio::buffer(chunk.data(), n), with(write_ec));
                if (write_ec) {
                    target_side = true;
                    break;
                }
                bytes_to_target_ += n;
            }
            if (read_ec) break;
        }
        end_tunnel(tunnel, target_side, client, upstream);
    }

    template <class Stream>
    asio::awaitable<void> to_client(beast::tcp_stream& upstream, Stream& client, Tunnel& tunnel) {
        std::vector<char> chunk(16 * 1024);
        bool target_side = true;
        while (!tunnel.ended && !stopping_) {
            error_code read_ec, write_ec;
            upstream.expires_after(options_.timeout);
            const std::size_t n = co_await upstream.async_read_some(asio::buffer(chunk), with(read_ec));
            if (n > 0 && !tunnel.ended && !stopping_) {
                beast::get_lowest_layer(client).expires_after(options_.timeout);
                co_await asio::async_write(client, asio::buffer(chunk.data(), n), with(write_ec));
                if (write_ec) {
                    target_side = false;
                    break;
                }
                bytes_to_client_ += n;
            }
            if (read_ec) break;
        }
        end_tunnel(tunnel, target_side, client, upstream);
    }

    template <class Stream>
    asio::awaitable<void> answer_and_close(Stream& client, const std::string& bytes) {
        error_code ec;
        beast::get_lowest_layer(client).expires_after(options_.timeout);
        co_await asio::async_write(client, asio::buffer(bytes), with(ec));
        if (ec) {
            beast::get_lowest_layer(client).close();
            co_return;
        }
        co_await close_gracefully(client);
    }

    // TLS: close_notify, waiting briefly for the client's. Plain: FIN, then whatever the client
    // still sends is read and dropped until it hangs up. Then the socket is closed.
    template <class Stream>
    asio::awaitable<void> close_gracefully(Stream& client) {
        beast::tcp_stream& tcp = beast::get_lowest_layer(client);
        if (!stopping_) {
            tcp.expires_after(linger_timeout);
            error_code ec;
            if constexpr (is_tls<Stream>) {
                co_await client.async_shutdown(with(ec));
            } else {
                tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
                std::vector<char> sink(4096);
                while (!ec && !stopping_) co_await tcp.async_read_some(asio::buffer(sink), with(ec));
            }
        }
        tcp.close();
    }

    // On the proxy's thread: whatever is pending completes at once with an error, and every
    // coroutine sees `stopping_` and returns without starting anything new.
    void begin_stop() {
        stopping_ = true;
        error_code ignored;
        acceptor_.close(ignored);
        for (beast::tcp_stream* stream : sockets_) stream->close();
    }

    const ConnectProxyOptions options_;
    mutable std::mutex mutex_;
    ConnectAnswer answer_;
    std::vector<ConnectRequest> requests_;
    std::atomic<std::uint64_t> accepted_{0}, tunnels_opened_{0}, open_tunnels_{0}, bytes_to_target_{0},
        bytes_to_client_{0}, handshake_failures_{0};
    std::atomic<std::uint16_t> port_{0};

    // Touched on the proxy's thread only. Declared before the io_context, whose destruction may
    // destroy coroutine frames that still use them.
    bool stopping_ = false;
    std::set<beast::tcp_stream*> sockets_;
    std::optional<ssl::context> tls_;
    asio::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
    std::future<void> finished_;
};

}  // namespace connect_proxy_impl

using connect_proxy_impl::ConnectProxy;

}  // namespace k6::test
