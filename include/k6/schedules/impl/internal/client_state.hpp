// What every operation of a Client shares: validated options, the parsed endpoint, the TLS
// context, the idle connections, and the strand that serialises access to them.
#ifndef K6_SCHEDULES_IMPL_INTERNAL_CLIENT_STATE_HPP
#define K6_SCHEDULES_IMPL_INTERNAL_CLIENT_STATE_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/impl/internal/connection.hpp>
#include <k6/schedules/impl/internal/connection_pool.hpp>
#include <k6/schedules/impl/internal/connection_slots.hpp>
#include <k6/schedules/impl/internal/request_builder.hpp>
#include <k6/schedules/impl/internal/response_parser.hpp>
#include <k6/schedules/options.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

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

inline ssl::context make_tls_context(const ClientOptions& options) {
    ssl::context context(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_verify_mode(ssl::verify_peer);
    load_system_roots(context.native_handle());  // an extra CA file adds to them
    boost::system::error_code ec;
    if (options.ca_file) {
        context.load_verify_file(*options.ca_file, ec);
        if (ec)
            throw std::invalid_argument("cannot load the CA file " + quote_for_message(*options.ca_file, 200) + ": " +
                                        ec.message());
    }
    return context;
}

// What one call runs with: the client's settings, with a handle's CallOptions applied.
struct CallSettings {
    RetryPolicy retry;
    std::optional<std::chrono::milliseconds> attempt_timeout;
    std::optional<std::chrono::milliseconds> deadline;

    static CallSettings from(const ClientOptions& options, const CallOptions& overrides = {}) {
        return {overrides.retry.value_or(options.retry),
                overrides.attempt_timeout ? overrides.attempt_timeout : options.attempt_timeout,
                overrides.deadline ? overrides.deadline : options.deadline};
    }
};

struct ClientState : std::enable_shared_from_this<ClientState> {
    ClientState(const asio::any_io_executor& executor, ClientOptions client_options)
        : strand(asio::make_strand(executor)),
          options(std::move(client_options)),
          slots(strand, options.max_connections) {
        if (auto valid = options.validate(); !valid) throw std::invalid_argument(valid.error().message);
        endpoint = *parse_endpoint(options.api_url);
        if (endpoint.tls) tls_context.emplace(make_tls_context(options));
        auto selected = select_proxy(endpoint, options.proxy, options.proxy_from_environment, getenv_string);
        if (!selected) throw std::invalid_argument("invalid client options: " + selected.error());
        proxy = std::move(*selected);
        authorization = "Bearer " + options.token;
        stack_id = std::to_string(options.stack_id);
    }

    asio::strand<asio::any_io_executor> strand;
    ClientOptions options;
    Endpoint endpoint;
    std::optional<ssl::context> tls_context;
    std::optional<Proxy> proxy;  // connections go through it with CONNECT
    ConnectionSlots slots;
    ConnectionPool pool;
    std::string authorization;
    std::string stack_id;
    std::optional<asio::steady_timer> idle_sweep;  // with close_idle_in_background, while connections are idle

    // Returns a kept-alive connection to the pool, and (when asked to) makes sure a timer will
    // close it once it has been idle for idle_timeout.
    void keep(std::unique_ptr<Connection> connection) {
        pool.put(std::move(connection), ConnectionPool::clock::now(), options.max_idle_connections);
        if (options.close_idle_in_background && !idle_sweep && pool.size() > 0)
            schedule_sweep(ConnectionPool::clock::now() + options.idle_timeout);
    }

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
};

struct Performed {
    HttpResponse response;
    unsigned attempts = 0;
    // The request went again after a kept-alive connection failed without an answer. A server that
    // died after handling it looks the same as one that had closed the connection, so the first
    // copy may have been applied.
    bool resent = false;
};

// Sends one request to the API and returns its response, whatever the status. A kept-alive
// connection the server closed meanwhile fails before any response byte; the request then goes
// again on another connection (every operation of this API is idempotent, design §4).
// A template only so that translation units that never send a request do not compile it.
template <class State = ClientState>
asio::awaitable<expected<Performed>> perform(State& state, const RequestSpec& spec) {
    // A slot first: at most max_connections requests are on the wire; the rest wait in order.
    if (!state.slots.try_acquire()) {
        auto [slot_ec] = co_await state.slots.async_wait(use_tuple);
        if (slot_ec) {
            ApiError e;
            e.kind = ErrorKind::cancelled;
            e.ec = make_error_code(errc::cancelled);
            e.message = "cancelled while waiting for a free connection to " + state.endpoint.host_header;
            co_return std::unexpected(std::move(e));
        }
    }
    const SlotGuard slot(state.slots);
    const auto request = build_http_request(state.endpoint, state.authorization, state.stack_id, spec);
    ssl::context* tls_context = state.tls_context ? &*state.tls_context : nullptr;
    unsigned attempts = 0;
    for (;;) {
        auto connection = state.pool.take(ConnectionPool::clock::now(), state.options.idle_timeout);
        const bool reused = connection != nullptr;
        if (!connection) {
            auto opened = co_await open_connection(tls_context, state.endpoint, state.options, state.proxy);
            if (!opened) {
                opened.error().attempts = attempts;
                co_return std::unexpected(std::move(opened.error()));
            }
            connection = std::move(*opened);
        }
        ++attempts;
        // Not a ?: with a co_await in each arm: GCC 12 destroys such a temporary twice.
        std::expected<Exchanged, ExchangeFailure> exchanged;
        if (auto* tls = connection->tls())
            exchanged = co_await exchange_on(*tls, *connection, request, state.endpoint, state.options);
        else
            exchanged = co_await exchange_on(connection->plain(), *connection, request, state.endpoint, state.options);
        if (!exchanged) {
            auto& failure = exchanged.error();
            const bool stale = reused && failure.nothing_received &&
                               (failure.error.kind == ErrorKind::transport || failure.error.kind == ErrorKind::tls);
            if (stale) continue;  // bounded: each retry consumes an idle connection or opens a fresh one
            failure.error.attempts = attempts;
            co_return std::unexpected(std::move(failure.error));
        }
        if (exchanged->reusable) state.keep(std::move(connection));
        co_return Performed{std::move(exchanged->response), attempts, attempts > 1};
    }
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_IMPL_INTERNAL_CLIENT_STATE_HPP
