// SPDX-License-Identifier: BSL-1.0
// ClientOptions: where the API is, how to authenticate, and the transport's limits.
#ifndef K6_SCHEDULES_OPTIONS_HPP
#define K6_SCHEDULES_OPTIONS_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/observer.hpp>
#include <k6/schedules/validation.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

/// @file
/// ClientOptions, RetryPolicy and CallOptions: where the API is, how to authenticate, and the
/// transport's limits.

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

// Collects every problem of a configuration, so the user fixes them in one go; `target` names
// the first setting in error.
class Problems {
public:
    void add(std::string_view setting, const std::string& what) {
        if (!text_.empty()) text_ += "; ";
        text_ += what;
        if (!first_) first_ = std::string(setting);
    }
    expected<void> result(std::string_view prefix) const {
        if (text_.empty()) return {};
        return invalid_argument(std::string(prefix) + text_, first_);
    }

private:
    std::string text_{};
    std::optional<std::string> first_{};
};

}  // namespace detail

/// How failed requests are sent again: retryable statuses (429, 500, 502, 503, 504) and connection
/// failures (ApiError::retryable()), up to max_retries times, waiting with exponential backoff and
/// full jitter, or as long as the server's Retry-After asks. A Retry-After longer than max_delay
/// ends the retries (the final error's retry_stopped says so) rather than send before the server
/// allows. Every operation of this API is idempotent. Valid when 0 <= initial_delay <= max_delay
/// and multiplier >= 1.
struct RetryPolicy {
    unsigned max_retries = 3;                      ///< Retries after the first attempt; 0: never retry.
    std::chrono::milliseconds initial_delay{200};  ///< The first backoff, before jitter.
    std::chrono::milliseconds max_delay{10'000};   ///< No single wait is longer.
    double multiplier = 2.0;                       ///< Backoff growth per retry.
    /// Full jitter: each wait is the backoff times jitter(), which returns a value in [0, 1].
    /// Empty: a per-thread pseudo-random generator. Inject a fixed function for repeatable tests.
    /// Called on the client's strand.
    std::function<double()> jitter{};
};

namespace detail {
inline bool retry_policy_valid(const RetryPolicy& retry) noexcept {
    return retry.initial_delay.count() >= 0 && retry.max_delay >= retry.initial_delay && retry.multiplier >= 1;
}
}  // namespace detail

/// Where the API is, how to authenticate, and the transport's limits: what BasicClient::create()
/// takes. Only #token and #stack_id (or #stack_url) have no usable default; from_env() fills them
/// from the environment. A client copies its options; changing them afterwards has no effect on it.
struct ClientOptions {
    /// The API origin, optionally with a path prefix. https:// always verifies the peer and its
    /// host name. http:// sends everything, the token included, unencrypted: it is accepted for
    /// this machine only (127.0.0.0/8, ::1, localhost: a local server such as the emulator),
    /// unless #allow_insecure_http says otherwise.
    std::string api_url = "https://api.k6.io";
    /// Accept an http:// #api_url on a host other than this machine. The token then crosses the
    /// network in the clear, readable by anyone on the path: only for a server you trust on a
    /// network you trust (a test server in a private network, a TLS-terminating sidecar).
    bool allow_insecure_http = false;
    /// Personal or Grafana Stack API token, sent as "Authorization: Bearer" to api_url's origin
    /// only. It never appears in messages or logs of this library.
    std::string token{};
    /// The Grafana stack the requests are scoped to (the X-Stack-Id header): a positive integer, or
    /// 0 when #stack_url is set, for the client to find it out (see #stack_url).
    std::int64_t stack_id = 0;
    /// The URL of the Grafana stack ("https://mystack.grafana.net"), for BasicClient::async_authenticate
    /// and to stand in for #stack_id. With #stack_id 0, the client resolves the id through
    /// `GET /cloud/v6/auth` (X-Stack-Url) before its first operation that needs it, keeps it for
    /// itself and its copies, and sends X-Stack-Id as usual from then on; a failed resolution fails
    /// that operation with the auth call's error, and the next operation tries again. With a
    /// positive #stack_id it is only kept. An absolute http(s) URL without spaces or control characters.
    std::optional<std::string> stack_url{};
    /// Extra PEM bundle of trusted CAs, added to the system's roots (verification stays on).
    std::optional<std::string> ca_file{};
    /// Your own TLS context instead of one per client with the system's roots (and ca_file): share one
    /// between clients, trust a private CA, pin certificates with a verify callback. Certificate
    /// and host-name verification, and TLS 1.2 or later, stay on for every connection whatever the
    /// context says (a higher minimum version of the context is kept). Exclusive
    /// with ca_file (load the CA into your context). The context must outlive its connections, which
    /// the shared_ptr sees to; configure it before the first request and leave it alone after.
    std::shared_ptr<boost::asio::ssl::context> tls_context{};

    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};  ///< Each of resolve, connect, TLS handshake.
    std::chrono::milliseconds io_timeout{std::chrono::seconds(30)};       ///< Each of send request, receive response.
    /// Larger 2xx response bodies fail with errc::body_too_large. Of an error answer's body, whatever
    /// its size, the first 64 KiB are read (for the server's error model) and the rest is left
    /// unread, with its connection closed: a huge error answer is its API error, never body_too_large.
    std::size_t max_body_bytes = 32u << 20;
    /// Kept-alive connections ready for reuse. As many as max_connections by default: fewer means a
    /// burst of requests ends by closing connections the next burst must open again.
    std::size_t max_idle_connections = 8;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(50)};  ///< Older idle connections are not reused.
    RetryPolicy retry;  ///< For every operation, and for each page of a listing.
    /// Optional bound on each attempt (connect, send, receive) as a whole. Unset: only the per-step
    /// timeouts above apply.
    std::optional<std::chrono::milliseconds> attempt_timeout{};
    /// Optional bound on the whole call, the waits between retries included; no retry starts that
    /// could not finish in time. Passing it while waiting for a connection fails with
    /// errc::queue_timeout. Unset: only the per-step timeouts above apply.
    std::optional<std::chrono::milliseconds> deadline{};

    /// Requests on the wire at once; more wait, in order, for a connection. Idle connections are
    /// reused; one idle longer than idle_timeout is closed instead, when next looked at or, with
    /// close_idle_in_background, by a timer.
    std::size_t max_connections = 8;
    /// Closes expired idle connections with a timer, which keeps the io_context busy (run() does not
    /// return) while any connection is idle. Off: they are closed when next looked at.
    bool close_idle_in_background = false;
    /// Resumes the last TLS session with the API host when a connection is opened (a session
    /// ticket the server sent), sparing a full handshake. Sessions are the client's own and only
    /// ever offered to the API host they were made with. Off: every connection does a full handshake.
    bool resume_tls_sessions = true;

    /// A proxy for https:// API URLs, reached with CONNECT: "http://user:pass@proxy:3128", or
    /// "https://proxy" for TLS to the proxy as well. Without a port, the scheme's (80 or 443).
    /// Unset: see #proxy_from_environment.
    std::optional<std::string> proxy{};
    /// When #proxy is unset, use HTTPS_PROXY or https_proxy, unless NO_PROXY/no_proxy lists the API
    /// host (loopback API hosts never use it). A variable this client cannot use (e.g. socks5://)
    /// fails each request with invalid_argument naming it.
    bool proxy_from_environment = true;

    /// Checks a CreateScheduleRequest before async_set_load_test_schedule sends it; a failure
    /// completes the operation with invalid_argument and nothing is sent. The default checks all
    /// the service checks except time-zone names (validate_structure, no tz database needed); set it
    /// to k6::schedules::validate from recurrence.hpp to check those too, or to nullptr to send
    /// every request as it is. Called by async_set_load_test_schedule itself, on the caller's
    /// thread. An exception it throws does not escape: the operation completes with
    /// ErrorKind::internal (errc::internal_error, the exception's what() in the message), nothing sent.
    std::function<expected<void>(const CreateScheduleRequest&)> request_validator = validate_structure;

    /// Called when each attempt of each call starts and ends (see AttemptObserver): for logs,
    /// metrics and trace-context headers. Unset: nothing is called.
    AttemptObserver observer{};
    /// Appended to the User-Agent header after a space ("k6-schedules-cpp/<version> <suffix>"), to
    /// name your application in the server's logs. Printable ASCII, at most 256 bytes.
    std::string user_agent_suffix{};

    /// Checks every setting: a usable #api_url (http:// only to this machine, unless
    /// #allow_insecure_http), a non-empty #token that can be sent in a header, a
    /// positive #stack_id (or 0 with a #stack_url), a #stack_url that can be sent, a non-empty #ca_file (not together with #tls_context), a usable #proxy,
    /// positive timeouts, limits and #retry, and a #user_agent_suffix that can be sent.
    /// BasicClient::create() calls it.
    /// @return Nothing, or one ErrorKind::invalid_argument error naming every problem at once (never
    /// a secret value), its `target` the first setting in error.
    expected<void> validate() const {
        detail::Problems problems;
        auto add = [&](std::string_view field, const std::string& what) { problems.add(field, what); };
        if (auto endpoint = detail::parse_endpoint(api_url); !endpoint)
            add("api_url", "api_url " + detail::quote_url(api_url) + " is not usable: " + endpoint.error());
        else if (!endpoint->tls && !allow_insecure_http && !detail::is_loopback_host(endpoint->host))
            add("api_url", "api_url " + detail::quote_url(api_url) +
                               " is plain http:// to a host that is not this machine: the API token would travel "
                               "unencrypted (use https://, or opt in with allow_insecure_http to send it anyway)");
        if (token.empty())
            add("token", "the API token is empty");
        else if (!detail::is_header_safe(token))
            add("token", "the API token contains characters that cannot be sent in a header");
        if (stack_id < 0 || (stack_id == 0 && !stack_url))
            add("stack_id", "the stack id must be a positive integer (or 0 with a stack_url to resolve it from)");
        if (stack_url) {
            if (auto problem = detail::stack_url_problem(*stack_url))
                add("stack_url", "stack_url " + detail::quote_url(*stack_url) + " is not usable: " + *problem);
        }
        if (ca_file && ca_file->empty()) add("ca_file", "ca_file is set but empty");
        if (ca_file && tls_context)
            add("ca_file", "ca_file and tls_context are exclusive: load the CA file into your context");
        if (proxy) {
            if (auto parsed = detail::parse_proxy(*proxy); !parsed)
                add("proxy", "proxy " + detail::quote_url(*proxy) + " is not usable: " + parsed.error());
        }
        if (connect_timeout.count() <= 0 || io_timeout.count() <= 0) add("timeout", "timeouts must be positive");
        if (max_body_bytes == 0) add("max_body_bytes", "max_body_bytes must be positive");
        if (max_connections == 0) add("max_connections", "max_connections must be at least 1");
        if ((attempt_timeout && attempt_timeout->count() <= 0) || (deadline && deadline->count() <= 0))
            add("timeout", "attempt_timeout and deadline must be positive when set");
        if (!detail::retry_policy_valid(retry))
            add("retry", "the retry policy needs 0 <= initial_delay <= max_delay and multiplier >= 1");
        if (user_agent_suffix.size() > 256 || !detail::is_header_safe(user_agent_suffix))
            add("user_agent_suffix", "user_agent_suffix must be printable ASCII of at most 256 bytes");
        return problems.result("invalid client options: ");
    }

    /// Reads K6_CLOUD_API_URL (default https://api.k6.io), K6_CLOUD_TOKEN, K6_CLOUD_STACK_ID,
    /// K6_CLOUD_STACK_URL and K6_CLOUD_CA_FILE; a variable set but empty counts as unset. One of
    /// K6_CLOUD_STACK_ID and K6_CLOUD_STACK_URL is needed: with only the URL, #stack_id stays 0 and
    /// the client resolves it (see #stack_url); with both, the id is used and the URL kept. The
    /// other members keep their defaults.
    /// @return The options, or one ErrorKind::invalid_argument error naming everything missing or
    /// malformed, its `target` the first variable in error.
    static expected<ClientOptions> from_env() {
        return from_env([](std::string_view name) -> std::optional<std::string> {
            const char* value = std::getenv(std::string(name).c_str());
            if (!value) return std::nullopt;
            return std::string(value);
        });
    }

    /// The same as from_env(), with an injectable lookup (tests, or settings from elsewhere).
    /// @param lookup Returns the value of the variable it is given, or std::nullopt when unset.
    static expected<ClientOptions> from_env(const std::function<std::optional<std::string>(std::string_view)>& lookup) {
        ClientOptions options;
        detail::Problems problems;
        auto add = [&](std::string_view variable, const std::string& what) { problems.add(variable, what); };
        auto get = [&](std::string_view name) -> std::optional<std::string> {
            auto value = lookup(name);
            if (value && value->empty()) return std::nullopt;  // set but empty counts as unset
            return value;
        };
        if (auto url = get("K6_CLOUD_API_URL")) {
            options.api_url = *url;
            if (auto endpoint = detail::parse_endpoint(*url); !endpoint)
                add("K6_CLOUD_API_URL",
                    "K6_CLOUD_API_URL=" + detail::quote_url(*url) + " is not usable: " + endpoint.error());
        }
        if (auto token = get("K6_CLOUD_TOKEN")) {
            options.token = *token;
            if (!detail::is_header_safe(*token))
                add("K6_CLOUD_TOKEN", "K6_CLOUD_TOKEN contains characters that cannot be sent in a header");
        } else {
            add("K6_CLOUD_TOKEN", "K6_CLOUD_TOKEN is not set (a k6 Personal or Grafana Stack API token)");
        }
        const auto stack_url = get("K6_CLOUD_STACK_URL");
        if (auto stack = get("K6_CLOUD_STACK_ID")) {
            std::int64_t id = 0;
            const auto [end, ec] = std::from_chars(stack->data(), stack->data() + stack->size(), id);
            if (ec != std::errc{} || end != stack->data() + stack->size() || id <= 0)
                add("K6_CLOUD_STACK_ID",
                    "K6_CLOUD_STACK_ID must be a positive integer, got " + detail::quote_for_message(*stack));
            else
                options.stack_id = id;
        } else if (!stack_url) {
            add("K6_CLOUD_STACK_ID",
                "K6_CLOUD_STACK_ID is not set (the numeric id of your Grafana stack; or set K6_CLOUD_STACK_URL, "
                "its URL, for the client to find the id)");
        }
        if (stack_url) {
            options.stack_url = *stack_url;
            if (auto problem = detail::stack_url_problem(*stack_url))
                add("K6_CLOUD_STACK_URL",
                    "K6_CLOUD_STACK_URL=" + detail::quote_url(*stack_url) + " is not usable: " + *problem);
        }
        if (auto ca = get("K6_CLOUD_CA_FILE")) options.ca_file = *ca;
        if (auto valid = problems.result(""); !valid) return std::unexpected(std::move(valid.error()));
        return options;
    }
};

/// Per-call settings: BasicClient::with(CallOptions) gives a handle, sharing the same connections,
/// whose operations use these instead of the ClientOptions values (unset members keep them).
struct CallOptions {
    std::optional<RetryPolicy> retry{};                          ///< Replaces ClientOptions::retry.
    std::optional<std::chrono::milliseconds> attempt_timeout{};  ///< Replaces ClientOptions::attempt_timeout.
    std::optional<std::chrono::milliseconds> deadline{};         ///< Replaces ClientOptions::deadline.
    /// Replaces ClientOptions::observer for the handle's calls (an empty AttemptObserver turns it off).
    std::optional<AttemptObserver> observer{};

    /// The same rules as ClientOptions::validate() for these members. A handle made with invalid
    /// CallOptions completes every operation with this error and sends nothing.
    /// @return Nothing, or one ErrorKind::invalid_argument error naming every problem.
    expected<void> validate() const {
        detail::Problems problems;
        if ((attempt_timeout && attempt_timeout->count() <= 0) || (deadline && deadline->count() <= 0))
            problems.add("timeout", "attempt_timeout and deadline must be positive when set");
        if (retry && !detail::retry_policy_valid(*retry))
            problems.add("retry", "the retry policy needs 0 <= initial_delay <= max_delay and multiplier >= 1");
        return problems.result("invalid call options: ");
    }
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_OPTIONS_HPP
