// SPDX-License-Identifier: BSL-1.0
// Observability: a hook called when each attempt of a call starts and ends, for logs, metrics and
// trace-context propagation, with no dependency on any logging or tracing library.
#ifndef K6_SCHEDULES_OBSERVER_HPP
#define K6_SCHEDULES_OBSERVER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// @file
/// AttemptObserver, AttemptStart, AttemptEnd and RequestHeader: a hook on each attempt of each
/// call, for logs, metrics and trace context, with nothing secret in what it sees.

K6_SCHEDULES_BEGIN_NAMESPACE

/// A header that an AttemptObserver adds to one attempt's request, e.g. W3C `traceparent`.
struct RequestHeader {
    std::string name;   ///< an HTTP field name (letters, digits and ``!#$%&'*+-.^_`|~``)
    std::string value;  ///< printable ASCII, spaces and tabs; no line breaks
};

/// The request headers an AttemptObserver may not add, in lower case (field names are
/// case-insensitive): those the client sets itself (Host, Authorization, X-Stack-Id or, for
/// BasicClient::async_authenticate, X-Stack-Url, Accept, User-Agent, Content-Type,
/// Content-Length), Proxy-Authorization, and those that would change how the message is framed or
/// the connection used (RFC 9110, RFC 9112).
inline constexpr std::string_view reserved_request_headers[] = {
    "host",       "authorization", "proxy-authorization", "x-stack-id",        "x-stack-url",     "accept",
    "user-agent", "content-type",  "content-length",      "transfer-encoding", "connection",      "te",
    "upgrade",    "expect",        "keep-alive",          "trailer",           "proxy-connection"};

/// What an attempt is about to send, as AttemptObserver::on_start sees it. Holds no secret: the
/// token, the `Authorization` header and a proxy's credentials are never part of it.
struct AttemptStart {
    std::string_view operation;  ///< the operation, e.g. "get_schedule", "list_schedules" (one per page)
    std::string_view method;     ///< "GET", "POST" or "DELETE"
    /// The request target, path and query, as sent, with the client's secrets masked: a query
    /// chosen by the server (an "@nextLink") may hold anything.
    std::string_view target;
    unsigned attempt = 1;        ///< 1 for the call's first attempt, 2 for its first retry, ...
    /// Headers to add to this attempt's request, sent as given. A name of
    /// #reserved_request_headers, in any case, or a malformed name or value ends the call with
    /// ErrorKind::invalid_argument, sending nothing.
    std::vector<RequestHeader> headers{};
};

/// How an attempt ended, as AttemptObserver::on_end sees it.
struct AttemptEnd {
    std::string_view operation;  ///< as in AttemptStart
    std::string_view method;     ///< as in AttemptStart
    std::string_view target;     ///< as in AttemptStart
    unsigned attempt = 1;        ///< as in AttemptStart
    /// The HTTP status of the answer; 0 when none came (a connection failure, a timeout, a
    /// cancellation).
    unsigned status = 0;
    /// Why the attempt failed (a non-2xx answer included), with the same secret-free message the
    /// call would complete with; null when it succeeded. Valid during the call to on_end only.
    const ApiError* error = nullptr;
    std::size_t bytes_received = 0;      ///< bytes of the answer read from the connection
    std::chrono::microseconds duration{};  ///< from the start of the attempt to its end
    /// After a failure: how long the client waits before the next attempt, when there is one.
    std::optional<std::chrono::milliseconds> retry_in{};
    /// After a failure with no further attempt: why (e.g. "the error is not retryable", "retries
    /// exhausted", "cancelled"). Empty after a success.
    std::string_view retry_stopped{};
};

/// Called for each attempt of each call of a client (ClientOptions::observer) or of a with()
/// handle (CallOptions::observer): on_start just before the request is sent, on_end once the
/// attempt is over, and the retry decision made. The two come in pairs, in order, on the client's
/// strand: they must be quick and must not block. An exception they throw is ignored. Waiting
/// for a free connection is not part of an attempt; a call that never got one reports none.
struct AttemptObserver {
    std::function<void(AttemptStart&)> on_start{};     ///< may add headers to the attempt's request
    std::function<void(const AttemptEnd&)> on_end{};   ///< outcome, duration and retry decision

    /// True when either function is set.
    explicit operator bool() const noexcept { return on_start || on_end; }
};

/// One line for a log: "GET /cloud/v6/schedules/5 -> 503 in 12 ms, retry in 180 ms", or with the
/// error kind when no answer came ("-> timeout in 30001 ms, ..."), and why no retry follows a
/// failure ("-> 404 in 3 ms, no retry: the error is not retryable"). Nothing secret: the target
/// holds no credentials.
inline std::string to_string(const AttemptEnd& end) {
    std::string line;
    line.append(end.method).append(" ").append(end.target).append(" -> ");
    if (end.status != 0)
        line.append(std::to_string(end.status));
    else
        line.append(end.error ? to_string(end.error->kind) : std::string_view("no answer"));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end.duration).count();
    line.append(" in ").append(std::to_string(ms)).append(" ms");
    if (end.retry_in)
        line.append(", retry in ").append(std::to_string(end.retry_in->count())).append(" ms");
    else if (end.error && !end.retry_stopped.empty())
        line.append(", no retry: ").append(end.retry_stopped);
    return line;
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_OBSERVER_HPP
