// The bodies behind Client's initiating functions. Each operation is an internal coroutine spawned
// on the client's strand that completes a type-erased handler exactly once. The attempts, retries,
// deadlines and cancellation live in one non-template function that yields the final HTTP
// response; only the decoding on top of it is per result type.
#ifndef K6_SCHEDULES_IMPL_CLIENT_HPP
#define K6_SCHEDULES_IMPL_CLIENT_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/impl/internal/client_state.hpp>
#include <k6/schedules/impl/internal/request_builder.hpp>
#include <k6/schedules/impl/internal/response_parser.hpp>
#include <k6/schedules/impl/internal/retry_decider.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <exception>
#include <memory>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

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
                                                           CallSettings settings) {
    using clock = std::chrono::steady_clock;
    // Cancellation is reported as ErrorKind::cancelled, never thrown (Asio's default would throw
    // from the next co_await once the operation was cancelled).
    co_await asio::this_coro::throw_if_cancelled(false);
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    if (settings.invalid) co_return std::unexpected(std::move(*settings.invalid));
    if (spec.refused) co_return std::unexpected(std::move(*spec.refused));
    if (state->closed) co_return std::unexpected(cancelled_error("the client was closed (Client::close)"));
    if (state->proxy_error) co_return std::unexpected(*state->proxy_error);
    const RetryPolicy& policy = settings.retry;
    const auto started = clock::now();
    const auto deadline_at = settings.deadline ? std::optional(started + *settings.deadline) : std::nullopt;
    const auto request = build_http_request(state->endpoint, state->authorization, state->stack_id, spec);
    unsigned attempts = 0;
    bool maybe_applied = false;  // an earlier copy of the request may have been applied by the server
    for (unsigned retries = 0;; ++retries) {
        // A connection slot first; waiting for one is not part of the attempt, but of the call.
        if (!state->slots.try_acquire()) {
            auto [slot_ec] = co_await state->slots.async_acquire(deadline_at, use_tuple);
            if (slot_ec == asio::error::timed_out) {
                ApiError e;
                e.kind = ErrorKind::timeout;
                e.ec = make_error_code(errc::queue_timeout);
                e.message = "no connection to " + state->endpoint.host_header +
                            " came free within the call's deadline of " + std::to_string(settings.deadline->count()) +
                            " ms (max_connections = " + std::to_string(state->options.max_connections) +
                            "); the request was not sent";
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
        {
            const SlotGuard slot(state->slots);
            AttemptLimit limit;
            if (settings.attempt_timeout)
                limit = {clock::now() + *settings.attempt_timeout, "attempt_timeout", *settings.attempt_timeout};
            if (deadline_at && (!limit.end || *deadline_at < *limit.end))
                limit = {*deadline_at, "the call's deadline", *settings.deadline};
            if (was_cancelled(cancel_state))
                performed = std::unexpected(
                    cancelled_error("cancelled before sending the request to " + state->endpoint.host_header));
            else
                performed = co_await perform(*state, request, limit, progress);
        }
        ApiError error;
        if (performed) {
            attempts += performed->exchanges;
            const unsigned status = performed->response.result_int();
            if (status >= 200 && status <= 299) co_return Answer{std::move(performed->response), attempts};
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
            HttpResponse done{http::status::no_content, 11};
            co_return Answer{std::move(done), attempts};
        }
        const double jitter = policy.jitter ? policy.jitter() : default_jitter();
        RetryDecision decision = decide_retry(error, retries, policy, jitter);
        if (decision.wait && deadline_at && clock::now() + *decision.wait >= *deadline_at)
            decision = {std::nullopt, "the deadline would pass before another attempt"};
        if (decision.wait && was_cancelled(cancel_state)) {
            ApiError cancelled = cancelled_error("cancelled after: " + error.message);
            cancelled.attempts = attempts;
            co_return std::unexpected(std::move(cancelled));
        }
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

// The operation: the call, then its 2xx body decoded as T.
template <class T>
asio::awaitable<expected<T>> run_operation(std::shared_ptr<ClientState> state, RequestSpec spec,
                                           CallSettings settings) {
    auto answer = co_await send_with_retries(std::move(state), std::move(spec), std::move(settings));
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    if constexpr (std::is_void_v<T>) {
        co_return expected<void>{};
    } else {
        auto decoded = decode_success<T>(answer->response);
        if (!decoded) decoded.error().attempts = answer->attempts;
        co_return decoded;
    }
}

// What an operation completes with when something threw (nothing throws on purpose; bad_alloc and
// the like must still complete the handler rather than escape into the caller's io_context).
inline ApiError internal_error(std::exception_ptr exception) {
    ApiError e;
    e.kind = ErrorKind::internal;
    e.ec = make_error_code(errc::internal_error);
    e.message = "internal error";
    try {
        std::rethrow_exception(exception);
    } catch (const std::exception& ex) {
        e.message += std::string(": ") + ex.what();
    } catch (...) {
    }
    return e;
}

// The result of an operation that threw, for results that are an expected<T>.
struct RecoverWithInternalError {
    template <class Result>
    Result operator()(std::exception_ptr exception, std::type_identity<Result>) const {
        return Result(std::unexpected(internal_error(exception)));
    }
};

// The co_spawn completion of an operation: it runs on the client's strand, then hands the result
// to the caller's handler on the handler's own executor, or the executor the Client was given when
// the handler has none. Always posted: a handler that blocks must not hold the strand that every
// operation of the client (and of its copies) runs on.
template <class Result, class Recover>
struct OperationCompletion {
    asio::strand<asio::any_io_executor> strand;
    asio::any_io_executor client_executor;
    std::shared_ptr<OperationRecord> record;  // its signal outlives every use co_spawn makes of the slot
    asio::any_completion_handler<void(Result)> handler;
    asio::any_completion_executor handler_executor;  // tracks work, so its context keeps running
    Recover recover;

    void operator()(std::exception_ptr exception, Result result) {
        if (exception) result = recover(exception, std::type_identity<Result>{});
        if (auto slot = handler.get_cancellation_slot(); slot.is_connected()) slot.clear();
        // Off the strand first (a type-erased completion executor cannot be posted to directly),
        // then onto the handler's executor: at once when that is where we are.
        asio::post(client_executor, [handler = std::move(handler), result = std::move(result),
                                     executor = std::move(handler_executor)]() mutable {
            asio::dispatch(executor, [handler = std::move(handler), result = std::move(result)]() mutable {
                std::move(handler)(std::move(result));
            });
        });
    }
};

// Runs `body` on the client's strand as one registered operation and completes `handler` with its
// result. Cancellation reaches the body from the handler's cancellation slot and from
// Client::cancel_all(), both through the operation's own signal, always emitted on the strand.
template <class Result, class CompletionHandler, class Recover = RecoverWithInternalError>
void start_operation(const std::shared_ptr<ClientState>& state, asio::awaitable<Result> body,
                     CompletionHandler&& handler, Recover recover = {}) {
    auto record = std::make_shared<OperationRecord>();
    asio::any_completion_handler<void(Result)> erased(std::forward<CompletionHandler>(handler));
    auto handler_executor =
        asio::prefer(asio::get_associated_executor(erased, state->executor), asio::execution::outstanding_work.tracked);
    // The slot of the type-erased handler: wrapping the handler took over its own slot.
    if (auto slot = erased.get_cancellation_slot(); slot.is_connected())
        slot.assign([record, strand = state->strand](asio::cancellation_type type) {
            asio::dispatch(strand, [record, type] { record->signal.emit(type); });
        });
    auto registered = [](std::shared_ptr<ClientState> s, std::shared_ptr<OperationRecord> r,
                         asio::awaitable<Result> b) -> asio::awaitable<Result> {
        const RunningOperation running(*s, *r);
        co_return co_await std::move(b);
    };
    auto cancel_slot = record->signal.slot();
    asio::co_spawn(
        state->strand, registered(state, record, std::move(body)),
        asio::bind_cancellation_slot(
            cancel_slot, OperationCompletion<Result, Recover>{state->strand, state->executor, record, std::move(erased),
                                                              std::move(handler_executor), std::move(recover)}));
}

template <class T>
struct Initiation {
    std::shared_ptr<ClientState> state;
    std::shared_ptr<const CallSettings> settings;

    template <class CompletionHandler>
    void operator()(CompletionHandler&& handler, RequestSpec spec) const {
        start_operation<expected<T>>(state, run_operation<T>(state, std::move(spec), *settings),
                                     std::forward<CompletionHandler>(handler));
    }
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

// The completion runs on the strand (co_spawn dispatches to it, and routes cancellation through it).
template <class Result, class Recover, class DefaultCandidate>
struct boost::asio::associated_executor<k6::schedules::detail::OperationCompletion<Result, Recover>, DefaultCandidate> {
    using type = boost::asio::strand<boost::asio::any_io_executor>;
    static type get(const k6::schedules::detail::OperationCompletion<Result, Recover>& completion) noexcept {
        return completion.strand;
    }
    static type get(const k6::schedules::detail::OperationCompletion<Result, Recover>& completion,
                    const DefaultCandidate&) noexcept {
        return completion.strand;
    }
};

#endif  // K6_SCHEDULES_IMPL_CLIENT_HPP
