// SPDX-License-Identifier: BSL-1.0
// The state behind a Pager, on the client's strand: the page cursor, the items of the current
// page for async_next(), and the optional read-ahead of the next page.
#ifndef K6_SCHEDULES_DETAIL_IO_PAGER_STATE_HPP
#define K6_SCHEDULES_DETAIL_IO_PAGER_STATE_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/io/call.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>
#include <k6/schedules/detail/page_cursor.hpp>
#include <k6/schedules/model.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// A page requested ahead of time: its result once it arrives, and the reader waiting for it.
struct Prefetch {
    explicit Prefetch(const asio::any_io_executor& strand) : ready(strand) {}

    // Its signal is emitted when the pager is dropped, its reader cancelled, or by Client::cancel_all.
    OperationRecord operation;
    std::optional<expected<SchedulePage>> result;
    ParkingSpot ready;  // woken when the result is in

    void complete(expected<SchedulePage> page) {
        result = std::move(page);
        ready.wake();
    }
};

struct PagerState {
    PagerState(std::shared_ptr<ClientState> client_state, std::shared_ptr<const CallSettings> call_settings,
               PageCursor page_cursor,
               bool read_ahead_pages)
        : client(std::move(client_state)),
          settings(std::move(call_settings)),
          cursor(std::move(page_cursor)),
          read_ahead(read_ahead_pages) {}

    std::shared_ptr<ClientState> client;
    std::shared_ptr<const CallSettings> settings;  // retries, timeouts and deadline for each page
    PageCursor cursor;
    bool read_ahead;
    std::atomic<bool> busy{false};  // one operation at a time per pager (see take_buffered)
    std::vector<Schedule> items;  // the current page, for async_next()
    std::size_t next_item = 0;
    std::shared_ptr<Prefetch> prefetch;  // at most one page ahead
    // The pages' parse trees reuse one block (shared: a read-ahead may outlive the pager). Pages
    // are decoded one at a time: a fetch waits for the read-ahead before it asks for another.
    std::shared_ptr<ParseScratch> scratch = std::make_shared<ParseScratch>();

    // Claims the pager for one operation: false when another one holds it. Atomic, because
    // take_buffered() claims it from the caller's thread, not the strand.
    bool claim() noexcept { return !busy.exchange(true, std::memory_order_acquire); }

    bool client_closed() const noexcept { return client->closed.load(std::memory_order_acquire); }

    // Releases the claim at the end of the operation.
    struct Busy {
        PagerState& state;
        explicit Busy(PagerState& s) : state(s) {}
        ~Busy() { state.busy.store(false, std::memory_order_release); }
    };

    // The next schedule of the page in hand, taken at once by async_next() without an operation
    // on the strand: most calls of a listing need no request, and a whole asynchronous operation per
    // schedule (spawn, strand, two executor hops) cost more than decoding it. Empty when a page
    // must be fetched, or when an operation holds the pager (which then reports the misuse).
    std::optional<Schedule> take_buffered() {
        if (client_closed()) return std::nullopt;  // the operation says so
        if (!claim()) return std::nullopt;
        const Busy guard(*this);
        if (next_item == items.size()) return std::nullopt;
        return std::move(items[next_item++]);
    }

    static ApiError in_progress() {
        return invalid_argument("another async_next_page() or async_next() of this Pager is still in progress").error();
    }

    // Starts fetching the page after the one just received, if read-ahead is on.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    void start_prefetch() {
        auto request = cursor.next_request(client->endpoint);
        if (!request) return;
        auto ahead = std::make_shared<Prefetch>(client->strand);
        prefetch = ahead;
        if (!*request) {
            ahead->result = std::unexpected(std::move(request->error()));
            return;
        }
        // Registered with the client like every operation, so that Client::cancel_all reaches it,
        // and outstanding work until it is in, so that Client::async_close waits for it.
        asio::co_spawn(client->strand,
                       run_operation<SchedulePage>(client, std::move(**request), settings, scratch,
                                                   std::shared_ptr<OperationRecord>(ahead, &ahead->operation)),
                       asio::bind_cancellation_slot(ahead->operation.signal.slot(),
                                                    [ahead, work = OutstandingWork(client)](
                                                        std::exception_ptr e, expected<SchedulePage> page) {
                                                        (void)work;  // ends when the page is in
                                                        if (e) page = std::unexpected(internal_error(e));
                                                        ahead->complete(std::move(page));
                                                    }));
    }

    // The next page from the server (or the read-ahead), recorded in the cursor. An empty page
    // without a link once the listing is over. A failed or cancelled fetch leaves the cursor on the
    // same link (see PageCursor::on_failure), and no read-ahead is started after it.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<expected<SchedulePage>> fetch_next() {
        expected<SchedulePage> page;
        const std::shared_ptr<Prefetch> ahead = std::exchange(prefetch, nullptr);
        if (ahead) {
            // Cancelling the wait cancels the request; the page (cancelled) is then waited for. The
            // cancellation, passed on, is forgotten here: a park() that sees it returns at once.
            while (!ahead->result) {
                if (co_await ahead->ready.park(std::nullopt) == ParkingSpot::Outcome::cancelled) {
                    ahead->operation.signal.emit(asio::cancellation_type::terminal);
                    co_await asio::this_coro::reset_cancellation_state();
                }
            }
            page = std::move(*ahead->result);
        } else {
            auto request = cursor.next_request(client->endpoint);
            if (!request) co_return SchedulePage{};
            if (!*request) co_return std::unexpected(std::move(request->error()));
            page = co_await run_operation<SchedulePage>(client, std::move(**request), settings, scratch);
        }
        if (!page) {
            cursor.on_failure(page.error());  // a cancelled page is asked for again next time
            co_return page;
        }
        if (page->next_link && page->next_link->empty()) page->next_link.reset();  // "" ends the listing
        cursor.on_page(*page);
        if (read_ahead && !cursor.finished()) start_prefetch();
        co_return page;
    }

    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<expected<SchedulePage>> next_page() {
        co_await asio::this_coro::throw_if_cancelled(false);  // cancellation is a result, not an exception
        if (client_closed()) co_return std::unexpected(client_closed_error());
        if (!claim()) co_return std::unexpected(in_progress());
        const Busy guard(*this);
        items.clear();  // a page read whole leaves nothing for async_next()
        next_item = 0;
        co_return co_await fetch_next();
    }

    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<std::optional<expected<Schedule>>> next() {
        co_await asio::this_coro::throw_if_cancelled(false);  // cancellation is a result, not an exception
        if (client_closed()) co_return std::unexpected(client_closed_error());
        if (!claim()) co_return std::unexpected(in_progress());
        const Busy guard(*this);
        while (next_item == items.size()) {
            items.clear();
            next_item = 0;
            if (cursor.finished() && !prefetch) co_return std::nullopt;
            auto page = co_await fetch_next();
            if (!page) co_return std::unexpected(std::move(page.error()));  // the last element
            items = std::move(page->items);  // an empty page that still has a link: go on
        }
        co_return std::move(items[next_item++]);
    }

    // Collects a whole listing, refusing to hold more than max_items schedules.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<expected<std::vector<Schedule>>> collect(std::size_t max_items) {
        co_await asio::this_coro::throw_if_cancelled(false);  // cancellation is a result, not an exception
        if (client_closed()) co_return std::unexpected(client_closed_error());
        if (!claim()) co_return std::unexpected(in_progress());
        const Busy guard(*this);
        std::vector<Schedule> all;
        while (!cursor.finished() || prefetch) {
            auto page = co_await fetch_next();
            if (!page) co_return std::unexpected(std::move(page.error()));
            if (page->items.size() > max_items - all.size())
                co_return invalid_argument("the listing has more than max_items = " + std::to_string(max_items) +
                                           " schedules; raise max_items or iterate with list_schedules()");
            all.insert(all.end(), std::make_move_iterator(page->items.begin()),
                       std::make_move_iterator(page->items.end()));
        }
        co_return all;
    }
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_PAGER_STATE_HPP
