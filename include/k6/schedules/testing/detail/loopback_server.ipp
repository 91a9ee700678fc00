// SPDX-License-Identifier: BSL-1.0
// k6::loopback::HttpServer (k6/schedules/testing/loopback.hpp), compiled into k6::schedules_testing.
#include <k6/schedules/testing/loopback.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace k6::loopback {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace detail {

// (Not an unnamed namespace: ServerState, which other files name, holds these types.)
constexpr std::uint32_t header_limit = 64 * 1024;
// A closing connection waits this long for the client to hang up (lingering close, so our last response
// is not destroyed by an RST); stop() lets in-flight writes run this long before closing everything.
constexpr std::chrono::seconds linger_timeout{1};
constexpr std::chrono::seconds stop_grace{2};

auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

enum class Phase { handshake, reading, busy, delaying, writing, closing };

// A live connection as stop() sees it; lives in its session coroutine's frame.
struct Connection {
    beast::tcp_stream& tcp;
    asio::steady_timer& delay;
    Phase phase = Phase::busy;

    // Anything waiting on the client is closed now and delays are cut short;
    // a response being written is left to finish unless `force`.
    void interrupt(bool force) {
        delay.cancel();
        if (force || phase == Phase::handshake || phase == Phase::reading || phase == Phase::closing) tcp.close();
    }
};

void reset(beast::tcp_stream& tcp) {
    error_code ignored;
    tcp.socket().set_option(asio::socket_base::linger(true, 0), ignored);  // close() now sends RST
    tcp.close();
}

std::string json_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

Response error_response(unsigned status, std::string_view code, std::string_view message, bool close) {
    Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = R"({"error":{"code":")" + json_escape(code) + R"(","message":")" + json_escape(message) + R"("}})";
    response.close = close;
    return response;
}

// What to answer when reading a request failed; nothing if the client just went away.
std::optional<Response> rejection(error_code ec, std::size_t max_body) {
    if (ec == http::error::body_limit)
        return error_response(413, "payload_too_large", "request body exceeds " + std::to_string(max_body) + " bytes",
                              true);
    if (ec == http::error::header_limit)
        return error_response(431, "request_header_fields_too_large", "request headers exceed 64 KiB", true);
    bool parse_error = ec.category() == make_error_code(http::error::bad_method).category();
    if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message)
        return error_response(400, "bad_request", ec.message(), true);
    return std::nullopt;
}

// 1xx, 204 and 304 responses never carry a body, so they must not announce one either.
bool status_has_body(unsigned status) { return status >= 200 && status != 204 && status != 304; }

http::response<http::string_body> to_message(Response& response, bool keep_alive) {
    http::response<http::string_body> message;
    message.version(11);
    message.result(response.status);
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    message.body() = std::move(response.body);
    if (status_has_body(response.status))
        message.content_length(message.body().size());
    else
        message.erase(http::field::content_length);
    message.keep_alive(keep_alive);
    return message;
}

template <class Stream>
constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

}  // namespace detail

std::optional<std::string> Request::header(std::string_view name) const {
    auto equal = [](std::string_view a, std::string_view b) {
        return std::ranges::equal(a, b,
                                  [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
    };
    for (const auto& [key, value] : headers)
        if (equal(key, name)) return value;
    return std::nullopt;
}

namespace detail {

struct ServerState : std::enable_shared_from_this<ServerState> {
    ServerOptions options;
    Handler handler;
    std::atomic<std::uint64_t> accepted{0}, handled{0}, open{0};
    std::atomic<std::size_t> handshake_failures{0};
    std::atomic<std::uint16_t> port{0};

    std::mutex lifecycle;  // serialises start() and stop()
    bool started = false;
    bool stop_requested = false;

    // Touched only on the server's strand. Declared before the io_context: coroutine frames it
    // destroys use them. With a thread of its own, the io_context is here; on the caller's executor,
    // every coroutine holds the state alive, so that the server's owner may go away at any time.
    bool stopping = false;
    std::set<Connection*> connections;
    std::optional<ssl::context> tls;
    std::optional<asio::io_context> own_context;
    asio::strand<asio::any_io_executor> strand;
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;

    explicit ServerState(ServerOptions o, Handler h)
        : options(std::move(o)), handler(std::move(h)), own_context(std::in_place, 1),
          strand(asio::make_strand(asio::any_io_executor(own_context->get_executor()))) {}

    // Keeps `connections` and the open-connection count in step with a session's lifetime.
    struct Registration {
        ServerState& state;
        Connection& connection;
        Registration(ServerState& s, Connection& c) : state(s), connection(c) {
            state.connections.insert(&connection);
            ++state.open;
        }
        ~Registration() {
            state.connections.erase(&connection);
            --state.open;
        }
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;
    };

    asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> self) {
        asio::steady_timer backoff(strand);
        while (!stopping) {
            error_code ec;
            tcp::socket socket = co_await acceptor->async_accept(with(ec));
            if (stopping) break;
            if (ec) {  // e.g. out of file descriptors: back off instead of spinning
                backoff.expires_after(std::chrono::milliseconds(50));
                co_await backoff.async_wait(with(ec));
                continue;
            }
            std::uint64_t id = ++accepted;
            socket.set_option(tcp::no_delay(true), ec);
            beast::tcp_stream stream(std::move(socket));
            auto ignore = [](std::exception_ptr) {};
            if (tls)
                asio::co_spawn(strand, session(self, beast::ssl_stream<beast::tcp_stream>(std::move(stream), *tls), id),
                               ignore);
            else
                asio::co_spawn(strand, session(self, std::move(stream), id), ignore);
        }
    }

    template <class Stream>
    asio::awaitable<void> session(std::shared_ptr<ServerState> /*keeps the state alive*/, Stream stream,
                                  std::uint64_t id) {
        beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
        asio::steady_timer delay(tcp.get_executor());
        Connection connection{tcp, delay};
        Registration registration(*this, connection);
        if (stopping) co_return;
        if constexpr (is_tls<Stream>) {
            connection.phase = Phase::handshake;
            tcp.expires_after(options.handshake_timeout);
            error_code ec;
            co_await stream.async_handshake(ssl::stream_base::server, with(ec));
            if (ec) {
                if (!stopping) ++handshake_failures;
                co_return;
            }
        }
        beast::flat_buffer buffer;
        for (std::uint64_t index = 0; !stopping; ++index) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(header_limit);
            parser.body_limit(options.max_request_body);
            if (error_code ec = co_await read_request(stream, buffer, parser, connection)) {
                if (auto response = rejection(ec, options.max_request_body))
                    co_await respond(stream, connection, *response, false, false);
                co_return;
            }
            auto& message = parser.get();
            Request request{.method = std::string(message.method_string()),
                            .target = std::string(message.target()),
                            .body = std::move(message.body()),
                            .connection_id = id,
                            .request_index_on_connection = index};
            for (const auto& field : message)
                request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            Response response = call_handler(request);
            bool head = message.method() == http::verb::head;
            if (!co_await respond(stream, connection, response, message.keep_alive(), head)) co_return;
        }
    }

    template <class Stream, class Parser>
    asio::awaitable<error_code> read_request(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                                             Connection& connection) {
        error_code ec;
        connection.phase = Phase::reading;
        connection.tcp.expires_after(options.idle_timeout);
        co_await http::async_read_header(stream, buffer, parser, with(ec));
        if (!ec && !parser.is_done()) {
            // Clients like curl otherwise wait a second before sending a large body.
            if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
                connection.phase = Phase::writing;
                http::response<http::empty_body> proceed{http::status::continue_, 11};
                co_await http::async_write(stream, proceed, with(ec));
                connection.phase = Phase::reading;
            }
            if (!ec) co_await http::async_read(stream, buffer, parser, with(ec));
        }
        connection.phase = Phase::busy;
        co_return ec;
    }

    Response call_handler(const Request& request) {
        Response response;
        try {
            response = handler(request);
            if (response.status < 100 || response.status > 999)
                response = error_response(500, "internal_error", "handler returned an invalid status code", false);
        } catch (const std::exception& e) {
            response = error_response(500, "internal_error", e.what(), false);
        } catch (...) {
            response = error_response(500, "internal_error", "unknown exception", false);
        }
        ++handled;
        return response;
    }

    // Returns whether the connection can carry another request.
    template <class Stream>
    asio::awaitable<bool> respond(Stream& stream, Connection& connection, Response& response, bool keep_alive,
                                  bool head) {
        beast::tcp_stream& tcp = connection.tcp;
        if (response.delay.count() > 0 && !stopping) {
            connection.phase = Phase::delaying;
            connection.delay.expires_after(response.delay);
            error_code cut_short;
            co_await connection.delay.async_wait(with(cut_short));
            connection.phase = Phase::busy;
        }
        if (response.reset_before_response) {  // after the delay, so "stall, then die" can be simulated
            reset(tcp);
            co_return false;
        }
        keep_alive = keep_alive && !response.close && !stopping;
        auto message = to_message(response, keep_alive);
        std::size_t body_bytes = head || !status_has_body(response.status) ? 0 : message.body().size();
        if (response.reset_after_body_bytes) body_bytes = std::min(body_bytes, *response.reset_after_body_bytes);

        connection.phase = Phase::writing;
        tcp.expires_after(options.idle_timeout);
        error_code ec;
        if (body_bytes == message.body().size()) {
            co_await http::async_write(stream, message, with(ec));
        } else {  // headers announce the full body; send only part of it
            http::response_serializer<http::string_body> serializer(message);
            co_await http::async_write_header(stream, serializer, with(ec));
            if (!ec && body_bytes > 0)
                co_await asio::async_write(stream, asio::buffer(message.body().data(), body_bytes), with(ec));
        }
        connection.phase = Phase::busy;

        if (ec) co_return false;
        if (response.reset_after_body_bytes) {
            reset(tcp);
            co_return false;
        }
        if (response.drop_after) {
            tcp.close();  // FIN without close_notify, like a server timing out an idle connection
            co_return false;
        }
        if (!keep_alive) {
            co_await close_gracefully(stream, connection);
            co_return false;
        }
        co_return true;
    }

    template <class Stream>
    asio::awaitable<void> close_gracefully(Stream& stream, Connection& connection) {
        beast::tcp_stream& tcp = connection.tcp;
        if (!stopping) {
            connection.phase = Phase::closing;
            tcp.expires_after(linger_timeout);
            error_code ec;
            if constexpr (is_tls<Stream>) {
                co_await stream.async_shutdown(with(ec));  // sends close_notify, waits for the client's
            } else {
                // Half-close, then discard whatever the client still sends until it hangs up.
                tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
                std::array<char, 4096> sink;
                while (!ec) co_await tcp.async_read_some(asio::buffer(sink), with(ec));
            }
        }
        tcp.close();
    }

    // Runs on the server thread.
    void begin_stop() {
        stopping = true;
        error_code ignored;
        if (acceptor) acceptor->close(ignored);
        for (Connection* connection : connections) connection->interrupt(false);
        if (!connections.empty()) asio::co_spawn(strand, close_after_grace(shared_from_this()), asio::detached);
    }

    // Polls rather than being cancelled by the last connection, so no timer outlives the state.
    asio::awaitable<void> close_after_grace(std::shared_ptr<ServerState> /*keeps the state alive*/) {
        asio::steady_timer tick(co_await asio::this_coro::executor);
        auto deadline = std::chrono::steady_clock::now() + stop_grace;
        while (!connections.empty() && std::chrono::steady_clock::now() < deadline) {
            tick.expires_after(std::chrono::milliseconds(10));
            error_code ignored;
            co_await tick.async_wait(with(ignored));
        }
        for (Connection* connection : connections) connection->interrupt(true);
    }
};

}  // namespace detail

HttpServer::HttpServer(ServerOptions options, Handler handler) {
    if (options.tls && (options.cert_pem.empty() || options.key_pem.empty()))
        throw std::invalid_argument("HttpServer: cert_pem and key_pem are required when tls is on");
    if (!handler) throw std::invalid_argument("HttpServer: handler is empty");
    state_ = std::make_shared<detail::ServerState>(std::move(options), std::move(handler));
}

HttpServer::~HttpServer() { stop(); }

namespace {

// Binds and listens on the state's strand's executor; the accept loop starts there.
void listen(detail::ServerState& s) {
    if (s.options.tls) {
        s.tls.emplace(ssl::context::tls_server);
        SSL_CTX_set_min_proto_version(s.tls->native_handle(), TLS1_2_VERSION);
        s.tls->use_certificate_chain(asio::buffer(s.options.cert_pem));
        s.tls->use_private_key(asio::buffer(s.options.key_pem), ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), s.options.port);
    s.acceptor.emplace(s.strand);
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(tcp::acceptor::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen();
    s.port = s.acceptor->local_endpoint().port();
    asio::co_spawn(s.strand, s.accept_loop(s.shared_from_this()), [](std::exception_ptr) {});
}

}  // namespace

void HttpServer::start() {
    auto& s = *state_;
    std::lock_guard lock(s.lifecycle);
    if (s.started) throw std::logic_error("HttpServer::start: already started");
    s.started = true;
    listen(s);
    s.thread = std::thread([&s] {
        for (;;) {
            try {
                s.own_context->run();
                return;
            } catch (...) {  // nothing should throw out of a handler, but a stray exception must not end the server
            }
        }
    });
}

void HttpServer::start(asio::any_io_executor executor) {
    auto& s = *state_;
    std::lock_guard lock(s.lifecycle);
    if (s.started) throw std::logic_error("HttpServer::start: already started");
    s.started = true;
    s.strand = asio::make_strand(std::move(executor));
    listen(s);
}

void HttpServer::stop() {
    auto& s = *state_;
    std::lock_guard lock(s.lifecycle);
    if (!s.started || s.stop_requested) return;
    if (s.thread.joinable() && s.thread.get_id() == std::this_thread::get_id())
        throw std::logic_error("HttpServer::stop called from the server thread");
    s.stop_requested = true;
    asio::post(s.strand, [state = state_] { state->begin_stop(); });
    if (s.thread.joinable()) s.thread.join();
}

std::uint16_t HttpServer::port() const { return state_->port; }

std::string HttpServer::url() const {
    return (state_->options.tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
}

std::uint64_t HttpServer::connections_accepted() const { return state_->accepted; }
std::uint64_t HttpServer::requests_handled() const { return state_->handled; }
std::uint64_t HttpServer::open_connections() const { return state_->open; }
std::size_t HttpServer::tls_handshake_failures() const { return state_->handshake_failures; }

}  // namespace k6::loopback
