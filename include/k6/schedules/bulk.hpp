// One operation over many ids with a bounded number in flight: deactivate 10,000 schedules, eight
// at a time, and get one result per id, in the order of the ids.
#ifndef K6_SCHEDULES_BULK_HPP
#define K6_SCHEDULES_BULK_HPP

#include <k6/schedules/client.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The value a deferred operation of signature void(R) completes with.
template <class DeferredOperation>
struct deferred_result;
template <class R, class... Rest>
struct deferred_result<boost::asio::deferred_async_operation<void(R), Rest...>> {
    using type = R;
};

template <class Id, class Operation, class Result>
struct BulkState {
    Client client;
    std::vector<Id> ids;
    Operation operation;
    std::vector<Result> results;
    std::size_t next = 0;     // the next id to start
    std::size_t running = 0;  // workers not finished
    std::vector<std::unique_ptr<boost::asio::cancellation_signal>> cancels;
    std::unique_ptr<boost::asio::steady_timer> all_done;  // cancelled when the last worker ends
};

// Takes ids one by one until none is left; each worker has at most one operation in flight.
template <class State>
boost::asio::awaitable<void> bulk_worker(std::shared_ptr<State> state) {
    co_await boost::asio::this_coro::throw_if_cancelled(false);  // a cancelled operation is a result
    while (state->next < state->ids.size()) {
        const std::size_t i = state->next++;
        auto result = co_await state->operation(state->client, state->ids[i]);
        state->results[i] = std::move(result);
    }
}

template <class Result, class State>
boost::asio::awaitable<std::vector<Result>> bulk_run(std::shared_ptr<State> state, std::size_t workers) {
    namespace asio = boost::asio;
    co_await asio::this_coro::throw_if_cancelled(false);
    if (workers == 0) co_return std::vector<Result>{};
    const auto executor = co_await asio::this_coro::executor;  // a strand: the workers share it
    state->all_done = std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
    state->running = workers;
    for (std::size_t w = 0; w < workers; ++w) {
        state->cancels.push_back(std::make_unique<asio::cancellation_signal>());
        asio::co_spawn(executor, bulk_worker(state),
                       asio::bind_cancellation_slot(state->cancels.back()->slot(), [state](std::exception_ptr) {
                           if (--state->running == 0) state->all_done->cancel();
                       }));
    }
    // Sleeps until the last worker cancels the timer.
    auto [woken] = co_await state->all_done->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)woken;
    if (state->running > 0) {
        // This operation was cancelled: start nothing new, cancel what is in flight, wait for it.
        co_await asio::this_coro::reset_cancellation_state();
        // Ids never started say so: a default-constructed expected would read as a success.
        for (std::size_t i = state->next; i < state->ids.size(); ++i)
            state->results[i] = fail(ErrorKind::cancelled, errc::cancelled, "cancelled before it was started");
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

}  // namespace detail

// Runs operation(client, id) for every id, at most max_in_flight at a time, and completes with
// void(std::vector<R>): one R (what the operation completes with, e.g. expected<void>) per id, in
// the order of `ids`. `operation` returns a deferred operation of the client, e.g.
//   async_for_each(client, ids, 8, [](Client& c, ScheduleId id) { return c.async_deactivate_schedule(id); })
// Every result is the operation's own (retries included); the client's max_connections also
// bounds what is on the wire. Cancelling it cancels the operations in flight and starts no more:
// the results of both say ErrorKind::cancelled.
template <class Id, class Operation, class CompletionToken = boost::asio::deferred_t>
auto async_for_each(const Client& client, std::vector<Id> ids, std::size_t max_in_flight, Operation operation,
                    CompletionToken&& token = {}) {
    namespace asio = boost::asio;
    using Deferred = std::invoke_result_t<Operation&, Client&, const Id&>;
    using Result = typename detail::deferred_result<Deferred>::type;
    using State = detail::BulkState<Id, Operation, Result>;
    return asio::async_initiate<CompletionToken, void(std::vector<Result>)>(
        [client, max_in_flight](auto handler, std::vector<Id> all, Operation op) {
            auto state = std::make_shared<State>(State{client, std::move(all), std::move(op), {}, 0, 0, {}, {}});
            state->results.resize(state->ids.size());
            const std::size_t workers = std::min(std::max<std::size_t>(max_in_flight, 1), state->ids.size());
            auto strand = asio::make_strand(client.get_executor());
            detail::spawn_on_strand(strand, detail::bulk_run<Result>(state, workers), std::move(handler));
        },
        token, std::move(ids), std::move(operation));
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_BULK_HPP
