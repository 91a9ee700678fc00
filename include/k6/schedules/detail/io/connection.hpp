// SPDX-License-Identifier: BSL-1.0
// One HTTP/1.1 connection to the API (TLS, TLS through a proxy's tunnel, or plain TCP): opening it
// with every step bounded in time and checked for cancellation, one request/response exchange on
// it, and a cheap check that an idle one is still open.
#ifndef K6_SCHEDULES_DETAIL_IO_CONNECTION_HPP
#define K6_SCHEDULES_DETAIL_IO_CONNECTION_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/http_response.hpp>
#include <k6/schedules/detail/io/proxy_authorization.hpp>
#include <k6/schedules/detail/io/tls_sessions.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/saturating_time.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/version.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A non-owning view of a stream as the two operations HTTP needs from it: read what has arrived,
// write a buffer whole. The HTTP framing above it (Beast's parser and serializer, used sans-io) is
// then compiled once, not once per kind of stream (TCP, TLS, TLS in a tunnel, TLS to a proxy):
// Beast's composed HTTP operations, instantiated per stream type and per completion token, were
// most of the compile time of every translation unit that sends a request.
class ByteStream {
public:
    using Result = std::tuple<boost::system::error_code, std::size_t>;

    template <class Stream>
    explicit ByteStream(Stream& stream) noexcept
        : stream_(&stream), read_some_(&read_some_on<Stream>), write_(&write_on<Stream>) {}

    asio::awaitable<Result> read_some(asio::mutable_buffer buffer) const { return read_some_(stream_, buffer); }
    asio::awaitable<Result> write(asio::const_buffer buffer) const { return write_(stream_, buffer); }

private:
    template <class Stream>
    static asio::awaitable<Result> read_some_on(void* stream, asio::mutable_buffer buffer) {
        return static_cast<Stream*>(stream)->async_read_some(buffer, use_tuple);
    }
    // Asio's async_write, as a loop here: its composed operation was one more template per stream.
    template <class Stream>
    static asio::awaitable<Result> write_on(void* stream, asio::const_buffer buffer) {
        std::size_t written = 0;
        while (buffer.size() != 0) {
            auto [ec, n] = co_await static_cast<Stream*>(stream)->async_write_some(buffer, use_tuple);
            written += n;
            buffer += n;
            if (ec) co_return Result{ec, written};
        }
        co_return Result{boost::system::error_code{}, written};
    }

    void* stream_;
    asio::awaitable<Result> (*read_some_)(void*, asio::mutable_buffer);
    asio::awaitable<Result> (*write_)(void*, asio::const_buffer);
};

// Bounds one step of I/O on a connection (connect, handshake, write, read): when the step's time is
// up, the socket is closed, as Beast's tcp_stream does on a timeout, and the step reports
// beast::error::timeout. One timer per connection over a plain socket: with beast::tcp_stream,
// every read and write was wrapped in Beast's timeout operation, compiled once per stream type and
// handler: about a quarter of the machine code of a program that uses the client.
//
// The timer is lazy: a step that ends before an earlier wake-up leaves that wake-up pending, and a
// new step whose end is no earlier than it reuses it (the wake-up then sees the step's end is still
// ahead and waits again for the rest). Re-arming the system timer per step cost two
// timerfd_settime calls per request, most of the syscalls a kept-alive request adds to its send
// and receive. park() cancels the pending wake-up when the connection goes idle, so that an idle
// connection holds no pending work that would keep its io_context's run() from returning.
class StepTimer {
public:
    using Socket = tcp::socket::lowest_layer_type;
    using clock = std::chrono::steady_clock;

    explicit StepTimer(const asio::any_io_executor& executor) : shared_(std::make_shared<Shared>(executor)) {}
    StepTimer(StepTimer&&) noexcept = default;
    StepTimer& operator=(StepTimer&&) = delete;
    ~StepTimer() {
        if (!shared_) return;
        shared_->socket = nullptr;  // a wake-up already queued must not touch it
        shared_->timer.cancel();
    }

    // Starts a step on `socket` that may take `duration`.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    void arm(Socket& socket, std::chrono::milliseconds duration) {
        Shared& s = *shared_;
        s.socket = &socket;
        s.expired = false;
        s.step_end = later(clock::now(), duration);
        if (s.waiting && s.timer.expiry() <= s.step_end) return;  // wakes up first, then waits for the rest
        wait_until(shared_, s.step_end);
    }

    // Ends the step: true when its time ran out (the socket is then closed).
    bool disarm() noexcept {
        shared_->socket = nullptr;
        return shared_->expired;
    }

    // No step for a while (the connection is idle in the pool): cancels the pending wake-up.
    void park() noexcept {
        shared_->socket = nullptr;
        if (shared_->waiting) {
            shared_->waiting = false;
            ++shared_->wait;
            shared_->timer.cancel();
        }
    }

private:
    struct Shared {
        explicit Shared(const asio::any_io_executor& executor) : timer(executor) {}
        asio::steady_timer timer;
        Socket* socket = nullptr;     // the current step's, or none between steps
        clock::time_point step_end{};  // the current step's end
        std::uint64_t wait = 0;        // which async_wait is the pending one
        bool waiting = false;          // an async_wait is pending
        bool expired = false;          // the current step ran out
    };

    // The timer lives with the state its wake-ups share, so that it can wait again from a wake-up.
    template <class = void>
    static void wait_until(const std::shared_ptr<Shared>& shared, clock::time_point when) {
        Shared& s = *shared;
        s.timer.expires_at(when);  // a pending wait ends with operation_aborted and is ignored
        s.waiting = true;
        s.timer.async_wait([shared, wait = ++s.wait](boost::system::error_code ec) {
            Shared& s = *shared;
            if (s.wait != wait) return;  // replaced by a later wait
            s.waiting = false;
            if (ec || !s.socket) return;  // cancelled, or no step is running
            if (clock::now() < s.step_end) return wait_until(shared, s.step_end);  // a later step's end
            s.expired = true;
            boost::system::error_code ignored;
            s.socket->close(ignored);  // its pending operations end with operation_aborted
        });
    }

    std::shared_ptr<Shared> shared_;  // shared with the pending wake-up, which may outlive this
};

// The layer under a TLS stream: the TCP socket, or, for TLS to the API inside a tunnel through an
// https:// proxy, the TLS stream to that proxy. One type for both, so that Asio's TLS operations
// are compiled once per program: a TLS stream over a TLS stream was a second copy of all of them
// (7% of the machine code of a program that gets and lists schedules). Operations on the
// socket keep their handler's type (the path of every request that does not go through a TLS
// proxy costs nothing more); only operations that go to the TLS stream to the proxy have their
// handler type-erased, which also ends the recursion of TLS handler types.
class Transport {
public:
    using executor_type = asio::any_io_executor;
    using lowest_layer_type = tcp::socket::lowest_layer_type;
    using Outer = ssl::stream<Transport>;
    using Completion = asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

    explicit Transport(tcp::socket socket) : socket_(std::move(socket)) {}
    explicit Transport(std::unique_ptr<Outer> outer) : outer_(std::move(outer)) {}
    Transport(Transport&&) noexcept = default;
    Transport& operator=(Transport&&) noexcept = default;
    ~Transport();

    executor_type get_executor() noexcept { return lowest_layer().get_executor(); }
    lowest_layer_type& lowest_layer() noexcept;

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [](auto handler, Transport* self, asio::mutable_buffer buffer) {
                if (self->socket_) return self->socket_->async_read_some(buffer, std::move(handler));
                self->outer_read(buffer, Completion(std::move(handler)));
            },
            token, this, first_buffer<asio::mutable_buffer>(buffers));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [](auto handler, Transport* self, asio::const_buffer buffer) {
                if (self->socket_) return self->socket_->async_write_some(buffer, std::move(handler));
                self->outer_write(buffer, Completion(std::move(handler)));
            },
            token, this, first_buffer<asio::const_buffer>(buffers));
    }

private:
    // The first non-empty buffer: a read or write of "some" bytes may use only that one.
    template <class Buffer, class Buffers>
    static Buffer first_buffer(const Buffers& buffers) {
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
            if (Buffer buffer(*it); buffer.size() != 0) return buffer;
        return Buffer{};
    }
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    void outer_read(asio::mutable_buffer buffer, Completion handler);
    template <class = void>
    void outer_write(asio::const_buffer buffer, Completion handler);

    std::optional<tcp::socket> socket_;
    std::unique_ptr<Outer> outer_;
};

inline Transport::~Transport() = default;

inline Transport::lowest_layer_type& Transport::lowest_layer() noexcept {
    if (socket_) return socket_->lowest_layer();
    return outer_->lowest_layer();
}

template <class Deferred>
inline void Transport::outer_read(asio::mutable_buffer buffer, Completion handler) {
    deferred<Deferred>(*outer_).async_read_some(buffer, std::move(handler));
}

template <class Deferred>
inline void Transport::outer_write(asio::const_buffer buffer, Completion handler) {
    deferred<Deferred>(*outer_).async_write_some(buffer, std::move(handler));
}

class Connection {
public:
    static constexpr std::size_t read_buffer_size = 64 * 1024;

    // A TLS stream to the API, to an https:// proxy, or to the API through that proxy's tunnel.
    using TlsStream = ssl::stream<Transport>;

    Connection(Transport stream, StepTimer step_timer) : timer(std::move(step_timer)), plain_(std::move(stream)) {
        reserve();
    }
    Connection(TlsStream stream, StepTimer step_timer) : timer(std::move(step_timer)), tls_(std::move(stream)) {
        reserve();
    }

    StepTimer::Socket& lowest() noexcept {
        if (tls_) return tls_->lowest_layer();
        return plain_->lowest_layer();
    }

    // The stream that carries HTTP, whichever kind it is.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    ByteStream stream() noexcept {
        if (tls_) return ByteStream(*tls_);
        return ByteStream(*plain_);
    }

    // An idle keep-alive connection the server has closed (or that has unread bytes nobody asked
    // for) must not carry the next request. One non-blocking peek tells without consuming anything.
    bool looks_closed() noexcept {
        auto& socket = lowest();
        if (!socket.is_open()) return true;
        char byte;
        const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    }

    // The TLS session with the API, or null over plain HTTP.
    SSL* api_tls() noexcept { return tls_ ? tls_->native_handle() : nullptr; }

    bool session_kept = false;  // its TLS session went to the client's TlsSessionCache
    beast::flat_buffer buffer;  // bytes read past the current message stay with their connection
    std::chrono::steady_clock::time_point idle_since{};
    StepTimer timer;  // declared before the streams: destroyed after them

private:
    // Beast reads at most the buffer's free capacity at a time (512 bytes minimum): without room,
    // a 300 KB page arrives in hundreds of tiny reads instead of one per TLS record.
    void reserve() { buffer.reserve(read_buffer_size); }

    std::optional<Transport> plain_;
    std::optional<TlsStream> tls_;
};

// When the current attempt must be over (ClientOptions/CallOptions attempt_timeout, or the call's
// deadline when that comes first). Each step is bounded by the smaller of its own timeout and what
// is left of the attempt, so no extra timer races the steps and a timeout always names its step.
struct AttemptLimit {
    using clock = std::chrono::steady_clock;

    std::optional<clock::time_point> end{};
    std::string_view name{};              // "attempt_timeout" or "the call's deadline"
    std::chrono::milliseconds length{0};  // of that limit, for messages

    struct Budget {
        std::chrono::milliseconds duration;
        bool attempt_bound = false;  // the attempt's end, not the step's own timeout, bounds it
    };

    Budget budget(std::chrono::milliseconds step) const {
        if (!end) return {step, false};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*end - clock::now());
        if (left >= step) return {step, false};
        return {std::max(left, std::chrono::milliseconds(1)), true};
    }

    std::string note(const Budget& budget) const {
        if (!budget.attempt_bound) return "";
        return " (" + std::string(name) + " of " + std::to_string(length.count()) + " ms)";
    }
};

// What one attempt did, read by the operation after it, whatever the attempt's outcome.
struct AttemptProgress {
    bool awaiting_answer = false;  // a copy of the request was written in full and its answer is not read yet
    bool copy_lost = false;        // an earlier copy was written in full, then its connection died unanswered
    std::size_t bytes_received = 0;  // of answers, for AttemptObserver
};

inline bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

inline ApiError cancelled_error(std::string message) {
    return fail(ErrorKind::cancelled, errc::cancelled, std::move(message)).error();
}

// What every operation started after Client::close() or async_close() completes with.
inline ApiError client_closed_error() { return cancelled_error("the client was closed (Client::close)"); }

// Said when a plain-HTTP request got a TLS answer, or none at all.
inline constexpr std::string_view speaks_tls_hint = " (the server may speak TLS: try https://)";

// Classifies a failed step into the ApiError kinds (api, transport, tls, timeout, cancelled...).
inline ApiError io_error(boost::system::error_code ec, std::string_view step, const Endpoint& endpoint, bool cancelled,
                         std::string_view timeout_note = {}) {
    ApiError e;
    e.ec = ec;
    const std::string where = std::string(step) + " " + endpoint.host_header;
    if (cancelled) {
        e = cancelled_error("cancelled while " + where);
    } else if (ec == beast::error::timeout) {
        e.kind = ErrorKind::timeout;
        e.ec = make_error_code(errc::timeout);
        e.message = where + " timed out" + std::string(timeout_note);
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

// The bytes of an HTTP request as they go on the wire: serialized once per call, then written whole
// by every attempt. Written out here, field by field as Beast's serializer writes them: that
// serializer's buffer sequences were more machine code in every program than the request needs.
template <class Body, class Fields>
std::string serialize(const http::request<Body, Fields>& request) {
    const std::string_view method = request.method_string();
    const std::string_view target = request.target();
    std::size_t size = method.size() + target.size() + 16;
    for (const auto& field : request) size += field.name_string().size() + field.value().size() + 4;
    if constexpr (std::is_same_v<Body, http::string_body>) size += request.body().size();

    std::string bytes;
    bytes.reserve(size);
    bytes.append(method).append(" ").append(target).append(" HTTP/");
    bytes.append(1, static_cast<char>('0' + request.version() / 10)).append(".");
    bytes.append(1, static_cast<char>('0' + request.version() % 10)).append("\r\n");
    for (const auto& field : request)
        bytes.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    bytes.append("\r\n");
    if constexpr (std::is_same_v<Body, http::string_body>) bytes.append(request.body());
    return bytes;
}

// Reads one response (or only its header) into `parser`, as Beast's http::async_read does: bytes
// already in `buffer` are parsed first, bytes past the message stay there, the end of the stream
// ends a body that it delimits, and it is http::error::end_of_stream when no byte came at all.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<boost::system::error_code> read_message(ByteStream stream, beast::flat_buffer& buffer,
                                                        http::basic_parser<false>& parser, bool header_only = false,
                                                        std::size_t* received = nullptr) {
    parser.eager(!header_only);  // as Beast's reads: a header alone leaves the body's bytes unparsed
    // A cancellation that came while no read was pending (say, while the write's completion was
    // queued, or between two reads) interrupted nothing: it would be lost, and the read would wait
    // for its timeout. So it is looked at before every read.
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    boost::system::error_code ec;
    for (bool parse = buffer.size() != 0;; parse = true) {
        if (parse) {
            buffer.consume(parser.put(buffer.data(), ec));
            if (!ec) {
                if (header_only ? parser.is_header_done() : parser.is_done()) co_return ec;
                if (buffer.size() != 0) continue;
            } else if (ec != http::error::need_more) {
                co_return ec;
            }
        }
        const std::size_t room = beast::read_size(buffer, 64 * 1024);
        if (room == 0) co_return http::error::buffer_overflow;
        if (cancel_state.cancelled() != asio::cancellation_type::none) co_return asio::error::operation_aborted;
        auto [read_ec, read] = co_await stream.read_some(buffer.prepare(room));
        buffer.commit(read);
        if (received) *received += read;
        if (read_ec == asio::error::eof) {
            if (!parser.got_some()) co_return http::error::end_of_stream;
            ec = {};
            parser.put_eof(ec);
            co_return ec;
        }
        if (read_ec) co_return read_ec;
    }
}

// SNI and host-name (or IP address) verification of the peer, for the API or a TLS proxy, and TLS
// 1.2 or later. The certificate must match the name or the IP address; SNI is for names only (RFC
// 6066). Set on each connection, so that they hold whatever the TLS context (the user's own, say)
// allows; a higher minimum of the context is kept. Every call is checked: a peer check that
// silently failed to install would accept any valid certificate.
inline expected<void> require_peer_identity(SSL* ssl_handle, const std::string& host) {
    SSL_set_verify(ssl_handle, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl_handle));
    const long minimum = SSL_get_min_proto_version(ssl_handle);  // 0: the lowest the library knows
    bool ok = (minimum >= TLS1_2_VERSION) || SSL_set_min_proto_version(ssl_handle, TLS1_2_VERSION) == 1;
    if (!ok) {
        ERR_clear_error();
        return fail(ErrorKind::tls, errc::invalid_argument,
                    "cannot require TLS 1.2 or later for the host " + quote_for_message(host, 80) +
                        "; nothing was sent");
    }
    if (is_ip_address(host)) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str()) == 1;
    } else {
        ok = SSL_set_tlsext_host_name(ssl_handle, host.c_str()) == 1 && SSL_set1_host(ssl_handle, host.c_str()) == 1;
    }
    if (ok) return {};
    ERR_clear_error();
    return fail(ErrorKind::tls, errc::invalid_argument,
                "cannot set up TLS verification of the host " + quote_for_message(host, 80) +
                    " (SNI and host-name check); nothing was sent");
}

// A host name lookup that cancellation and the step's timeout can abandon. The system resolver
// (getaddrinfo, on Asio's resolver thread) cannot be interrupted: a stuck lookup is left to finish
// in the background, and a later lookup on the same io_context waits behind it, but never longer
// than its own step's timeout.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<std::tuple<boost::system::error_code, tcp::resolver::results_type>> resolve_abandonable(
    std::string host, std::string service, std::chrono::milliseconds budget) {
    struct Lookup {
        explicit Lookup(const asio::any_io_executor& executor) : resolver(executor), wake(executor) {}
        tcp::resolver resolver;
        asio::steady_timer wake;
        std::optional<std::tuple<boost::system::error_code, tcp::resolver::results_type>> result;
    };
    auto lookup = std::make_shared<Lookup>(co_await asio::this_coro::executor);
    lookup->wake.expires_at(later(std::chrono::steady_clock::now(), budget));
    lookup->resolver.async_resolve(host, service, tcp::resolver::numeric_service,
                                   [lookup](boost::system::error_code ec, tcp::resolver::results_type results) {
                                       lookup->result.emplace(ec, std::move(results));
                                       lookup->wake.cancel();
                                   });
    auto [wait_ec] = co_await lookup->wake.async_wait(use_tuple);
    if (lookup->result) co_return std::move(*lookup->result);
    lookup->resolver.cancel();  // helps only if the lookup has not started yet
    co_return std::tuple{wait_ec ? boost::system::error_code(asio::error::operation_aborted)
                                 : boost::system::error_code(beast::error::timeout),
                         tcp::resolver::results_type{}};
}

// The TLS handshake with `host` on `stream`, verifying its certificate and name.
template <class TlsStream, class Options>
asio::awaitable<expected<void>> tls_handshake(TlsStream& stream, StepTimer& timer, const std::string& host,
                                              std::string_view step, const Endpoint& endpoint, const Options& options,
                                              const AttemptLimit& limit, const asio::cancellation_state& cancel_state) {
    SSL* ssl_handle = stream.native_handle();
    if (auto identity = require_peer_identity(ssl_handle, host); !identity) co_return identity;
    const auto budget = limit.budget(options.connect_timeout);
    timer.arm(stream.lowest_layer(), budget.duration);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (timer.disarm()) ec = beast::error::timeout;
    if (!ec && was_cancelled(cancel_state)) ec = asio::error::operation_aborted;
    if (!ec) co_return expected<void>{};
    ApiError e = io_error(ec, step, endpoint, was_cancelled(cancel_state), limit.note(budget));
    if (e.kind == ErrorKind::transport || e.kind == ErrorKind::tls) {
        e.kind = ErrorKind::tls;  // whatever broke it, the secure channel was not established
        const long verify = SSL_get_verify_result(ssl_handle);
        if (verify != X509_V_OK)
            e.message += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
        // What OpenSSL says when the first bytes back are not a TLS record, such as "HTTP/1.1 400".
        if (ec.category() == asio::error::get_ssl_category() &&
            (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER ||
             ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_PACKET_LENGTH_TOO_LONG))
            e.message += " (the server may not speak TLS: try http:// if it is a plain-HTTP server on this machine)";
    }
    co_return std::unexpected(std::move(e));
}

// What a proxy's answer to CONNECT means: the tunnel is open, or why not. `leftover` is how many
// bytes arrived after the answer's header. Sans-io, so the fuzzers reach it.
inline expected<void> connect_answer_verdict(unsigned status, std::string_view reason, std::size_t leftover,
                                             const Proxy& proxy, const Endpoint& endpoint) {
    if (status / 100 != 2) {
        // The reason phrase is the proxy's own text: bounded, printable, and never showing the
        // credentials it was sent (a proxy may echo them).
        const std::string credentials = basic_credentials(proxy);
        return fail(ErrorKind::transport, errc::unexpected_status,
                    "the proxy " + proxy.display + " refused to CONNECT to " + endpoint.host_header + ": " +
                        std::to_string(status) + " " +
                        server_text(reason, {proxy.password, credentials}, reason_max_bytes));
    }
    // Until our TLS ClientHello, the API has nothing to say: any byte past the proxy's answer can
    // only come from the proxy, e.g. a forged HTTP response that would otherwise be read as the
    // API's (it would sit in the read buffer, in front of everything the TLS session decrypts).
    if (leftover != 0) {
        return fail(ErrorKind::transport, errc::proxy_error,
                    "the proxy " + proxy.display + " sent " + std::to_string(leftover) +
                        " bytes after its answer to CONNECT, before the TLS handshake with " + endpoint.host_header +
                        "; refusing the tunnel");
    }
    return {};
}

// CONNECT host:port through the proxy on `stream` (whose lowest layer is `lowest`). The TLS session
// to the API (and so the bearer token) then travels inside the tunnel, which the proxy cannot read.
template <class Options>
asio::awaitable<expected<void>> open_tunnel(ByteStream stream, StepTimer& timer, StepTimer::Socket& lowest,
                                            const Proxy& proxy,
                                            const Endpoint& endpoint, const Options& options,
                                            const AttemptLimit& limit, const asio::cancellation_state& cancel_state) {
    const bool ipv6 = endpoint.host.find(':') != std::string::npos;
    const std::string authority =
        (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
    http::request<http::empty_body> connect{http::verb::connect, authority, 11};
    connect.set(http::field::host, authority);
    connect.set(http::field::user_agent, user_agent);
    if (auto authorization = proxy_authorization(proxy)) connect.set(http::field::proxy_authorization, *authorization);
    const std::string connect_bytes = serialize(connect);
    const auto budget = limit.budget(options.connect_timeout);
    timer.arm(lowest, budget.duration);  // one budget for the request and its answer
    auto [write_ec, written] = co_await stream.write(asio::buffer(connect_bytes));
    ResponseReader answer;
    answer.skip(true);  // a response to CONNECT has no body, whatever its headers say
    answer.header_limit(16 * 1024);
    beast::flat_buffer buffer;
    boost::system::error_code read_ec = write_ec;
    if (!read_ec) read_ec = co_await read_message(stream, buffer, answer, true);
    if (timer.disarm()) read_ec = beast::error::timeout;
    if (!read_ec && was_cancelled(cancel_state)) read_ec = asio::error::operation_aborted;
    const std::string step = "opening a tunnel through " + proxy.display + " to";
    if (read_ec)
        co_return std::unexpected(io_error(read_ec, step, endpoint, was_cancelled(cancel_state), limit.note(budget)));
    co_return connect_answer_verdict(answer.get().status, answer.get().reason, buffer.size(), proxy, endpoint);
}

// Resolve, connect, go through the proxy (if any: TLS to it for an https:// proxy, then CONNECT),
// and (for https) handshake with the API. Each step is bounded by connect_timeout and what is
// left of the attempt, and a cancellation that arrived during a step that cannot be cancelled
// (the host name lookup) is honoured as soon as the step ends: nothing is sent after it.
// A template only so that translation units that never open a connection do not compile it.
template <class Options = ClientOptions>
asio::awaitable<expected<std::unique_ptr<Connection>>> open_connection(ssl::context* tls_context,
                                                                       const Endpoint& endpoint, const Options& options,
                                                                       const std::optional<Proxy>& proxy = {},
                                                                       const AttemptLimit& limit = {},
                                                                       TlsSessionCache* sessions = nullptr) {
    const auto executor = co_await asio::this_coro::executor;
    // Fetched once, up front: GCC 12 mishandles a co_await nested inside a larger expression.
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    auto failed = [&](boost::system::error_code ec, std::string_view step, const AttemptLimit::Budget& budget) {
        return std::unexpected(io_error(ec, step, endpoint, was_cancelled(cancel_state), limit.note(budget)));
    };

    // Through a proxy, the TCP connection goes to the proxy.
    const std::string& connect_host = proxy ? proxy->host : endpoint.host;
    const std::string service = std::to_string(proxy ? proxy->port : endpoint.port);
    const auto resolve_budget = limit.budget(options.connect_timeout);
    auto [resolve_ec, results] = co_await resolve_abandonable(connect_host, service, resolve_budget.duration);
    if (!resolve_ec && was_cancelled(cancel_state)) resolve_ec = asio::error::operation_aborted;
    if (resolve_ec) co_return failed(resolve_ec, proxy ? "resolving the proxy for" : "resolving", resolve_budget);

    tcp::socket stream(executor);
    StepTimer timer(executor);
    const auto connect_budget = limit.budget(options.connect_timeout);
    timer.arm(stream, connect_budget.duration);
    auto [connect_ec, connected] = co_await asio::async_connect(stream, results, use_tuple);
    if (timer.disarm()) connect_ec = beast::error::timeout;
    if (!connect_ec && was_cancelled(cancel_state)) connect_ec = asio::error::operation_aborted;
    if (connect_ec)
        co_return failed(connect_ec, proxy ? "connecting to the proxy for" : "connecting to", connect_budget);
    boost::system::error_code ignored;
    stream.set_option(tcp::no_delay(true), ignored);  // requests are small and latency-bound

    Transport transport(std::move(stream));
    if (!endpoint.tls) co_return std::make_unique<Connection>(std::move(transport), std::move(timer));
    // https:// always has a context: the user's, or the client's own (ClientState::create).

    // Named results, not co_await inside if-conditions with temporaries: GCC 12 has bugs with
    // temporaries that live across a suspension.
    expected<void> step;
    if (proxy && proxy->tls) {
        auto to_proxy = std::make_unique<Connection::TlsStream>(std::move(transport), *tls_context);
        const std::string to_proxy_step = "TLS handshake with the proxy " + proxy->display + " for";
        step = co_await tls_handshake(*to_proxy, timer, proxy->host, to_proxy_step, endpoint, options, limit,
                                      cancel_state);
        if (!step) co_return std::unexpected(std::move(step.error()));
        step = co_await open_tunnel(ByteStream(*to_proxy), timer, to_proxy->lowest_layer(), *proxy, endpoint,
                                    options, limit, cancel_state);
        if (!step) co_return std::unexpected(std::move(step.error()));
        transport = Transport(std::move(to_proxy));
    } else if (proxy) {
        step = co_await open_tunnel(ByteStream(transport), timer, transport.lowest_layer(), *proxy, endpoint, options,
                                    limit, cancel_state);
        if (!step) co_return std::unexpected(std::move(step.error()));
    }
    Connection::TlsStream tls(std::move(transport), *tls_context);
    if (sessions) sessions->offer(tls.native_handle());  // the API host's own session, never the proxy's
    step = co_await tls_handshake(tls, timer, endpoint.host, "TLS handshake with", endpoint, options, limit,
                                  cancel_state);
    if (!step) {
        if (sessions) sessions->forget();
        co_return std::unexpected(std::move(step.error()));
    }
    co_return std::make_unique<Connection>(std::move(tls), std::move(timer));
}

struct Exchanged {
    HttpResponse response;
    bool reusable = false;  // the connection may carry another request
};

struct ExchangeFailure {
    ApiError error;
    bool nothing_received = false;  // no byte of a response arrived: the request may be resent safely
};

// Interim answers (1xx, such as 103 Early Hints) before the final one are skipped, up to this many.
inline constexpr unsigned max_interim_responses = 16;

// Writes one request (its serialized bytes) and reads its final response, each bounded by
// options.io_timeout (and the attempt); a 2xx body is limited to options.max_body_bytes, and an
// error answer's body is cut at error_body_keep_bytes (ResponseReader).
// `progress` records whether the request was written in full, which the caller needs when no
// answer comes.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<std::expected<Exchanged, ExchangeFailure>> exchange_on(Connection& connection, std::string_view request,
                                                                       const Endpoint& endpoint,
                                                                       const ClientOptions& options,
                                                                       const AttemptLimit& limit,
                                                                       AttemptProgress& progress) {
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    const ByteStream stream = connection.stream();
    const auto write_budget = limit.budget(options.io_timeout);
    connection.timer.arm(connection.lowest(), write_budget.duration);
    auto [write_ec, written] = co_await stream.write(asio::buffer(request));
    if (connection.timer.disarm()) write_ec = beast::error::timeout;
    if (write_ec)
        co_return std::unexpected(ExchangeFailure{io_error(write_ec, "sending the request to", endpoint,
                                                           was_cancelled(cancel_state), limit.note(write_budget)),
                                                  true});
    progress.awaiting_answer = true;

    // One budget for the whole answer, interim responses included.
    const auto read_budget = limit.budget(options.io_timeout);
    connection.timer.arm(connection.lowest(), read_budget.duration);
    std::optional<ResponseReader> parser;
    boost::system::error_code read_ec;
    for (unsigned interim = 0;; ++interim) {
        parser.emplace();
        parser->body_limit(options.max_body_bytes);
        parser->header_limit(64 * 1024);
        read_ec = co_await read_message(stream, connection.buffer, *parser, false, &progress.bytes_received);
        if (read_ec) break;
        const unsigned status = parser->get().status;
        if (status < 100 || status > 199 || status == 101) break;  // final (101 is never asked for: an error)
        if (interim + 1 == max_interim_responses) {
            connection.timer.disarm();
            co_return std::unexpected(ExchangeFailure{
                fail(ErrorKind::malformed_response, errc::malformed_response,
                     "the server at " + endpoint.host_header + " sent " + std::to_string(max_interim_responses) +
                         " interim (1xx) answers and no final one")
                    .error(),
                false});
        }
    }
    const bool timed_out = connection.timer.disarm();
    // An error answer cut at error_body_keep_bytes is an answer, whatever came (or would have) after.
    const bool cut = read_ec == http::error::body_limit && parser->get().body_cut;
    if (cut)
        read_ec = {};
    else if (timed_out)
        read_ec = beast::error::timeout;
    if (read_ec == ssl::error::stream_truncated && parser->is_header_done() && !parser->is_done()) {
        // A body delimited by the end of the connection, closed without TLS close_notify:
        // the end of the stream is the end of the body (as Beast's examples treat it).
        parser->put_eof(read_ec);
    }
    if (!read_ec && was_cancelled(cancel_state)) read_ec = asio::error::operation_aborted;
    if (read_ec) {
        const bool nothing = !parser->got_some() && connection.buffer.size() == 0;
        if (read_ec == http::error::body_limit) {
            ApiError e = fail(ErrorKind::malformed_response, errc::body_too_large,
                              "the response body from " + endpoint.host_header + " is larger than the limit of " +
                                  std::to_string(options.max_body_bytes) + " bytes (ClientOptions::max_body_bytes)")
                             .error();
            e.status = parser->get().status;
            co_return std::unexpected(ExchangeFailure{std::move(e), false});
        }
        if (read_ec.category() == http::make_error_code(http::error::bad_version).category() &&
            read_ec != http::error::end_of_stream && read_ec != http::error::partial_message) {
            ApiError e;
            e.kind = ErrorKind::malformed_response;
            e.ec = read_ec;
            e.message = "the HTTP response from " + endpoint.host_header + " is malformed: " + read_ec.message();
            // A TLS record (an alert, 0x15, or a handshake, 0x16) where an HTTP answer should be.
            const auto first = connection.buffer.size() > 0
                                   ? static_cast<const unsigned char*>(connection.buffer.data().data())[0]
                                   : 0u;
            if (!endpoint.tls && (first == 0x15 || first == 0x16)) e.message += speaks_tls_hint;
            co_return std::unexpected(ExchangeFailure{std::move(e), false});
        }
        ApiError e =
            io_error(read_ec, "reading the response from", endpoint, was_cancelled(cancel_state), limit.note(read_budget));
        // A plain-HTTP request that a TLS server drops without a word.
        if (nothing && !endpoint.tls && e.kind == ErrorKind::transport) e.message += speaks_tls_hint;
        co_return std::unexpected(ExchangeFailure{std::move(e), nothing});
    }
    progress.awaiting_answer = false;
    Exchanged out;
    // The rest of a cut answer is still on its way: the connection is closed, never reused.
    out.reusable = !cut && parser->keep_alive() && connection.buffer.size() == 0 && parser->get().status != 101;
    out.response = parser->release();
    co_return out;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CONNECTION_HPP
