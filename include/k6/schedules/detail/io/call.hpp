// SPDX-License-Identifier: BSL-1.0
// The call behind every operation of a Client: the attempts, retries, deadlines and cancellation
// live in one non-template function that yields the final HTTP response; only the decoding on top
// of it is per result type.
#ifndef K6_SCHEDULES_DETAIL_IO_CALL_HPP
#define K6_SCHEDULES_DETAIL_IO_CALL_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/observer.hpp>
#include <k6/schedules/detail/io/client_state.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>
#include <k6/schedules/detail/redaction.hpp>
#include <k6/schedules/detail/request_builder.hpp>
#include <k6/schedules/detail/response_parser.hpp>
#include <k6/schedules/detail/retry_decider.hpp>
#include <k6/schedules/detail/saturating_time.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// Calls the observer's functions for one attempt, with everything it hands over sealed by the
// client's Redactor: the target (a server-chosen @nextLink query is sent as it is, and may hold
// anything) and the error. An exception from the observer is swallowed: a failing log or metrics
// hook must not fail (or, thrown through the coroutine, crash) the call it watches.
class ObservedAttempt {
public:
    // `target`: the request target as sent, already sealed (see observed_target()).
    ObservedAttempt(const AttemptObserver& observer, const Redactor& redactor, const RequestSpec& spec,
                    std::string_view target, unsigned attempt)
        : observer_(observer), redactor_(redactor), start_{spec.operation, http::to_string(spec.method), target, attempt} {}

    // Asks the observer for headers; returns the request to send (with them, when it added any).
    expected<std::string_view> start(const std::string& request) {
        started_ = std::chrono::steady_clock::now();
        if (observer_.on_start) {
            try {
                observer_.on_start(start_);
            } catch (...) {
                start_.headers.clear();  // half-added headers are not sent
            }
        }
        if (start_.headers.empty()) return std::string_view(request);
        auto with = with_headers(request, start_.headers);
        if (!with) return std::unexpected(std::move(with.error()));
        with_headers_ = std::move(*with);
        return std::string_view(with_headers_);
    }

    void end(unsigned status, const ApiError* error, std::size_t bytes_received,
             std::optional<std::chrono::milliseconds> retry_in, std::string_view retry_stopped) const {
        if (!observer_.on_end) return;
        std::optional<ApiError> sealed;
        if (error) seal(redactor_, sealed.emplace(*error));
        AttemptEnd end{start_.operation, start_.method, start_.target, start_.attempt, status,
                       sealed ? &*sealed : nullptr, bytes_received,
                       std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_),
                       retry_in, retry_stopped};
        try {
            observer_.on_end(end);
        } catch (...) {
        }
    }

private:
    const AttemptObserver& observer_;
    const Redactor& redactor_;
    AttemptStart start_;
    std::chrono::steady_clock::time_point started_{};
    std::string with_headers_{};
};

// The request target an observer sees: as sent, sealed.
inline std::string observed_target(const ClientState& state, const RequestSpec& spec) {
    return state.redactor.redact(spec.request_target(state.endpoint));
}

// A final answer and how many requests it took (retries and resends on stale connections).
struct Answer {
    HttpResponse response;
    unsigned attempts = 0;
};

// What one operation may spend, fixed when it starts and shared by every request it makes (the
// stack id's resolution, then the operation's own request): the deadline is computed once, and the
// retries and attempts of one request count against the next.
struct CallBudget {
    using clock = std::chrono::steady_clock;

    std::optional<clock::time_point> deadline_at{};  // settings.deadline after the operation's start
    unsigned retries = 0;                            // retries made so far, by any of its requests
    unsigned attempts = 0;                           // attempts made so far, by any of its requests

    static CallBudget starting_now(const CallSettings& settings) {
        CallBudget budget;
        if (settings.deadline) budget.deadline_at = later(clock::now(), *settings.deadline);
        return budget;
    }
};

// The error of a call, counting every attempt the operation made.
inline std::unexpected<ApiError> call_error(ApiError error, const CallBudget& budget) {
    error.attempts = budget.attempts;
    return std::unexpected(std::move(error));
}

// One request of an operation: attempts, each holding a connection slot and bounded by the
// attempt timeout and what is left of the deadline, with the waits the retry policy asks for in
// between, all spent from `budget`. Completes with the 2xx answer, or with the error whose message,
// status and code are the last attempt's, counting every attempt and saying why retrying stopped.
// A cancellation that arrives at any point ends it as cancelled: it is checked after every step,
// and before any wait or new attempt.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<expected<Answer>> send_with_retries(ClientState& state, RequestSpec spec, const CallSettings& settings,
                                                    CallBudget& budget) {
    using clock = std::chrono::steady_clock;
    // Cancellation is reported as ErrorKind::cancelled, never thrown (Asio's default would throw
    // from the next co_await once the operation was cancelled).
    co_await asio::this_coro::throw_if_cancelled(false);
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    if (settings.invalid) co_return std::unexpected(*settings.invalid);
    if (spec.refused) co_return std::unexpected(std::move(*spec.refused));
    if (state.closed.load(std::memory_order_relaxed))
        co_return std::unexpected(client_closed_error());
    if (state.proxy_error) co_return std::unexpected(*state.proxy_error);
    const RetryPolicy& policy = settings.retry;
    const auto& deadline_at = budget.deadline_at;
    const std::string request = request_bytes(state.endpoint, state.authorization, state.stack_id, spec, state.agent);
    const AttemptObserver& observer = settings.observer;
    const std::string target = observer ? observed_target(state, spec) : std::string();
    bool maybe_applied = false;  // an earlier copy of the request may have been applied by the server
    for (unsigned attempt = 1;; ++attempt) {
        // A connection slot first; waiting for one is not part of the attempt, but of the call.
        if (!state.slots.try_acquire()) {
            const boost::system::error_code slot_ec = co_await state.slots.wait(deadline_at);
            if (slot_ec == asio::error::timed_out)
                co_return call_error(fail(ErrorKind::timeout, errc::queue_timeout,
                                          "no connection to " + state.endpoint.host_header +
                                              " came free within the call's deadline of " +
                                              std::to_string(settings.deadline->count()) + " ms (max_connections = " +
                                              std::to_string(state.options.max_connections) +
                                              "); the request was not sent")
                                         .error(),
                                     budget);
            if (slot_ec)
                co_return call_error(
                    cancelled_error("cancelled while waiting for a free connection to " + state.endpoint.host_header),
                    budget);
        }
        AttemptProgress progress;
        expected<Performed> performed;
        std::optional<ObservedAttempt> observed;
        {
            const SlotGuard slot(state.slots);
            AttemptLimit limit;
            if (settings.attempt_timeout)
                limit = {later(clock::now(), *settings.attempt_timeout), "attempt_timeout", *settings.attempt_timeout};
            if (deadline_at && (!limit.end || *deadline_at < *limit.end))
                limit = {*deadline_at, "the call's deadline", *settings.deadline};
            expected<std::string_view> to_send = std::string_view(request);
            if (observer) to_send = observed.emplace(observer, state.redactor, spec, target, attempt).start(request);
            if (!to_send) {
                // Headers that cannot be sent: a mistake in the caller's code, never worth a retry.
                ApiError e = std::move(to_send.error());
                observed->end(0, &e, 0, std::nullopt, "the observer's headers cannot be sent");
                co_return call_error(std::move(e), budget);
            }
            if (was_cancelled(cancel_state))
                performed = std::unexpected(
                    cancelled_error("cancelled before sending the request to " + state.endpoint.host_header));
            else
                performed = co_await perform(state, *to_send, limit, progress);
        }
        ApiError error;
        unsigned status = 0;
        if (performed) {
            budget.attempts += performed->exchanges;
            status = performed->response.status;
            if (status >= 200 && status <= 299) {
                if (observed) observed->end(status, nullptr, progress.bytes_received, std::nullopt, {});
                co_return Answer{std::move(performed->response), budget.attempts};
            }
            error = error_from_response(performed->response, state.redactor);
            // A 404 is as often a wrong api_url or id as a missing resource: say what was asked for.
            if (status == 404)
                error.message += " (requested: " + std::string(http::to_string(spec.method)) +
                                 (state.endpoint.tls ? " https://" : " http://") + state.endpoint.host_header +
                                 (target.empty() ? observed_target(state, spec) : target) + ")";
        } else {
            error = std::move(performed.error());
            budget.attempts += std::max(error.attempts, 1u);
        }
        error.attempts = budget.attempts;
        // Only a copy that was written in full can have been applied: a failure to resolve, connect
        // or handshake, or a wait for a slot, sent nothing. A gateway that answered 502 or 504 may
        // have passed the request on before its upstream failed.
        maybe_applied = maybe_applied || progress.copy_lost || (!performed && progress.awaiting_answer) ||
                        error.status == 502 || error.status == 504;
        // Deleting twice ends in 404: after an attempt that may have deleted it, that means done.
        if (maybe_applied && spec.method == http::verb::delete_ && error.status == 404) {
            if (observed) observed->end(status, nullptr, progress.bytes_received, std::nullopt, {});
            HttpResponse done{.status = 204};
            co_return Answer{std::move(done), budget.attempts};
        }
        RetryDecision decision;
        if (error.kind == ErrorKind::cancelled) {
            decision = {std::nullopt, "cancelled"};
        } else {
            const double jitter = policy.jitter ? policy.jitter() : default_jitter();
            decision = decide_retry(error, budget.retries, policy, jitter);
            if (decision.wait && deadline_at && later(clock::now(), *decision.wait) >= *deadline_at)
                decision = {std::nullopt, "the deadline would pass before another attempt"};
        }
        if (decision.wait && was_cancelled(cancel_state)) {
            if (observed) observed->end(status, &error, progress.bytes_received, std::nullopt, "cancelled");
            ApiError cancelled = cancelled_error("cancelled after: " + error.message);
            cancelled.retry_stopped = "cancelled";
            co_return call_error(std::move(cancelled), budget);
        }
        if (observed) observed->end(status, &error, progress.bytes_received, decision.wait, decision.reason);
        if (!decision.wait) {
            // Said whenever a retry was in question: after retries, under a deadline, when the
            // policy allowed one and something (a long Retry-After, say) stopped it, or when the
            // call was cancelled.
            if (budget.retries > 0 || deadline_at || error.kind == ErrorKind::cancelled ||
                (error.retryable() && policy.max_retries > 0))
                error.retry_stopped = std::move(decision.reason);
            co_return std::unexpected(std::move(error));
        }
        ++budget.retries;
        asio::steady_timer backoff(state.strand, later(clock::now(), *decision.wait));
        auto [wait_ec] = co_await backoff.async_wait(use_tuple);
        if (wait_ec || was_cancelled(cancel_state)) {
            ApiError cancelled = cancelled_error("cancelled while waiting to retry after: " + error.message);
            cancelled.retry_stopped = "cancelled";
            co_return call_error(std::move(cancelled), budget);
        }
    }
}

// Finds out the stack id of a client made with a stack URL and stack id 0: `GET /cloud/v6/auth`
// with X-Stack-Url, a request of the operation that needs the id, spending the operation's budget
// (its deadline and retries) and seen by its observer as operation "authenticate"; the id is then
// kept in the client's state for every later call of the client and its copies. A failure is that
// operation's error, its message saying what was being done.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<expected<void>> resolve_stack_id(ClientState& state, const CallSettings& settings, CallBudget& budget) {
    auto fail_with = [](ApiError error) {
        error.message = "resolving the stack id from the stack URL (GET /cloud/v6/auth): " + error.message;
        return std::unexpected(std::move(error));
    };
    // options.validate() let stack_id 0 through only with a stack_url.
    auto answer = co_await send_with_retries(state, authenticate_request(*state.options.stack_url), settings, budget);
    if (!answer) co_return fail_with(std::move(answer.error()));
    auto decoded = decode_success<AuthenticationResponse>(answer->response);
    if (!decoded) {
        decoded.error().attempts = budget.attempts;
        co_return fail_with(std::move(decoded.error()));
    }
    if (state.stack_id.empty()) state.stack_id = std::to_string(decoded->stack_id);
    co_return expected<void>{};
}

// The stack id, known before the operation's own request goes out. Single flight per client:
// the first operation that needs it resolves it (the leader), with its own budget; operations that
// need it meanwhile wait for that one request, each within its own deadline, instead of sending
// their own. When the leader's resolution ends, each waiter looks again: the id is known (go on);
// the resolution failed (it fails the waiters too, with its error); or the leader was cancelled
// (one of the waiters leads the next try). An operation that starts after a failure tries again.
template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
asio::awaitable<expected<void>> ensure_stack_id(ClientState& state, const CallSettings& settings, CallBudget& budget) {
    co_await asio::this_coro::throw_if_cancelled(false);  // cancelled is an error, not an exception
    StackIdResolution& resolution = state.resolution;
    while (state.stack_id.empty()) {
        if (!resolution.in_flight) {
            StackIdResolution::Lead lead(resolution);  // ends the flight and wakes the waiters, whatever happens
            expected<void> resolved = co_await resolve_stack_id(state, settings, budget);
            if (!resolved && resolved.error().kind != ErrorKind::cancelled) lead.failure = resolved.error();
            co_return resolved;
        }
        auto waiter = std::make_shared<StackIdResolution::Waiter>(state.strand);
        resolution.waiters.push_back(waiter);
        const ParkingSpot::Outcome outcome = co_await waiter->spot.park(budget.deadline_at);
        if (outcome != ParkingSpot::Outcome::woken) {
            std::erase(resolution.waiters, waiter);
            if (outcome == ParkingSpot::Outcome::cancelled)
                co_return call_error(cancelled_error("cancelled while waiting for the stack id to be resolved"), budget);
            co_return call_error(fail(ErrorKind::timeout, errc::timeout,
                                      "the call's deadline of " + std::to_string(settings.deadline->count()) +
                                          " ms passed while waiting for the stack id to be resolved (GET "
                                          "/cloud/v6/auth); the request was not sent")
                                     .error(),
                                 budget);
        }
        if (waiter->failure && state.stack_id.empty()) co_return std::unexpected(std::move(*waiter->failure));
    }
    co_return expected<void>{};
}

// Whether an operation has to learn the stack id before its request: a client made with only a
// stack URL, until the id is known, unless the call fails anyway before sending.
inline bool needs_stack_id(const ClientState& state, const RequestSpec& spec, const CallSettings& settings) noexcept {
    return state.stack_id.empty() && !spec.stack_url && !spec.refused && !settings.invalid &&
           !state.closed.load(std::memory_order_relaxed) && !state.proxy_error;
}

// The operation: its request (after the stack id, when that is still to be found out), then the
// 2xx body decoded as T (with `scratch`'s memory, if given). Given a `record`, it is an operation
// of its own and registers itself with the client for as long as it runs.
template <class T>
asio::awaitable<expected<T>> run_operation(std::shared_ptr<ClientState> state, RequestSpec spec,
                                           std::shared_ptr<const CallSettings> settings,
                                           std::shared_ptr<ParseScratch> scratch = nullptr,
                                           std::shared_ptr<OperationRecord> record = nullptr) {
    std::optional<RunningOperation> running;
    if (record) running.emplace(*state, *record);  // unregisters before `state` and `record` go
    CallBudget budget = CallBudget::starting_now(*settings);
    if (needs_stack_id(*state, spec, *settings)) {
        expected<void> resolved = co_await ensure_stack_id(*state, *settings, budget);
        if (!resolved) co_return std::unexpected(std::move(resolved.error()));
    }
    auto answer = co_await send_with_retries(*state, std::move(spec), *settings, budget);
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    if constexpr (std::is_void_v<T>) {
        co_return expected<void>{};
    } else {
        auto decoded = decode_success<T>(answer->response, scratch.get());
        if (!decoded) decoded.error().attempts = answer->attempts;
        co_return decoded;
    }
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CALL_HPP
