// SPDX-License-Identifier: BSL-1.0
// One operation over many ids with a bounded number in flight: deactivate 10,000 schedules, eight
// at a time, and get one result per id, in the order of the ids.
#ifndef K6_SCHEDULES_BULK_HPP
#define K6_SCHEDULES_BULK_HPP

#include <k6/schedules/client.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

/// @file
/// async_for_each(): one operation over many ids with a bounded number in flight.

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The value an operation completes with: R of a deferred operation of signature void(R), or of an
// awaitable<R> (what a client made with use_awaitable.as_default_on returns).
template <class Operation>
struct awaited_result;
template <class R, class... Rest>
struct awaited_result<boost::asio::deferred_async_operation<void(R), Rest...>> {
    using type = R;
};
template <class R, class Executor>
struct awaited_result<boost::asio::awaitable<R, Executor>> {
    using type = R;
};

template <class ClientType, class Id, class Operation, class Result>
struct BulkState {
    using value_type = Result;
    ClientType client;
    std::vector<Id> ids;
    Operation operation;
    std::vector<Result> results;  // one per id, each "not started" until its operation ends
    std::size_t next = 0;         // the next id to start
    std::size_t running = 0;      // workers not finished
    std::vector<std::unique_ptr<boost::asio::cancellation_signal>> cancels;
    std::unique_ptr<boost::asio::steady_timer> all_done;  // cancelled when the last worker ends

    // The ids from `first` on were never started: say why on each.
    void mark_not_started(std::size_t first, const ApiError& why) {
        for (std::size_t i = first; i < results.size(); ++i) results[i] = Result(std::unexpected(why));
    }
};

inline ApiError bulk_not_started() {
    return fail(ErrorKind::internal, errc::internal_error, "not started: async_for_each ended before it reached this id")
        .error();
}

// Takes ids one by one until none is left; each worker has at most one operation in flight. An
// operation that throws (the caller's `operation` itself, or copying an id) gives its own id an
// internal error and the worker goes on with the next.
template <class State>
boost::asio::awaitable<void> bulk_worker(std::shared_ptr<State> state) {
    co_await boost::asio::this_coro::throw_if_cancelled(false);  // a cancelled operation is a result
    while (state->next < state->ids.size()) {
        const std::size_t i = state->next++;
        std::exception_ptr failure;
        try {
            auto result = co_await state->operation(state->client, state->ids[i]);
            state->results[i] = std::move(result);
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) state->results[i] = typename State::value_type(std::unexpected(internal_error(failure)));
    }
}

template <class Result, class State>
boost::asio::awaitable<std::vector<Result>> bulk_run(std::shared_ptr<State> state, std::shared_ptr<OperationRecord> record,
                                                     std::size_t workers) {
    namespace asio = boost::asio;
    const RunningOperation running(*ClientAccess::state(state->client), *record);
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto executor = co_await asio::this_coro::executor;  // the client's strand: the workers share it
    std::exception_ptr failure;
    try {
        state->all_done = std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
        for (std::size_t w = 0; w < workers; ++w) {
            state->cancels.push_back(std::make_unique<asio::cancellation_signal>());
            asio::co_spawn(executor, bulk_worker(state),
                           asio::bind_cancellation_slot(state->cancels.back()->slot(), [state](std::exception_ptr) {
                               if (--state->running == 0) state->all_done->cancel();
                           }));
            ++state->running;
        }
    } catch (...) {
        failure = std::current_exception();  // co_await is not allowed in a handler: dealt with below
    }
    bool stop = failure != nullptr;
    if (!stop && state->running > 0) {
        // Sleeps until the last worker cancels the timer, or this operation is cancelled.
        auto [woken] = co_await state->all_done->async_wait(asio::as_tuple(asio::use_awaitable));
        (void)woken;
        stop = state->running > 0;
    }
    if (stop) {
        // Cancelled, or unable to start every worker: start nothing new, cancel what is in flight,
        // wait for it. Ids never started say why: a default-constructed expected would read as a success.
        co_await asio::this_coro::reset_cancellation_state();
        state->mark_not_started(
            state->next, failure
                             ? internal_error(failure)
                             : fail(ErrorKind::cancelled, errc::cancelled, "cancelled before it was started").error());
        state->next = state->ids.size();
        for (auto& cancel : state->cancels) cancel->emit(asio::cancellation_type::terminal);
        while (state->running > 0) {
            state->all_done->expires_at(asio::steady_timer::time_point::max());
            auto [again] = co_await state->all_done->async_wait(asio::as_tuple(asio::use_awaitable));
            (void)again;
        }
    }
    co_return std::move(state->results);
}

// If bulk_run itself throws, the results so far, the others marked with the exception.
template <class State>
struct RecoverBulkResults {
    std::shared_ptr<State> state;

    template <class Results>
    Results operator()(std::exception_ptr exception, std::type_identity<Results>) const {
        state->mark_not_started(state->next, internal_error(exception));
        state->next = state->ids.size();
        return state->results;
    }
};

}  // namespace detail

/// Runs operation(client, id) for every id, at most @p max_in_flight at a time, and completes with
/// one result per id, in the order of @p ids:
/// @code
/// std::vector<k6s::expected<void>> results = co_await k6s::async_for_each(
///     client, ids, 8, [](k6s::Client& c, k6s::ScheduleId id) { return c.async_deactivate_schedule(id); });
/// @endcode
/// Every result is the operation's own (retries included); the client's max_connections also
/// bounds what is on the wire. It never fails as a whole: there is always exactly one truthful
/// result per id. Cancelling it (terminal cancellation through the handler's slot, or
/// BasicClient::cancel_all()) cancels the operations in flight and starts no more: the results of
/// both say ErrorKind::cancelled. An operation that throws gives its id ErrorKind::internal.
/// The operations run on the client's strand, like the client's own.
/// @tparam Id The element type of @p ids (ScheduleId, LoadTestId, ...).
/// @tparam Operation Callable as `operation(ClientType&, const Id&)`, returning a deferred
/// operation of the client (what an `async_` member returns with the default token) or a
/// boost::asio::awaitable (a client made with use_awaitable.as_default_on), that completes with an
/// expected<T>.
/// @param client The client; the operation keeps a copy of it, which @p operation is called with.
/// @param ids The ids, one operation each.
/// @param max_in_flight The most operations at a time (0 counts as 1).
/// @param operation Starts the operation for one id.
/// @param token The completion token (default: as the client's operations); completes with
/// `void(std::vector<R>)`, R being what @p operation completes with (e.g. expected<void>).
/// @return Whatever @p token makes of the operation.
template <class Executor, class Id, class Operation,
          class CompletionToken = typename BasicClient<Executor>::default_completion_token_type>
auto async_for_each(const BasicClient<Executor>& client, std::vector<Id> ids, std::size_t max_in_flight,
                    Operation operation, CompletionToken&& token = {}) {
    namespace asio = boost::asio;
    using ClientType = BasicClient<Executor>;
    using Awaited = std::invoke_result_t<Operation&, ClientType&, const Id&>;
    using Result = typename detail::awaited_result<Awaited>::type;
    static_assert(std::is_constructible_v<Result, std::unexpected<ApiError>>,
                  "the operation must complete with an expected<T> (or a type made from std::unexpected<ApiError>)");
    using State = detail::BulkState<ClientType, Id, Operation, Result>;
    return asio::async_initiate<CompletionToken, void(std::vector<Result>)>(
        [client, max_in_flight](auto handler, std::vector<Id> all, Operation op) {
            auto state = std::make_shared<State>(State{client, std::move(all), std::move(op), {}, 0, 0, {}, {}});
            state->results.assign(state->ids.size(), Result(std::unexpected(detail::bulk_not_started())));
            const std::size_t workers = std::min(std::max<std::size_t>(max_in_flight, 1), state->ids.size());
            const auto& client_state = detail::ClientAccess::state(client);
            detail::start_operation<std::vector<Result>>(
                client_state,
                [&](const std::shared_ptr<detail::OperationRecord>& record) {
                    return detail::bulk_run<Result>(state, record, workers);
                },
                std::move(handler), detail::RecoverBulkResults<State>{state});
        },
        token, std::move(ids), std::move(operation));
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_BULK_HPP
