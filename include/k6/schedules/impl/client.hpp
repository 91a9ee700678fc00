// The non-template bodies behind Client's initiating functions: each operation is an internal
// coroutine spawned on the client's strand that completes a type-erased handler exactly once.
#ifndef K6_SCHEDULES_IMPL_CLIENT_HPP
#define K6_SCHEDULES_IMPL_CLIENT_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/impl/internal/client_state.hpp>
#include <k6/schedules/impl/internal/request_builder.hpp>
#include <k6/schedules/impl/internal/response_parser.hpp>
#include <k6/schedules/impl/internal/retry_decider.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <exception>
#include <memory>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

template <class T>
using Handler = asio::any_completion_handler<void(expected<T>)>;

// One attempt: send, and read the answer as T or as the ApiError it means. maybe_applied is set
// when the request was sent twice on the way (see Performed::resent).
template <class T>
asio::awaitable<expected<T>> attempt_once(ClientState& state, const RequestSpec& spec, bool& maybe_applied) {
    auto performed = co_await perform(state, spec);
    if (!performed) co_return std::unexpected(std::move(performed.error()));
    if (performed->resent) maybe_applied = true;
    const auto& response = performed->response;
    const unsigned status = response.result_int();
    if (status < 200 || status > 299) {
        ApiError e = error_from_response(response, state.options.token);
        e.attempts = performed->attempts;
        co_return std::unexpected(std::move(e));
    }
    if constexpr (std::is_void_v<T>) {
        co_return expected<void>{};
    } else {
        auto decoded = decode_success<T>(response);
        if (!decoded) decoded.error().attempts = performed->attempts;
        co_return decoded;
    }
}

inline ApiError timed_out(std::string message, unsigned attempts) {
    ApiError e;
    e.kind = ErrorKind::timeout;
    e.ec = make_error_code(errc::timeout);
    e.message = std::move(message);
    e.attempts = attempts;
    return e;
}

// The operation: attempts, each bounded by the attempt timeout and what is left of the deadline,
// with the waits the retry policy asks for in between (on a timer that cancellation interrupts).
// The final error keeps the last answer, counts every attempt, and says why retrying stopped.
template <class T>
asio::awaitable<expected<T>> run_operation(std::shared_ptr<ClientState> state, RequestSpec spec,
                                           CallSettings settings) {
    using namespace asio::experimental::awaitable_operators;
    using clock = std::chrono::steady_clock;
    // Cancellation is reported as ErrorKind::cancelled, never thrown (Asio's default would throw
    // from the next co_await once the operation was cancelled).
    co_await asio::this_coro::throw_if_cancelled(false);
    if (spec.refused) co_return std::unexpected(std::move(*spec.refused));
    const RetryPolicy& policy = settings.retry;
    const auto deadline_at = settings.deadline ? std::optional(clock::now() + *settings.deadline) : std::nullopt;
    unsigned attempts = 0;
    bool maybe_applied = false;  // an earlier attempt failed after the request may have reached the server
    for (unsigned retries = 0;; ++retries) {
        std::optional<std::chrono::milliseconds> limit = settings.attempt_timeout;
        if (deadline_at) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_at - clock::now());
            if (!limit || left < *limit) limit = std::max(left, std::chrono::milliseconds(1));
        }
        expected<T> result;
        if (limit) {
            asio::steady_timer expiry(state->strand, *limit);
            auto outcome = co_await (attempt_once<T>(*state, spec, maybe_applied) || expiry.async_wait(use_tuple));
            if (outcome.index() == 0)
                result = std::move(std::get<0>(outcome));
            else
                result = std::unexpected(timed_out(
                    "no answer from " + state->endpoint.host_header + " within " + std::to_string(limit->count()) +
                        " ms (" + (limit == settings.attempt_timeout ? "attempt_timeout" : "the call's deadline") + ")",
                    1));
        } else {
            result = co_await attempt_once<T>(*state, spec, maybe_applied);
        }
        if (result) co_return result;
        if constexpr (std::is_void_v<T>) {
            // Deleting twice ends in 404: after an attempt that may have deleted it, that means done.
            if (maybe_applied && spec.method == http::verb::delete_ && result.error().status == 404)
                co_return expected<void>{};
        }
        ApiError& error = result.error();
        maybe_applied = maybe_applied || error.kind == ErrorKind::transport || error.kind == ErrorKind::timeout;
        attempts += std::max(error.attempts, 1u);
        error.attempts = attempts;
        const double jitter = policy.jitter ? policy.jitter() : default_jitter();
        RetryDecision decision = decide_retry(error, retries, policy, jitter);
        if (decision.wait && deadline_at && clock::now() + *decision.wait >= *deadline_at)
            decision = {std::nullopt, "the deadline would pass before another attempt"};
        if (!decision.wait) {
            if (retries > 0 || deadline_at) error.retry_stopped = decision.reason;
            co_return result;
        }
        asio::steady_timer backoff(state->strand, *decision.wait);
        auto [wait_ec] = co_await backoff.async_wait(use_tuple);
        if (wait_ec) {
            ApiError cancelled;
            cancelled.kind = ErrorKind::cancelled;
            cancelled.ec = make_error_code(errc::cancelled);
            cancelled.message = "cancelled while waiting to retry after: " + error.message;
            cancelled.attempts = attempts;
            co_return std::unexpected(std::move(cancelled));
        }
    }
}

// What an operation completes with when something threw (nothing throws on purpose; bad_alloc and
// the like must still complete the handler rather than escape into the caller's io_context).
inline ApiError internal_error(std::exception_ptr exception) {
    ApiError e;
    e.kind = ErrorKind::transport;
    e.message = "internal error";
    try {
        std::rethrow_exception(exception);
    } catch (const std::exception& ex) {
        e.message += std::string(": ") + ex.what();
    } catch (...) {
    }
    return e;
}

// co_spawn completes with (exception_ptr, result); our handlers take the result only. The
// adapter forwards the handler's executor, allocator and cancellation slot (see associator below).
template <class Result>
struct CompletionAdapter {
    asio::any_completion_handler<void(Result)> handler;

    void operator()(std::exception_ptr exception, Result result) {
        if (exception) {
            if constexpr (std::is_constructible_v<Result, std::unexpected<ApiError>>)
                result = Result(std::unexpected(internal_error(exception)));
            else
                result = Result{};  // a collection of results (async_for_each): none could be produced
        }
        std::move(handler)(std::move(result));
    }
};

// Runs `body` on the client's strand and completes `handler` with its result, never inline.
template <class Result, class CompletionHandler>
void spawn_on_strand(const asio::strand<asio::any_io_executor>& strand, asio::awaitable<Result> body,
                     CompletionHandler&& handler) {
    asio::co_spawn(strand, std::move(body),
                   CompletionAdapter<Result>{
                       asio::any_completion_handler<void(Result)>(std::forward<CompletionHandler>(handler))});
}

template <class T>
void start_operation(std::shared_ptr<ClientState> state, RequestSpec spec, CallSettings settings, Handler<T> handler) {
    auto strand = state->strand;
    spawn_on_strand(strand, run_operation<T>(std::move(state), std::move(spec), std::move(settings)),
                    std::move(handler));
}

template <class T>
struct Initiation {
    std::shared_ptr<ClientState> state;
    std::shared_ptr<const CallSettings> settings;

    template <class CompletionHandler>
    void operator()(CompletionHandler&& handler, RequestSpec spec) const {
        start_operation<T>(state, std::move(spec), *settings, Handler<T>(std::forward<CompletionHandler>(handler)));
    }
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

template <template <class, class> class Associator, class Result, class DefaultCandidate>
struct boost::asio::associator<Associator, k6::schedules::detail::CompletionAdapter<Result>, DefaultCandidate>
    : Associator<boost::asio::any_completion_handler<void(Result)>, DefaultCandidate> {
    using inner = Associator<boost::asio::any_completion_handler<void(Result)>, DefaultCandidate>;

    static typename inner::type get(const k6::schedules::detail::CompletionAdapter<Result>& adapter) noexcept {
        return inner::get(adapter.handler);
    }

    static auto get(const k6::schedules::detail::CompletionAdapter<Result>& adapter,
                    const DefaultCandidate& candidate) noexcept -> decltype(inner::get(adapter.handler, candidate)) {
        return inner::get(adapter.handler, candidate);
    }
};

#endif  // K6_SCHEDULES_IMPL_CLIENT_HPP
