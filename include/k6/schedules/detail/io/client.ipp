// SPDX-License-Identifier: BSL-1.0
// The definitions of the entry points (detail/entry_points.hpp) and of the accessors that
// operations use (detail/operation.hpp): header-only, function templates that a translation unit
// compiles only when it calls them (K6_SCHEDULES_DECL); or compiled once by
// <k6/schedules/src.hpp> (K6_SCHEDULES_SEPARATE_COMPILATION).
#ifndef K6_SCHEDULES_DETAIL_IO_CLIENT_IPP
#define K6_SCHEDULES_DETAIL_IO_CLIENT_IPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/io/call.hpp>
#include <k6/schedules/detail/io/client_state.hpp>
#include <k6/schedules/detail/io/entry_points.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/io/pager_state.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>

#include <boost/asio/post.hpp>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

K6_SCHEDULES_DEF const asio::any_io_executor& strand_of(const ClientState& state) noexcept { return state.strand; }
K6_SCHEDULES_DEF const asio::any_io_executor& executor_of(const ClientState& state) noexcept { return state.executor; }
K6_SCHEDULES_DEF const Redactor& redactor_of(const ClientState& state) noexcept { return state.redactor; }
K6_SCHEDULES_DEF void add_running(ClientState& state, OperationRecord& record) { state.running.insert(&record); }
K6_SCHEDULES_DEF void remove_running(ClientState& state, OperationRecord& record) noexcept {
    state.running.erase(&record);
}

K6_SCHEDULES_DEF void outstanding_started(ClientState& state) noexcept {
    state.outstanding.fetch_add(1, std::memory_order_relaxed);
}

// Called where a handler has just run (or been destroyed unrun), on any thread.
K6_SCHEDULES_DEF void outstanding_finished(const std::shared_ptr<ClientState>& state) noexcept {
    // Sequentially consistent, as in start_close: either this sees `closed`, or the closer sees 0.
    if (state->outstanding.fetch_sub(1) != 1) return;
    if (!state->closed.load()) return;
    try {
        asio::post(state->strand, [state] { state->wake_quiet_waiters(); });
    } catch (...) {  // only allocation can fail; async_close then finds out on its next look
    }
}

K6_SCHEDULES_DEF expected<std::shared_ptr<ClientState>> make_client_state(const asio::any_io_executor& executor,
                                                                          ClientOptions options) {
    return ClientState::create(executor, std::move(options));
}

K6_SCHEDULES_DEF const ClientOptions& options_of(const ClientState& state) noexcept { return state.options; }

template <class T>
void start_call_for(const std::shared_ptr<ClientState>& state, std::shared_ptr<const CallSettings> settings,
                    RequestSpec spec, Handler<expected<T>> handler) {
    auto record = std::make_shared<OperationRecord>();
    spawn_operation<expected<T>>(state, record,
                                 run_operation<T>(state, std::move(spec), std::move(settings), nullptr, record),
                                 std::move(handler));
}

K6_SCHEDULES_DEF void start_call(const std::shared_ptr<ClientState>& state,
                                 std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                 Handler<expected<Schedule>> handler) {
    start_call_for<Schedule>(state, std::move(settings), std::move(spec), std::move(handler));
}
K6_SCHEDULES_DEF void start_call(const std::shared_ptr<ClientState>& state,
                                 std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                 Handler<expected<SchedulePage>> handler) {
    start_call_for<SchedulePage>(state, std::move(settings), std::move(spec), std::move(handler));
}
K6_SCHEDULES_DEF void start_call(const std::shared_ptr<ClientState>& state,
                                 std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                 Handler<expected<void>> handler) {
    start_call_for<void>(state, std::move(settings), std::move(spec), std::move(handler));
}

K6_SCHEDULES_DEF void start_call(const std::shared_ptr<ClientState>& state,
                                 std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                 Handler<expected<AuthenticationResponse>> handler) {
    start_call_for<AuthenticationResponse>(state, std::move(settings), std::move(spec), std::move(handler));
}

K6_SCHEDULES_DEF void start_list_all(const std::shared_ptr<ClientState>& state,
                                     std::shared_ptr<const CallSettings> settings, ListQuery query,
                                     std::size_t max_items, std::size_t max_empty_pages,
                                     Handler<expected<std::vector<Schedule>>> handler) {
    using Result = expected<std::vector<Schedule>>;
    auto pager = std::make_shared<PagerState>(
        state, std::move(settings), PageCursor::from_query(query, max_empty_pages), true);
    auto collect = [](std::shared_ptr<PagerState> p, std::shared_ptr<OperationRecord> record,
                      std::size_t limit) -> asio::awaitable<Result> {
        const RunningOperation running(*p->client, *record);
        co_return co_await p->collect(limit);
    };
    start_operation<Result>(
        state, [&](const std::shared_ptr<OperationRecord>& record) { return collect(pager, record, max_items); },
        std::move(handler));
}

K6_SCHEDULES_DEF void client_close_idle(const std::shared_ptr<ClientState>& state) {
    asio::post(state->strand, [state] { state->close_idle(); });
}

K6_SCHEDULES_DEF void client_cancel_all(const std::shared_ptr<ClientState>& state) {
    asio::post(state->strand, [state] { state->cancel_all(); });
}

K6_SCHEDULES_DEF void client_close(const std::shared_ptr<ClientState>& state) {
    // At once, from the caller's thread: an operation the caller starts after close() returns is
    // refused, whichever runs first on the strand.
    state->closed.store(true, std::memory_order_seq_cst);
    asio::post(state->strand, [state] { state->cancel_all(); });
}

K6_SCHEDULES_DEF void start_close(const std::shared_ptr<ClientState>& state, Handler<expected<void>> handler) {
    state->closed.store(true, std::memory_order_seq_cst);
    // Not counted as outstanding work itself, and not registered for cancel_all(): it waits for the
    // others, and only its own caller cancels it.
    auto until_quiet = [](std::shared_ptr<ClientState> s) -> asio::awaitable<expected<void>> {
        co_await asio::this_coro::throw_if_cancelled(false);
        s->cancel_all();
        while (s->outstanding.load() != 0) {
            const auto spot = std::make_shared<ParkingSpot>(s->strand);
            s->quiet_waiters.push_back(spot);
            const ParkingSpot::Outcome outcome = co_await spot->park(std::nullopt);
            std::erase(s->quiet_waiters, spot);
            if (outcome == ParkingSpot::Outcome::cancelled)
                co_return std::unexpected(cancelled_error(
                    "cancelled while waiting for the client's operations to end (the client stays closed)"));
        }
        s->close_idle();  // connections that came back to the pool meanwhile
        co_return expected<void>{};
    };
    spawn_operation<expected<void>>(state, std::make_shared<OperationRecord>(), until_quiet(state),
                                    std::move(handler), RecoverWithInternalError{}, false);
}

K6_SCHEDULES_DEF std::shared_ptr<PagerState> make_pager(const std::shared_ptr<ClientState>& state,
                                                        std::shared_ptr<const CallSettings> settings,
                                                        const ListQuery& query, std::size_t max_empty_pages,
                                                        bool read_ahead) {
    return std::make_shared<PagerState>(state, std::move(settings), PageCursor::from_query(query, max_empty_pages),
                                        read_ahead);
}

K6_SCHEDULES_DEF std::shared_ptr<PagerState> make_resumed_pager(const std::shared_ptr<ClientState>& state,
                                                                std::shared_ptr<const CallSettings> settings,
                                                                std::string next_link, std::size_t max_empty_pages,
                                                                bool read_ahead) {
    return std::make_shared<PagerState>(state, std::move(settings),
                                        PageCursor::from_link(std::move(next_link), max_empty_pages), read_ahead);
}

K6_SCHEDULES_DEF void start_next_page(const std::shared_ptr<PagerState>& pager,
                                      Handler<expected<SchedulePage>> handler) {
    // The coroutine holds the state, so the operation finishes even if the Pager is dropped.
    auto run = [](std::shared_ptr<PagerState> p,
                  std::shared_ptr<OperationRecord> record) -> asio::awaitable<expected<SchedulePage>> {
        const RunningOperation running(*p->client, *record);
        co_return co_await p->next_page();
    };
    start_operation<expected<SchedulePage>>(
        pager->client, [&](const std::shared_ptr<OperationRecord>& record) { return run(pager, record); },
        std::move(handler));
}

K6_SCHEDULES_DEF void start_next(const std::shared_ptr<PagerState>& pager,
                                 Handler<std::optional<expected<Schedule>>> handler) {
    using Result = std::optional<expected<Schedule>>;
    // A schedule of the page in hand needs no request and no trip through the client's strand.
    if (auto item = pager->take_buffered()) {
        complete_later(pager->client, std::move(handler), Result(std::move(*item)));
        return;
    }
    auto run = [](std::shared_ptr<PagerState> p, std::shared_ptr<OperationRecord> record) -> asio::awaitable<Result> {
        const RunningOperation running(*p->client, *record);
        co_return co_await p->next();
    };
    start_operation<Result>(
        pager->client, [&](const std::shared_ptr<OperationRecord>& record) { return run(pager, record); },
        std::move(handler));
}

K6_SCHEDULES_DEF std::optional<std::int64_t> pager_total_count(const PagerState& pager) {
    return pager.cursor.total_count();
}

K6_SCHEDULES_DEF std::optional<std::string> pager_next_link(const PagerState& pager) {
    return pager.cursor.next_link(pager.client->endpoint);
}

K6_SCHEDULES_DEF bool pager_done(const PagerState& pager) { return pager.cursor.finished() && !pager.prefetch; }

K6_SCHEDULES_DEF void pager_cancel_read_ahead(const std::shared_ptr<PagerState>& pager) noexcept {
    if (!pager->read_ahead) return;  // without read-ahead there is never a request to cancel
    try {
        asio::post(pager->client->strand, [pager] {
            if (pager->prefetch && !pager->prefetch->result)
                pager->prefetch->operation.signal.emit(asio::cancellation_type::terminal);
        });
    } catch (...) {  // posting can only fail on allocation; the request then ends by itself
    }
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CLIENT_IPP
