// SPDX-License-Identifier: BSL-1.0
// ApiError: the one error type of every operation, and expected<T> = std::expected<T, ApiError>.
#ifndef K6_SCHEDULES_ERROR_HPP
#define K6_SCHEDULES_ERROR_HPP

#include <k6/schedules/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <expected>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/// @file
/// ApiError, the one error type of every operation; expected; ErrorKind and errc.

K6_SCHEDULES_BEGIN_NAMESPACE

/// What went wrong, coarsely (ApiError::kind); the command-line tool maps it to its exit code.
enum class ErrorKind {
    api,                 ///< The API answered with an error status (4xx/5xx).
    invalid_argument,    ///< Rejected before anything was sent.
    transport,           ///< Resolve, connect, read or write failed.
    tls,                 ///< TLS handshake or certificate verification failed.
    timeout,             ///< A step took longer than its timeout.
    malformed_response,  ///< The server's answer is not what the API specifies.
    cancelled,           ///< The operation was cancelled by the caller (or by BasicClient::cancel_all() or close()).
    internal,            ///< The client itself failed (an exception such as std::bad_alloc): a bug or exhaustion.
};

/// The name of @p kind as written in messages: "api", "invalid_argument", ...
constexpr std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::api: return "api";
        case ErrorKind::invalid_argument: return "invalid_argument";
        case ErrorKind::transport: return "transport";
        case ErrorKind::tls: return "tls";
        case ErrorKind::timeout: return "timeout";
        case ErrorKind::malformed_response: return "malformed_response";
        case ErrorKind::cancelled: return "cancelled";
        case ErrorKind::internal: return "internal";
    }
    return "unknown";
}

/// Error codes of this library (category "k6.schedules", ApiError::ec). Transport and TLS failures
/// keep the underlying Asio/OpenSSL code instead, so callers can compare with e.g.
/// boost::asio::error::connection_refused. Usable as a boost::system::error_code.
enum class errc {
    // Answers from the server, one per HTTP status the API documents or a proxy may send.
    bad_request = 1,        ///< HTTP 400.
    unauthorized,           ///< HTTP 401: the token is missing, wrong or expired.
    forbidden,              ///< HTTP 403, such as a token without access to the stack.
    not_found,              ///< HTTP 404.
    conflict,               ///< HTTP 409, such as activating a schedule that has no future run.
    payload_too_large,      ///< HTTP 413.
    too_many_requests,      ///< HTTP 429 (retryable).
    internal_server_error,  ///< HTTP 500 (retryable).
    bad_gateway,            ///< HTTP 502 (retryable).
    service_unavailable,    ///< HTTP 503 (retryable).
    gateway_timeout,        ///< HTTP 504 (retryable).
    unexpected_status,      ///< Any other non-2xx status, redirects included (never followed); also a proxy refusing CONNECT.
    // Failures detected by the client.
    invalid_argument,    ///< A caller-supplied value is out of range or inconsistent.
    malformed_response,  ///< The body is not valid JSON or does not match the API schema.
    body_too_large,      ///< A 2xx response body is over ClientOptions::max_body_bytes.
    bad_next_link,       ///< An "@nextLink" that points away from the API origin or repeats itself.
    timeout,             ///< A step did not complete in time.
    cancelled,           ///< Cancelled through the completion handler's cancellation slot, cancel_all() or close().
    queue_timeout,       ///< The call's deadline passed while it waited for a free connection (nothing was sent).
    proxy_error,         ///< The proxy broke the CONNECT protocol, such as sending bytes before the TLS handshake.
    internal_error,      ///< The client failed inside (an exception); see ErrorKind::internal.
};

namespace detail {

class ErrorCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "k6.schedules"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::bad_request: return "bad request";
            case errc::unauthorized: return "unauthorized";
            case errc::forbidden: return "forbidden";
            case errc::not_found: return "not found";
            case errc::conflict: return "conflict";
            case errc::payload_too_large: return "payload too large";
            case errc::too_many_requests: return "too many requests";
            case errc::internal_server_error: return "internal server error";
            case errc::bad_gateway: return "bad gateway";
            case errc::service_unavailable: return "service unavailable";
            case errc::gateway_timeout: return "gateway timeout";
            case errc::unexpected_status: return "unexpected HTTP status";
            case errc::invalid_argument: return "invalid argument";
            case errc::malformed_response: return "malformed response";
            case errc::body_too_large: return "response body too large";
            case errc::bad_next_link: return "refused @nextLink";
            case errc::timeout: return "timed out";
            case errc::cancelled: return "cancelled";
            case errc::queue_timeout: return "timed out waiting for a free connection";
            case errc::proxy_error: return "the proxy broke the CONNECT protocol";
            case errc::internal_error: return "internal error";
        }
        return "unknown k6.schedules error";
    }
};

}  // namespace detail

/// The error category of errc, named "k6.schedules"; its messages are short ("not found").
inline const boost::system::error_category& error_category() noexcept {
    static const detail::ErrorCategory category;
    return category;
}

/// @p e as a boost::system::error_code of error_category() (found by argument-dependent lookup).
inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// How the library treats an HTTP status: its errc and whether the request may be retried.
struct StatusClass {
    errc code;       ///< The status's code; errc::unexpected_status for a status the API does not document.
    bool retryable;  ///< True for 429, 500, 502, 503 and 504.
};

/// The single table from HTTP status to errc and retryability: 400, 401, 403, 404, 409 and 413 to
/// their own codes, not retryable; 429, 500, 502, 503 and 504 to theirs, retryable; anything else to
/// errc::unexpected_status, not retryable.
constexpr StatusClass classify_status(unsigned status) noexcept {
    switch (status) {
        case 400: return {errc::bad_request, false};
        case 401: return {errc::unauthorized, false};
        case 403: return {errc::forbidden, false};
        case 404: return {errc::not_found, false};
        case 409: return {errc::conflict, false};
        case 413: return {errc::payload_too_large, false};
        case 429: return {errc::too_many_requests, true};
        case 500: return {errc::internal_server_error, true};
        case 502: return {errc::bad_gateway, true};
        case 503: return {errc::service_unavailable, true};
        case 504: return {errc::gateway_timeout, true};
        default: return {errc::unexpected_status, false};
    }
}

/// One item of ErrorApiModel.details (schema ErrorDetailsApiModel).
struct ErrorDetails {
    std::string code{};                   ///< A machine-readable code.
    std::string message{};                ///< A human-readable description.
    std::optional<std::string> target{};  ///< The field it is about, when the server says.

    /// Member-wise equality.
    friend bool operator==(const ErrorDetails&, const ErrorDetails&) = default;
};

/// Schema ErrorApiModel: the object inside every error answer's body, {"error": ErrorApiModel}.
/// Its members reach the caller through ApiError.
struct ErrorBody {
    std::string code{};                   ///< A machine-readable code ("not_found", "validation_error", ...).
    std::string message{};                ///< A human-readable description.
    std::optional<std::string> target{};  ///< The field in error, when the server says.
    std::vector<ErrorDetails> details{};  ///< More errors; an absent or null "details" is empty.

    /// Member-wise equality.
    friend bool operator==(const ErrorBody&, const ErrorBody&) = default;
};

/// Why an operation has no value: the error of every expected. Never thrown by the library.
///
/// Everything in it that a server (or a proxy) wrote is masked first (the token never appears,
/// replaced by "[redacted]"), then bounded (1 KiB per field) and kept printable on one line.
struct ApiError {
    ErrorKind kind = ErrorKind::api;                    ///< What went wrong, coarsely.
    boost::system::error_code ec{};                     ///< An errc, or the Asio/OpenSSL code of a transport/TLS failure.
    unsigned status = 0;                                ///< The HTTP status, 0 when no response was received.
    std::string code{};                                 ///< The server's error.code ("" when it sent none).
    std::string message{};                              ///< The server's error.message, or what the client saw.
    std::optional<std::string> target{};                ///< The server's error.target, or the field (or setting) in error.
    std::vector<ErrorDetails> details{};                ///< The server's error.details (at most 32).
    std::optional<std::chrono::seconds> retry_after{};  ///< The Retry-After hint of the answer.
    unsigned attempts = 0;                              ///< Tries made, connecting included (0: refused before any).
    std::string retry_stopped{};                        ///< When retrying was in question: why it stopped ("retries exhausted", ...).

    /// One line: "HTTP 404 not_found: Schedule not found (target: id)" for API answers (kind api),
    /// "<kind>: <message> (target: <t>)" for everything else; when more than one attempt was made
    /// and retrying stopped, " (after 4 attempts: retries exhausted)" follows.
    std::string to_string() const {
        std::string out{};
        if (kind == ErrorKind::api) {
            out = "HTTP " + std::to_string(status);
            if (!code.empty()) out += " " + code;
        } else {
            out = std::string(k6::schedules::to_string(kind));
        }
        out += ": ";
        out += message;
        if (target && !target->empty()) out += " (target: " + *target + ")";
        if (attempts > 1 && !retry_stopped.empty())
            out += " (after " + std::to_string(attempts) + " attempts: " + retry_stopped + ")";
        return out;
    }

    /// Worth sending again: a retryable status (429, 500, 502, 503, 504), or a failure of the
    /// connection (transport, timeout) rather than of trust (tls) or of the data. What the retry
    /// policy (RetryPolicy) goes by.
    bool retryable() const noexcept {
        if (status != 0) return kind == ErrorKind::api && classify_status(status).retryable;
        return kind == ErrorKind::transport || kind == ErrorKind::timeout;
    }

    /// Writes to_string().
    friend std::ostream& operator<<(std::ostream& os, const ApiError& e) { return os << e.to_string(); }
};

/// The result of every operation: a value, or the reason there is none. Never thrown.
/// @tparam T The value; `void` for operations that return nothing.
template <class T>
using expected = std::expected<T, ApiError>;

namespace detail {

inline std::unexpected<ApiError> fail(ErrorKind kind, errc code, std::string message,
                                      std::optional<std::string> target = std::nullopt) {
    ApiError e;
    e.kind = kind;
    e.ec = make_error_code(code);
    e.message = std::move(message);
    e.target = std::move(target);
    return std::unexpected(std::move(e));
}

inline std::unexpected<ApiError> invalid_argument(std::string message,
                                                  std::optional<std::string> target = std::nullopt) {
    return fail(ErrorKind::invalid_argument, errc::invalid_argument, std::move(message), std::move(target));
}

}  // namespace detail

K6_SCHEDULES_END_NAMESPACE

// Makes k6::schedules::errc convertible to boost::system::error_code (said in errc's documentation:
// Doxygen cannot place a specialization in a namespace it has not seen).
/// @cond
template <>
struct boost::system::is_error_code_enum<k6::schedules::errc> : std::true_type {};
/// @endcond

#endif  // K6_SCHEDULES_ERROR_HPP
