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
#include <k6/schedules/detail/request_builder.hpp>
#include <k6/schedules/detail/response_parser.hpp>
#include <k6/schedules/detail/retry_decider.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// Calls the observer's functions for one attempt. An exception from them is swallowed: a failing
// log or metrics hook must not fail (or, thrown through the coroutine, crash) the call it watches.
class ObservedAttempt {
public:
    ObservedAttempt(const AttemptObserver& observer, const RequestSpec& spec, std::string_view target,
                    unsigned attempt)
        : observer_(observer), start_{spec.operation, http::to_string(spec.method), target, attempt} {}

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
        AttemptEnd end{start_.operation, start_.method, start_.target, start_.attempt, status, error, bytes_received,
                       std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_),
                       retry_in, retry_stopped};
        try {
            observer_.on_end(end);
        } catch (...) {
        }
    }

private:
    const AttemptObserver& observer_;
    AttemptStart start_;
    std::chrono::steady_clock::time_point started_{};
    std::string with_headers_{};
};

// A final answer and how many requests it took (retries and resends on stale connections).
struct Answer {
    HttpResponse response;
    unsigned attempts = 0;
};

// The call: attempts, each holding a connection slot and bounded by the attempt timeout and what
// is left of the deadline, with the waits the retry policy asks for in between. Completes with the
// 2xx answer, or with the error whose message, status and code are the last attempt's, counting
// every attempt and saying why retrying stopped. A cancellation that arrives at any point ends it
// as cancelled: it is checked after every step, and before any wait or new attempt.
inline asio::awaitable<expected<Answer>> send_with_retries(std::shared_ptr<ClientState> state, RequestSpec spec,
                                                           std::shared_ptr<const CallSettings> shared_settings) {
    using clock = std::chrono::steady_clock;
    // Cancellation is reported as ErrorKind::cancelled, never thrown (Asio's default would throw
    // from the next co_await once the operation was cancelled).
    co_await asio::this_coro::throw_if_cancelled(false);
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    const CallSettings& settings = *shared_settings;  // shared with the handle: not copied per call
    if (settings.invalid) co_return std::unexpected(std::move(*settings.invalid));
    if (spec.refused) co_return std::unexpected(std::move(*spec.refused));
    if (state->closed) co_return std::unexpected(cancelled_error("the client was closed (Client::close)"));
    if (state->proxy_error) co_return std::unexpected(*state->proxy_error);
    const RetryPolicy& policy = settings.retry;
    const auto started = clock::now();
    const auto deadline_at = settings.deadline ? std::optional(started + *settings.deadline) : std::nullopt;
    const std::string request =
        request_bytes(state->endpoint, state->authorization, state->stack_id, spec, state->agent);
    const AttemptObserver& observer = settings.observer;
    const std::string target = observer ? spec.request_target(state->endpoint) : std::string();
    unsigned attempts = 0;
    bool maybe_applied = false;  // an earlier copy of the request may have been applied by the server
    for (unsigned retries = 0;; ++retries) {
        // A connection slot first; waiting for one is not part of the attempt, but of the call.
        if (!state->slots.try_acquire()) {
            auto [slot_ec] = co_await state->slots.async_acquire(deadline_at, use_tuple);
            if (slot_ec == asio::error::timed_out) {
                ApiError e = fail(ErrorKind::timeout, errc::queue_timeout,
                                  "no connection to " + state->endpoint.host_header +
                                      " came free within the call's deadline of " +
                                      std::to_string(settings.deadline->count()) + " ms (max_connections = " +
                                      std::to_string(state->options.max_connections) + "); the request was not sent")
                                 .error();
                e.attempts = attempts;
                co_return std::unexpected(std::move(e));
            }
            if (slot_ec) {
                ApiError e =
                    cancelled_error("cancelled while waiting for a free connection to " + state->endpoint.host_header);
                e.attempts = attempts;
                co_return std::unexpected(std::move(e));
            }
        }
        AttemptProgress progress;
        expected<Performed> performed;
        std::optional<ObservedAttempt> observed;
        {
            const SlotGuard slot(state->slots);
            AttemptLimit limit;
            if (settings.attempt_timeout)
                limit = {clock::now() + *settings.attempt_timeout, "attempt_timeout", *settings.attempt_timeout};
            if (deadline_at && (!limit.end || *deadline_at < *limit.end))
                limit = {*deadline_at, "the call's deadline", *settings.deadline};
            expected<std::string_view> to_send = std::string_view(request);
            if (observer) to_send = observed.emplace(observer, spec, target, retries + 1).start(request);
            if (!to_send) {
                // Headers that cannot be sent: a mistake in the caller's code, never worth a retry.
                ApiError e = std::move(to_send.error());
                observed->end(0, &e, 0, std::nullopt, "the observer's headers cannot be sent");
                e.attempts = attempts;
                co_return std::unexpected(std::move(e));
            }
            if (was_cancelled(cancel_state))
                performed = std::unexpected(
                    cancelled_error("cancelled before sending the request to " + state->endpoint.host_header));
            else
                performed = co_await perform(*state, *to_send, limit, progress);
        }
        ApiError error;
        unsigned status = 0;
        if (performed) {
            attempts += performed->exchanges;
            status = performed->response.status;
            if (status >= 200 && status <= 299) {
                if (observed) observed->end(status, nullptr, progress.bytes_received, std::nullopt, {});
                co_return Answer{std::move(performed->response), attempts};
            }
            error = error_from_response(performed->response, state->options.token);
        } else {
            error = std::move(performed.error());
            attempts += std::max(error.attempts, 1u);
        }
        error.attempts = attempts;
        // Only a copy that was written in full can have been applied: a failure to resolve, connect
        // or handshake, or a wait for a slot, sent nothing. A gateway that answered 502 or 504 may
        // have passed the request on before its upstream failed.
        maybe_applied = maybe_applied || progress.copy_lost || (!performed && progress.awaiting_answer) ||
                        error.status == 502 || error.status == 504;
        // Deleting twice ends in 404: after an attempt that may have deleted it, that means done.
        if (maybe_applied && spec.method == http::verb::delete_ && error.status == 404) {
            if (observed) observed->end(status, nullptr, progress.bytes_received, std::nullopt, {});
            HttpResponse done{.status = 204};
            co_return Answer{std::move(done), attempts};
        }
        const double jitter = policy.jitter ? policy.jitter() : default_jitter();
        RetryDecision decision = decide_retry(error, retries, policy, jitter);
        if (decision.wait && deadline_at && clock::now() + *decision.wait >= *deadline_at)
            decision = {std::nullopt, "the deadline would pass before another attempt"};
        if (decision.wait && was_cancelled(cancel_state)) {
            if (observed) observed->end(status, &error, progress.bytes_received, std::nullopt, "cancelled");
            ApiError cancelled = cancelled_error("cancelled after: " + error.message);
            cancelled.attempts = attempts;
            co_return std::unexpected(std::move(cancelled));
        }
        if (observed) observed->end(status, &error, progress.bytes_received, decision.wait, decision.reason);
        if (!decision.wait) {
            // Said whenever a retry was in question: after retries, under a deadline, or when the
            // policy allowed one and something (a long Retry-After, say) stopped it.
            if (retries > 0 || deadline_at || (error.retryable() && policy.max_retries > 0))
                error.retry_stopped = std::move(decision.reason);
            co_return std::unexpected(std::move(error));
        }
        asio::steady_timer backoff(state->strand, *decision.wait);
        auto [wait_ec] = co_await backoff.async_wait(use_tuple);
        if (wait_ec || was_cancelled(cancel_state)) {
            ApiError cancelled = cancelled_error("cancelled while waiting to retry after: " + error.message);
            cancelled.attempts = attempts;
            co_return std::unexpected(std::move(cancelled));
        }
    }
}

// Finds out the stack id of a client made with a stack URL and stack id 0: `GET /cloud/v6/auth` with
// X-Stack-Url, as a call of its own with the operation's settings (retries, attempt timeout,
// deadline, observer, which sees it as operation "authenticate"), then keeps the id in the client's
// state for every later call of the client and its copies. Operations that start while the id is
// still unknown each resolve it (they run on the strand, so nothing is torn); the first success is
// kept and later ones change nothing. A failure is that operation's error, its message saying what
// was being done (server text in it is already token-masked); the next operation tries again.
inline asio::awaitable<expected<void>> resolve_stack_id(std::shared_ptr<ClientState> state,
                                                        std::shared_ptr<const CallSettings> settings) {
    auto fail_with = [](ApiError error) {
        error.message = "resolving the stack id from the stack URL (GET /cloud/v6/auth): " + error.message;
        return std::unexpected(std::move(error));
    };
    // options.validate() let stack_id 0 through only with a stack_url.
    auto answer = co_await send_with_retries(state, authenticate_request(*state->options.stack_url), settings);
    if (!answer) co_return fail_with(std::move(answer.error()));
    auto decoded = decode_success<AuthenticationResponse>(answer->response);
    if (!decoded) {
        decoded.error().attempts = answer->attempts;
        co_return fail_with(std::move(decoded.error()));
    }
    if (state->stack_id.empty()) state->stack_id = std::to_string(decoded->stack_id);
    co_return expected<void>{};
}

// The call of an operation. A client made with only a stack URL learns its stack id first (unless
// the call fails anyway before sending), in a coroutine of its own: the usual call awaits
// send_with_retries directly, with no resolution step in its frame (one in there cost 300 of a
// get's 62,000 instructions, callgrind).
inline asio::awaitable<expected<Answer>> resolve_then_send(std::shared_ptr<ClientState> state, RequestSpec spec,
                                                           std::shared_ptr<const CallSettings> settings) {
    co_await asio::this_coro::throw_if_cancelled(false);  // as send_with_retries: cancelled is an error
    if (auto resolved = co_await resolve_stack_id(state, settings); !resolved)
        co_return std::unexpected(std::move(resolved.error()));
    co_return co_await send_with_retries(std::move(state), std::move(spec), std::move(settings));
}

inline asio::awaitable<expected<Answer>> send_call(std::shared_ptr<ClientState> state, RequestSpec spec,
                                                   std::shared_ptr<const CallSettings> settings) {
    const bool resolve = state->stack_id.empty() && !spec.stack_url && !spec.refused && !settings->invalid &&
                         !state->closed && !state->proxy_error;
    if (resolve) return resolve_then_send(std::move(state), std::move(spec), std::move(settings));
    return send_with_retries(std::move(state), std::move(spec), std::move(settings));
}

// The operation: the call, then its 2xx body decoded as T (with `scratch`'s memory, if given).
// Given a `record`, it is an operation of its own and registers itself with the client for as long
// as it runs, as registered() would, without a coroutine around it: 550 of a get's 64,000
// instructions (callgrind).
template <class T>
asio::awaitable<expected<T>> run_operation(std::shared_ptr<ClientState> state, RequestSpec spec,
                                           std::shared_ptr<const CallSettings> settings,
                                           std::shared_ptr<ParseScratch> scratch = nullptr,
                                           std::shared_ptr<OperationRecord> record = nullptr) {
    std::optional<RunningOperation> running;
    if (record) running.emplace(*state, *record);  // unregisters before `state` and `record` go
    auto answer = co_await send_call(state, std::move(spec), std::move(settings));
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
