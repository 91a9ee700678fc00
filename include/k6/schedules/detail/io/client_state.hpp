// SPDX-License-Identifier: BSL-1.0
// What every operation of a Client shares: validated options, the parsed endpoint, the TLS
// context, the idle connections, and the strand that serialises access to them.
#ifndef K6_SCHEDULES_DETAIL_IO_CLIENT_STATE_HPP
#define K6_SCHEDULES_DETAIL_IO_CLIENT_STATE_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/io/connection.hpp>
#include <k6/schedules/detail/io/connection_pool.hpp>
#include <k6/schedules/detail/call_settings.hpp>
#include <k6/schedules/detail/io/connection_slots.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>
#include <k6/schedules/detail/io/proxy_authorization.hpp>
#include <k6/schedules/detail/request_builder.hpp>
#include <k6/schedules/detail/response_parser.hpp>
#include <k6/schedules/detail/saturating_time.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/redactor.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// True when `dir` is an OpenSSL hashed certificate directory (names like "3513523f.0").
inline bool has_hashed_certificates(const std::string& dir) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() == 10 && name.compare(8, 2, ".0") == 0 && name.find_first_not_of("0123456789abcdef") == 8)
            return true;
    }
    return false;
}

// The system's trusted roots, from OpenSSL's default locations (SSL_CERT_DIR/SSL_CERT_FILE honoured).
// A hashed directory is searched lazily, one issuer at a time; the bundle file would be parsed whole,
// about 30 ms per client, so it is used only when there is no such directory or SSL_CERT_FILE names it.
inline void load_system_roots(SSL_CTX* context) {
    const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
    const char* file_env = std::getenv(X509_get_default_cert_file_env());
    const std::string dir = dir_env ? dir_env : X509_get_default_cert_dir();
    const std::string file = file_env ? file_env : X509_get_default_cert_file();
    const bool dir_usable = dir.find(':') != std::string::npos || has_hashed_certificates(dir);
    if (dir_usable) SSL_CTX_load_verify_locations(context, nullptr, dir.c_str());
    if (file_env || !dir_usable) SSL_CTX_load_verify_locations(context, file.c_str(), nullptr);
    ERR_clear_error();  // a missing default location is not an error
}

// The client's own TLS context: the system's roots plus ClientOptions::ca_file, peer verification on.
inline expected<std::shared_ptr<ssl::context>> make_tls_context(const ClientOptions& options) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_verify_mode(ssl::verify_peer);
    load_system_roots(context->native_handle());  // an extra CA file adds to them
    boost::system::error_code ec;
    if (options.ca_file) {
        context->load_verify_file(*options.ca_file, ec);
        if (ec)
            return invalid_argument(
                "cannot load the CA file " + quote_for_message(*options.ca_file, 200) + ": " + ec.message(), "ca_file");
    }
    return context;
}

// The strand every operation of a client runs on, type-erased. Over an io_context's own executor
// (the common case) it is a strand of that concrete type, which fits in any_io_executor's small
// buffer: every co_await copies and re-targets the coroutine's executor for work tracking, and a
// strand over an any_io_executor does not fit, so each of those copies was a heap allocation
// (29 of the 61 operator new calls of a get, measured with heaptrack on k6s-bench).
// A template (of the executor) so that only a translation unit that makes a client compiles it.
template <class Executor = asio::any_io_executor>
asio::any_io_executor make_client_strand(const Executor& executor) {
    if (const auto* io = executor.template target<asio::io_context::executor_type>()) return asio::make_strand(*io);
    return asio::make_strand(executor);
}

// The secrets a client masks in everything it says: the token, and a proxy's password and the
// credentials it is sent (a proxy may echo its Proxy-Authorization).
inline Redactor redactor_for(const ClientOptions& options, const std::optional<Proxy>& proxy) {
    std::vector<std::string_view> secrets{options.token};
    std::string basic;
    if (proxy) {
        secrets.push_back(proxy->password);
        basic = basic_credentials(*proxy);
        secrets.push_back(basic);
    }
    return Redactor(secrets);  // copies them
}

// The single-flight resolution of a client's stack id (see ensure_stack_id in call.hpp).
struct StackIdResolution {
    struct Waiter {
        explicit Waiter(const asio::any_io_executor& strand) : spot(strand) {}
        ParkingSpot spot;
        std::optional<ApiError> failure;  // the leader's error, when its resolution failed
    };
    // The flight of the operation that resolves: when it ends, by a result or an exception, the
    // waiters are woken, with the failure to share when there is one (a cancelled leader shares
    // none: a waiter then resolves in its place).
    struct Lead {
        explicit Lead(StackIdResolution& resolution) : resolution_(resolution) { resolution_.in_flight = true; }
        Lead(const Lead&) = delete;
        Lead& operator=(const Lead&) = delete;
        ~Lead() {
            resolution_.in_flight = false;
            for (const auto& waiter : std::exchange(resolution_.waiters, {})) {
                if (failure) waiter->failure = failure;
                waiter->spot.wake();
            }
        }
        std::optional<ApiError> failure;

    private:
        StackIdResolution& resolution_;
    };

    bool in_flight = false;
    std::vector<std::shared_ptr<Waiter>> waiters;
};

struct ClientState : std::enable_shared_from_this<ClientState> {
    // Validates the options, loads the TLS context and picks the proxy; never throws for bad input.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    static expected<std::shared_ptr<ClientState>> create(const asio::any_io_executor& executor, ClientOptions options) {
        if (auto valid = options.validate(); !valid) return std::unexpected(std::move(valid.error()));
        auto endpoint = *parse_endpoint(options.api_url);
        std::shared_ptr<ssl::context> tls_context = options.tls_context;
        if (endpoint.tls && !tls_context) {
            auto made = make_tls_context(options);
            if (!made) return std::unexpected(std::move(made.error()));
            tls_context = std::move(*made);
        }
        auto proxy = select_proxy(endpoint, options.proxy, options.proxy_from_environment, getenv_string);
        return std::make_shared<ClientState>(executor, std::move(options), std::move(endpoint), std::move(tls_context),
                                             std::move(proxy));
    }

    template <class = void>
    ClientState(const asio::any_io_executor& client_executor, ClientOptions client_options, Endpoint api,
                std::shared_ptr<ssl::context> tls, ProxyChoice proxy_choice)
        : executor(client_executor),
          strand(make_client_strand(client_executor)),
          options(std::move(client_options)),
          endpoint(std::move(api)),
          tls_context(std::move(tls)),
          proxy(std::move(proxy_choice.proxy)),
          proxy_error(std::move(proxy_choice.unusable)),
          slots(strand, options.max_connections),
          redactor(redactor_for(options, proxy)),
          authorization("Bearer " + options.token),
          stack_id(options.stack_id > 0 ? std::to_string(options.stack_id) : std::string()),
          agent(options.user_agent_suffix.empty() ? std::string(user_agent)
                                                  : concat({user_agent, " ", options.user_agent_suffix})) {}

    asio::any_io_executor executor;  // the one the Client was given: handlers without their own run there
    asio::any_io_executor strand;  // make_client_strand(executor)
    ClientOptions options;
    Endpoint endpoint;
    std::shared_ptr<ssl::context> tls_context;  // https:// only; the user's, or our own
    std::optional<Proxy> proxy;                 // connections go through it with CONNECT
    std::optional<ApiError> proxy_error;        // the environment names a proxy that cannot be used
    ConnectionSlots slots;
    ConnectionPool pool;
    TlsSessionCache tls_sessions;  // with the API host (ClientOptions::resume_tls_sessions)
    Redactor redactor;  // every error and observer event of the client is sealed with it
    std::string authorization;
    // X-Stack-Id's value. Empty until resolved when the options gave only a stack URL: written once,
    // on the strand, by the first resolution that succeeds (see resolve_stack_id in call.hpp).
    std::string stack_id;
    std::string agent;  // the User-Agent: the library's, then ClientOptions::user_agent_suffix
    StackIdResolution resolution;  // with only a stack URL, until the id is known
    std::optional<asio::steady_timer> idle_sweep;  // with close_idle_in_background, while connections are idle
    std::unordered_set<OperationRecord*> running;  // operations in flight, for cancel_all()
    // close() or async_close() was called: no new operation starts, and the pager hands out no
    // buffered schedule. Set from any thread, read on the strand and by Pager::async_next.
    std::atomic<bool> closed{false};
    // Operations (and read-ahead pages) whose handler has not run yet: async_close() waits for 0.
    // Counted from any thread: an operation starts in its caller's, its handler ends in its own.
    std::atomic<std::size_t> outstanding{0};
    std::vector<std::shared_ptr<ParkingSpot>> quiet_waiters;  // async_close() calls waiting for 0

    // Returns a kept-alive connection to the pool, and (when asked to) makes sure a timer will
    // close it once it has been idle for idle_timeout.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    void keep(std::unique_ptr<Connection> connection) {
        if (closed.load(std::memory_order_relaxed)) return;
        connection->timer.park();
        pool.put(std::move(connection), ConnectionPool::clock::now(), options.max_idle_connections);
        if (options.close_idle_in_background && !idle_sweep && pool.size() > 0)
            schedule_sweep(later(ConnectionPool::clock::now(), options.idle_timeout));
    }

    template <class = void>
    void schedule_sweep(ConnectionPool::clock::time_point when) {
        idle_sweep.emplace(strand, when);
        // A weak reference: the timer must not keep a client nobody uses alive.
        idle_sweep->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self) return;
            self->idle_sweep.reset();
            if (auto next = self->pool.close_expired(ConnectionPool::clock::now(), self->options.idle_timeout))
                self->schedule_sweep(*next);
        });
    }

    void close_idle() {
        pool.clear();
        idle_sweep.reset();  // cancels the timer
    }

    // Cancels every operation in flight (waiting for a connection, connecting, exchanging or
    // waiting to retry) and closes the idle connections. On the strand.
    void cancel_all() {
        const std::vector<OperationRecord*> now(running.begin(), running.end());
        for (OperationRecord* record : now) record->signal.emit(asio::cancellation_type::terminal);
        close_idle();
    }

    // The last outstanding operation has ended: wakes the async_close() calls. On the strand.
    void wake_quiet_waiters() {
        for (const auto& spot : quiet_waiters) spot->wake();
    }
};

struct Performed {
    HttpResponse response;
    unsigned exchanges = 0;  // requests written on connections, counting a resend after a stale one
};

// Sends one request to the API and returns its response, whatever the status. The caller holds a
// connection slot. A kept-alive connection the server closed meanwhile fails before any response
// byte; the request then goes again on another connection (every operation of this API is
// idempotent), and `progress` notes when the lost copy may have reached the server.
// A template only so that translation units that never send a request do not compile it.
template <class State = ClientState>
asio::awaitable<expected<Performed>> perform(State& state, std::string_view request, const AttemptLimit& limit,
                                             AttemptProgress& progress) {
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    unsigned exchanges = 0;
    for (;;) {
        auto connection = state.pool.take(ConnectionPool::clock::now(), state.options.idle_timeout);
        const bool reused = connection != nullptr;
        if (!connection) {
            auto opened = co_await open_connection(state.tls_context.get(), state.endpoint, state.options, state.proxy,
                                                   limit, state.options.resume_tls_sessions ? &state.tls_sessions : nullptr);
            if (!opened) {
                opened.error().attempts = exchanges;
                co_return std::unexpected(std::move(opened.error()));
            }
            connection = std::move(*opened);
        }
        ++exchanges;
        std::expected<Exchanged, ExchangeFailure> exchanged =
            co_await exchange_on(*connection, request, state.endpoint, state.options, limit, progress);
        if (!exchanged) {
            auto& failure = exchanged.error();
            const bool stale = reused && failure.nothing_received && !was_cancelled(cancel_state) &&
                               (failure.error.kind == ErrorKind::transport || failure.error.kind == ErrorKind::tls);
            if (stale) {  // bounded: each retry consumes an idle connection or opens a fresh one
                // A server that died after handling the request looks the same as one that had
                // closed the connection: if the copy was written in full, it may have been applied.
                if (progress.awaiting_answer) progress.copy_lost = true;
                progress.awaiting_answer = false;
                continue;
            }
            failure.error.attempts = exchanges;
            co_return std::unexpected(std::move(failure.error));
        }
        // The first answer on a connection: a TLS 1.3 ticket has arrived by now.
        if (state.options.resume_tls_sessions && !connection->session_kept && connection->api_tls()) {
            state.tls_sessions.keep(connection->api_tls());
            connection->session_kept = true;
        }
        if (exchanged->reusable) state.keep(std::move(connection));
        co_return Performed{std::move(exchanged->response), exchanges};
    }
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CLIENT_STATE_HPP
