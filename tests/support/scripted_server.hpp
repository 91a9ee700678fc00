// SPDX-License-Identifier: BSL-1.0
// A server on 127.0.0.1 (TLS or plain TCP) whose every answer is raw bytes from the test, written
// exactly as given, so tests can send what no well-behaved server library would: interim 1xx
// answers, control bytes in a reason phrase, broken framing, a connection that closes, resets or
// falls silent right after. It parses requests with Beast and records each one.
#pragma once

#include "support/test_server.hpp"

#include <boost/asio/co_spawn.hpp>
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
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
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

struct RecordedRequest {
    std::string method{};                                        // "GET", "POST", ...
    std::string target{};                                        // as received, e.g. "/cloud/v6/schedules/1"
    std::vector<std::pair<std::string, std::string>> headers{};  // in order received, names as received
    std::string body{};
    std::uint64_t connection_index = 0;     // 1, 2, 3... in accept order
    std::uint64_t index_on_connection = 0;  // 0 for the first request on its connection

    std::optional<std::string> header(std::string_view name) const {  // case-insensitive, first match
        for (const auto& [key, value] : headers)
            if (boost::beast::iequals(key, name)) return value;
        return std::nullopt;
    }
};

// What the connection does once the script's bytes are written.
enum class Then {
    keep_reading,  // read the next request on this connection
    close,         // close gracefully: TLS close_notify (plain: FIN), then the socket
    reset,         // abort: RST (SO_LINGER 0), no close_notify
    stall,         // say nothing more and keep the connection open until the client hangs up, the
                   // server stops, or stall_limit passes
};

struct Script {
    std::string bytes{};  // written exactly as given, in one write; may be empty
    Then then = Then::keep_reading;
    // Wait this long before writing (cut short, with nothing written, by the destructor).
    std::chrono::milliseconds delay{0};
};

// "HTTP/1.1 <status> <reason>\r\n<headers>Content-Length: <n>\r\n\r\n<body>", with Content-Length
// left out when `headers` has Content-Length or Transfer-Encoding. All parts written as given.
inline std::string http_response_bytes(unsigned status, std::string_view reason, std::string_view body = {},
                                       const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    bool framed = false;
    for (const auto& [name, value] : headers) {
        out += name + ": " + value + "\r\n";
        framed =
            framed || boost::beast::iequals(name, "Content-Length") || boost::beast::iequals(name, "Transfer-Encoding");
    }
    if (!framed) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return out + "\r\n" + std::string(body);
}

struct ScriptedServerOptions {
    bool tls = true;
    // Unset: the test Pki's leaf for 127.0.0.1/localhost, which clients verify with Pki::get().ca_file.
    std::optional<k6::loopback::KeyAndCert> certificate{};
    // Accept connections and never answer anything: no TLS handshake (what the client sends is read
    // and dropped), no requests read, the responder never called. For connect/handshake timeouts
    // and cancellation.
    bool silent = false;
    // Bound on the handshake, on reading each request (so also on how long a connection may sit
    // idle between requests) and on each write.
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
    // Bound on Then::stall and on a silent connection.
    std::chrono::milliseconds stall_limit{std::chrono::seconds(60)};
    std::size_t max_request_body = 1 << 20;  // a larger request ends its connection unanswered
    // TLS 1.0 and 1.1 only, at OpenSSL's security level 0 (which they need): for clients that must
    // refuse them. Otherwise TLS 1.2 or later.
    bool legacy_tls_only = false;
};

namespace scripted_server_impl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

inline auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// A closing connection waits this long for the client to hang up (or answer close_notify), so
// that closing with unread client bytes does not make the kernel send an RST that could destroy
// the last answer before the client reads it.
inline constexpr std::chrono::seconds linger_timeout{1};

template <class Stream>
constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

// Starts listening at construction, on its own thread and io_context; the destructor closes the
// listener and every connection (whatever it is doing) and joins the thread.
class ScriptedServer {
public:
    // Called on the server's thread for each request read; must not destroy the server. If it
    // throws, the client gets a 500 with the exception's message and the connection is closed.
    using Responder = std::function<Script(const RecordedRequest&)>;

    explicit ScriptedServer(Responder responder, ScriptedServerOptions options = {})
        : options_(std::move(options)), responder_(std::move(responder)) {
        if (options_.tls) {
            const auto& cert = options_.certificate ? *options_.certificate : Pki::get().leaf;
            tls_.emplace(ssl::context::tls_server);
            SSL_CTX* context = tls_->native_handle();
            if (options_.legacy_tls_only) {
                SSL_CTX_set_security_level(context, 0);
                SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
                SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION);
            } else {
                SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
            }
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
                } catch (...) {  // a stray exception must not end the server while a test uses it
                }
            }
            finished.set_value();
        });
    }

    // The same script for every request.
    explicit ScriptedServer(Script script, ScriptedServerOptions options = {})
        : ScriptedServer(always(std::move(script)), std::move(options)) {}

    // A server that accepts and never answers (ScriptedServerOptions::silent).
    static ScriptedServerOptions silent_options(bool tls = true) {
        ScriptedServerOptions options;
        options.tls = tls;
        options.silent = true;
        return options;
    }

    static Responder always(Script script) {
        return [script = std::move(script)](const RecordedRequest&) { return script; };
    }

    ~ScriptedServer() {
        asio::post(ioc_, [this] { begin_stop(); });
        // Everything is closed by now, so the loop ends at once; should anything still be pending
        // after this long, stopping the io_context destroys it rather than hanging the test.
        if (finished_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) ioc_.stop();
        thread_.join();
    }

    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const {
        return (options_.tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
    }

    // Applies to requests read from now on.
    void respond(Responder responder) {
        std::lock_guard lock(mutex_);
        responder_ = std::move(responder);
    }

    std::vector<RecordedRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    // Counters, readable from any thread while the server runs.
    std::uint64_t connections_accepted() const { return accepted_; }
    std::uint64_t requests_read() const { return requests_read_; }
    std::uint64_t open_connections() const { return open_; }
    std::uint64_t tls_handshake_failures() const { return handshake_failures_; }
    // Handshakes that resumed an earlier session (the client offered a ticket, and it was taken).
    std::uint64_t tls_sessions_resumed() const { return resumed_; }

    // Options for a client of this server, as TestServer::client_options makes them: its URL, the
    // test token and stack, the test CA, 5 s timeouts, no retries, no proxy from the environment.
    k6::schedules::ClientOptions client_options() const {
        k6::schedules::ClientOptions options;
        options.api_url = url();
        options.token = test_token;
        options.stack_id = test_stack_id;
        options.ca_file = Pki::get().ca_file.string();
        options.connect_timeout = std::chrono::seconds(5);
        options.io_timeout = std::chrono::seconds(5);
        options.retry.max_retries = 0;
        options.proxy_from_environment = false;
        return options;
    }

private:
    // A live connection as the destructor sees it; lives in its coroutine's frame.
    struct Live {
        beast::tcp_stream& tcp;
        asio::steady_timer& delay;
    };

    // Keeps `live_` and the open-connection count in step with a connection's coroutine.
    class Registered {
    public:
        Registered(ScriptedServer& server, Live& live) : server_(server), live_(&live) {
            server_.live_.insert(live_);
            ++server_.open_;
        }
        ~Registered() {
            server_.live_.erase(live_);
            --server_.open_;
        }
        Registered(const Registered&) = delete;
        Registered& operator=(const Registered&) = delete;

    private:
        ScriptedServer& server_;
        Live* live_;
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
            if (tls_ && !options_.silent)
                asio::co_spawn(ioc_, session(beast::ssl_stream<beast::tcp_stream>(std::move(stream), *tls_), index),
                               ignore);
            else
                asio::co_spawn(ioc_, session(std::move(stream), index), ignore);
        }
    }

    template <class Stream>
    asio::awaitable<void> session(Stream stream, std::uint64_t connection) {
        beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
        asio::steady_timer delay(ioc_);
        Live live{tcp, delay};
        Registered registered(*this, live);
        if (stopping_) co_return;
        if (options_.silent) {
            co_await drain(tcp, options_.stall_limit);
            tcp.close();
            co_return;
        }
        error_code ec;
        if constexpr (is_tls<Stream>) {
            tcp.expires_after(options_.timeout);
            co_await stream.async_handshake(ssl::stream_base::server, with(ec));
            if (ec) {
                if (!stopping_) ++handshake_failures_;
                co_return;
            }
            if (SSL_session_reused(stream.native_handle())) ++resumed_;
        }
        beast::flat_buffer buffer;
        for (std::uint64_t index = 0; !stopping_; ++index) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(64 * 1024);
            parser.body_limit(options_.max_request_body);
            tcp.expires_after(options_.timeout);
            co_await http::async_read(stream, buffer, parser, with(ec));
            if (ec || stopping_) break;  // the client left, sent garbage or sat idle too long
            auto& message = parser.get();
            RecordedRequest request{.method = std::string(message.method_string()),
                                    .target = std::string(message.target()),
                                    .body = std::move(message.body()),
                                    .connection_index = connection,
                                    .index_on_connection = index};
            for (const auto& field : message)
                request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            Responder responder;
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(request);
                responder = responder_;
            }
            ++requests_read_;
            const Script script = call(responder, request);

            if (script.delay.count() > 0) {
                delay.expires_after(script.delay);
                co_await delay.async_wait(with(ec));
                if (stopping_) break;
            }
            if (!script.bytes.empty()) {
                tcp.expires_after(options_.timeout);
                co_await asio::async_write(stream, asio::buffer(script.bytes), with(ec));
                if (ec || stopping_) break;
            }
            switch (script.then) {
                case Then::keep_reading: continue;
                case Then::close: co_await close_gracefully(stream); co_return;
                case Then::reset:
                    tcp.socket().set_option(asio::socket_base::linger(true, 0), ec);  // close() now sends RST
                    tcp.close();
                    co_return;
                case Then::stall:
                    co_await drain(tcp, options_.stall_limit);
                    tcp.close();
                    co_return;
            }
        }
        tcp.close();
    }

    static Script call(const Responder& responder, const RecordedRequest& request) {
        std::string message;
        try {
            if (responder) return responder(request);
            message = "no responder";
        } catch (const std::exception& e) {
            message = e.what();
        } catch (...) {
            message = "unknown exception";
        }
        return Script{.bytes = http_response_bytes(500, "Internal Server Error", "responder failed: " + message + "\n",
                                                   {{"Connection", "close"}, {"Content-Type", "text/plain"}}),
                      .then = Then::close};
    }

    // Reads and drops whatever arrives (raw bytes, beneath any TLS) until the client hangs up, the
    // server stops, or `limit` passes: a peer that is there but says nothing.
    asio::awaitable<void> drain(beast::tcp_stream& tcp, std::chrono::milliseconds limit) {
        std::vector<char> sink(4096);
        error_code ec;
        tcp.expires_after(limit);  // one deadline for all the reads below
        while (!ec && !stopping_) co_await tcp.async_read_some(asio::buffer(sink), with(ec));
    }

    // TLS: close_notify, waiting briefly for the client's. Plain: FIN, then whatever the client
    // still sends is read and dropped until it hangs up. Then the socket is closed.
    template <class Stream>
    asio::awaitable<void> close_gracefully(Stream& stream) {
        beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
        if (!stopping_) {
            error_code ec;
            if constexpr (is_tls<Stream>) {
                tcp.expires_after(linger_timeout);
                co_await stream.async_shutdown(with(ec));
            } else {
                tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
                if (!ec) co_await drain(tcp, linger_timeout);
            }
        }
        tcp.close();
    }

    // On the server's thread: whatever is pending completes at once with an error, and every
    // coroutine sees `stopping_` and returns without starting anything new.
    void begin_stop() {
        stopping_ = true;
        error_code ignored;
        acceptor_.close(ignored);
        for (Live* live : live_) {
            live->delay.cancel();
            live->tcp.close();
        }
    }

    const ScriptedServerOptions options_;
    mutable std::mutex mutex_;
    Responder responder_;
    std::vector<RecordedRequest> requests_;
    std::atomic<std::uint64_t> accepted_{0}, requests_read_{0}, open_{0}, handshake_failures_{0}, resumed_{0};
    std::atomic<std::uint16_t> port_{0};

    // Touched on the server's thread only. Declared before the io_context, whose destruction may
    // destroy coroutine frames that still use them.
    bool stopping_ = false;
    std::set<Live*> live_;
    std::optional<ssl::context> tls_;
    asio::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
    std::future<void> finished_;
};

}  // namespace scripted_server_impl

using scripted_server_impl::ScriptedServer;

}  // namespace k6::test
