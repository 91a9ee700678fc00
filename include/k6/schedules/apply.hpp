// SPDX-License-Identifier: BSL-1.0
// Carries out a plan (plan_changes() in k6/schedules/plan.hpp) with a client: each change is one
// or two of the client's operations, a bounded number at a time, and each gets its own result.
#ifndef K6_SCHEDULES_APPLY_HPP
#define K6_SCHEDULES_APPLY_HPP

#include <k6/schedules/bulk.hpp>
#include <k6/schedules/client.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/plan.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

/// @file
/// async_apply(): the changes of a plan, carried out with a client.

K6_SCHEDULES_BEGIN_NAMESPACE

/// How async_apply() runs the changes.
struct ApplyOptions {
    /// The most changes in flight at a time (0 counts as 1). The client's max_connections also
    /// bounds what is on the wire.
    std::size_t max_in_flight = 8;
};

namespace detail {

// One change, as the client's operations: create and update set the schedule (the API replaces a
// load test's schedule, active, with a new id) and then deactivate it when the document says so.
// Completes with the id of the schedule the change leaves (for delete: the one deleted).
template <class ClientType>
boost::asio::awaitable<expected<ScheduleId>> apply_change(ClientType client, std::shared_ptr<const std::vector<Change>> changes,
                                                          std::size_t index) {
    namespace asio = boost::asio;
    const Change& change = (*changes)[index];
    switch (change.action) {
        case ChangeAction::create:
        case ChangeAction::update: {
            if (!change.after)
                co_return invalid_argument("a " + std::string(to_string(change.action)) + " change without `after`");
            expected<Schedule> set = co_await client.async_set_load_test_schedule(
                change.load_test_id, change.after->request, asio::use_awaitable);
            if (!set) co_return std::unexpected(std::move(set.error()));
            if (change.after->deactivated && !set->deactivated) {
                expected<void> off = co_await client.async_deactivate_schedule(set->id, asio::use_awaitable);
                if (!off) co_return std::unexpected(std::move(off.error()));
            }
            co_return set->id;
        }
        case ChangeAction::activate:
        case ChangeAction::deactivate:
        case ChangeAction::remove: {
            if (!change.schedule_id)
                co_return invalid_argument("a " + std::string(to_string(change.action)) + " change without a schedule id");
            const ScheduleId id = *change.schedule_id;
            // One co_await per statement: GCC 12 mishandles co_await inside a larger expression.
            expected<void> done;
            if (change.action == ChangeAction::activate)
                done = co_await client.async_activate_schedule(id, asio::use_awaitable);
            else if (change.action == ChangeAction::deactivate)
                done = co_await client.async_deactivate_schedule(id, asio::use_awaitable);
            else
                done = co_await client.async_delete_schedule(id, asio::use_awaitable);
            if (!done) co_return std::unexpected(std::move(done.error()));
            co_return id;
        }
    }
    co_return invalid_argument("unknown change action");
}

}  // namespace detail

/// Carries out @p changes (Plan::changes of plan_changes()) with @p client, at most
/// ApplyOptions::max_in_flight at a time, and completes with one result per change, in their
/// order: the id of the schedule the change leaves (create and update: the new one the API
/// returned; delete: the one deleted), or the error of the operation that failed.
/// - create and update: `POST /cloud/v6/load_tests/{id}/schedule`, then, when the document says
///   `deactivated`, `POST /cloud/v6/schedules/{id}/deactivate` on the new schedule;
/// - activate, deactivate and delete: the schedule's own operation.
/// Every operation has the client's retries and deadlines. Nothing is rolled back: a change that
/// failed shows again in the next plan, so applying the same document again converges, and once
/// every change succeeded the next plan is empty. Cancelling it (terminal cancellation, or
/// BasicClient::cancel_all()) cancels what is in flight and starts no more (ErrorKind::cancelled).
/// @code
/// auto plan = k6s::plan_changes(desired, current);
/// std::vector<k6s::expected<k6s::ScheduleId>> results = co_await k6s::async_apply(client, plan.changes);
/// @endcode
template <class Executor, class CompletionToken = typename BasicClient<Executor>::default_completion_token_type>
auto async_apply(const BasicClient<Executor>& client, std::vector<Change> changes, ApplyOptions options = {},
                 CompletionToken&& token = {}) {
    using ClientType = BasicClient<Executor>;
    auto shared = std::make_shared<const std::vector<Change>>(std::move(changes));
    std::vector<std::size_t> indices(shared->size());
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    return async_for_each(
        client, std::move(indices), options.max_in_flight,
        [shared](ClientType& c, std::size_t i) { return detail::apply_change<ClientType>(c, shared, i); },
        std::forward<CompletionToken>(token));
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_APPLY_HPP
