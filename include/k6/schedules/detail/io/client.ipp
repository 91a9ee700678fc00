// SPDX-License-Identifier: BSL-1.0
// The definitions of the entry points (detail/entry_points.hpp) and of the accessors that
// operations use (detail/operation.hpp): inline in every translation unit when the library
// is header-only, or compiled once by <k6/schedules/src.hpp> (K6_SCHEDULES_SEPARATE_COMPILATION).
#ifndef K6_SCHEDULES_DETAIL_IO_CLIENT_IPP
#define K6_SCHEDULES_DETAIL_IO_CLIENT_IPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/io/call.hpp>
#include <k6/schedules/detail/io/client_state.hpp>
#include <k6/schedules/detail/io/entry_points.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/io/pager_state.hpp>

#include <boost/asio/post.hpp>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

K6_SCHEDULES_DECL const asio::any_io_executor& strand_of(const ClientState& state) noexcept {
    return state.strand;
}
K6_SCHEDULES_DECL const asio::any_io_executor& executor_of(const ClientState& state) noexcept {
    return state.executor;
}
K6_SCHEDULES_DECL void add_running(ClientState& state, OperationRecord& record) { state.running.insert(&record); }
K6_SCHEDULES_DECL void remove_running(ClientState& state, OperationRecord& record) noexcept {
    state.running.erase(&record);
}

K6_SCHEDULES_DECL expected<std::shared_ptr<ClientState>> make_client_state(const asio::any_io_executor& executor,
                                                                           ClientOptions options) {
    return ClientState::create(executor, std::move(options));
}

K6_SCHEDULES_DECL const ClientOptions& options_of(const ClientState& state) noexcept { return state.options; }

template <class T>
void start_call_for(const std::shared_ptr<ClientState>& state, std::shared_ptr<const CallSettings> settings,
                    RequestSpec spec, Handler<expected<T>> handler) {
    auto record = std::make_shared<OperationRecord>();
    spawn_operation<expected<T>>(state, record,
                                 run_operation<T>(state, std::move(spec), std::move(settings), nullptr, record),
                                 std::move(handler));
}

K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<Schedule>> handler) {
    start_call_for<Schedule>(state, std::move(settings), std::move(spec), std::move(handler));
}
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<SchedulePage>> handler) {
    start_call_for<SchedulePage>(state, std::move(settings), std::move(spec), std::move(handler));
}
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<void>> handler) {
    start_call_for<void>(state, std::move(settings), std::move(spec), std::move(handler));
}

K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<AuthenticationResponse>> handler) {
    start_call_for<AuthenticationResponse>(state, std::move(settings), std::move(spec), std::move(handler));
}

K6_SCHEDULES_DECL void start_list_all(const std::shared_ptr<ClientState>& state,
                                      std::shared_ptr<const CallSettings> settings, ListQuery query,
                                      std::size_t max_items, std::size_t max_empty_pages,
                                      Handler<expected<std::vector<Schedule>>> handler) {
    using Result = expected<std::vector<Schedule>>;
    auto pager = std::make_shared<PagerState>(
        state, std::move(settings), PageCursor::from_query(query, max_empty_pages), true);
    auto collect = [](std::shared_ptr<PagerState> p, std::size_t limit) -> asio::awaitable<Result> {
        co_return co_await p->collect(limit);
    };
    start_operation<Result>(state, collect(pager, max_items), std::move(handler));
}

K6_SCHEDULES_DECL void client_close_idle(const std::shared_ptr<ClientState>& state) {
    asio::post(state->strand, [state] { state->close_idle(); });
}

K6_SCHEDULES_DECL void client_cancel_all(const std::shared_ptr<ClientState>& state) {
    asio::post(state->strand, [state] { state->cancel_all(); });
}

K6_SCHEDULES_DECL void client_close(const std::shared_ptr<ClientState>& state) {
    asio::post(state->strand, [state] {
        state->closed = true;
        state->cancel_all();
    });
}

K6_SCHEDULES_DECL std::shared_ptr<PagerState> make_pager(const std::shared_ptr<ClientState>& state,
                                                         std::shared_ptr<const CallSettings> settings,
                                                         const ListQuery& query, std::size_t max_empty_pages,
                                                         bool read_ahead) {
    return std::make_shared<PagerState>(state, std::move(settings), PageCursor::from_query(query, max_empty_pages),
                                        read_ahead);
}

K6_SCHEDULES_DECL std::shared_ptr<PagerState> make_resumed_pager(const std::shared_ptr<ClientState>& state,
                                                                 std::shared_ptr<const CallSettings> settings,
                                                                 std::string next_link, std::size_t max_empty_pages,
                                                                 bool read_ahead) {
    return std::make_shared<PagerState>(state, std::move(settings),
                                        PageCursor::from_link(std::move(next_link), max_empty_pages), read_ahead);
}

K6_SCHEDULES_DECL void start_next_page(const std::shared_ptr<PagerState>& pager,
                                       Handler<expected<SchedulePage>> handler) {
    // The coroutine holds the state, so the operation finishes even if the Pager is dropped.
    auto run = [](std::shared_ptr<PagerState> p) -> asio::awaitable<expected<SchedulePage>> {
        co_return co_await p->next_page();
    };
    start_operation<expected<SchedulePage>>(pager->client, run(pager), std::move(handler));
}

K6_SCHEDULES_DECL void start_next(const std::shared_ptr<PagerState>& pager,
                                  Handler<std::optional<expected<Schedule>>> handler) {
    using Result = std::optional<expected<Schedule>>;
    // A schedule of the page in hand needs no request and no trip through the client's strand.
    if (auto item = pager->take_buffered()) {
        complete_later(pager->client->executor, std::move(handler), Result(std::move(*item)));
        return;
    }
    auto run = [](std::shared_ptr<PagerState> p) -> asio::awaitable<Result> { co_return co_await p->next(); };
    start_operation<Result>(pager->client, run(pager), std::move(handler));
}

K6_SCHEDULES_DECL std::optional<std::int64_t> pager_total_count(const PagerState& pager) {
    return pager.cursor.total_count();
}

K6_SCHEDULES_DECL std::optional<std::string> pager_next_link(const PagerState& pager) {
    return pager.cursor.next_link(pager.client->endpoint);
}

K6_SCHEDULES_DECL bool pager_done(const PagerState& pager) { return pager.cursor.finished() && !pager.prefetch; }

K6_SCHEDULES_DECL void pager_cancel_read_ahead(const std::shared_ptr<PagerState>& pager) noexcept {
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
