// Pager: a lazy listing of all schedules that follows @nextLink page by page.
#ifndef K6_SCHEDULES_PAGER_HPP
#define K6_SCHEDULES_PAGER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/impl/pager.hpp>
#include <k6/schedules/model.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <optional>
#include <string>

K6_SCHEDULES_BEGIN_NAMESPACE

struct PagerOptions {
    // While the caller works on page N, request page N+1 (one page at most), so that network time
    // and decoding overlap. Costs one more page of memory, and one request that may go unused.
    bool read_ahead = false;
};

// From Client::list_schedules() or Client::resume_listing(). Sends nothing until first awaited,
// then one request per page: the first from the ListQuery, the others from @nextLink exactly as
// the server returned it. A link that leaves the API's scheme, host and port, or that was followed
// before, is refused (errc::bad_next_link) and nothing is sent to it. Memory stays at one page (two
// with read-ahead) however long the listing; the pager keeps the client's state alive.
//
// Move-only. One operation at a time; the accessors are for when none is in flight. Dropping the
// pager cancels a read-ahead request still in flight.
class Pager {
public:
    Pager(Pager&&) noexcept = default;
    Pager& operator=(Pager&& other) noexcept {
        if (this != &other) {
            cancel_read_ahead();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    Pager(const Pager&) = delete;
    Pager& operator=(const Pager&) = delete;
    ~Pager() { cancel_read_ahead(); }

    // The next page: completes with void(expected<SchedulePage>). An empty page may still have a
    // next link; once the listing is over it completes with an empty page without one (done()).
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_next_page(CompletionToken&& token = {}) {
        return initiate<expected<SchedulePage>>(std::forward<CompletionToken>(token),
                                                [](detail::PagerState& s) { return s.next_page(); });
    }

    // The next schedule across pages: completes with void(std::optional<expected<Schedule>>), empty
    // at the end. An error is the last element: after it the pager is done.
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_next(CompletionToken&& token = {}) {
        return initiate<std::optional<expected<Schedule>>>(std::forward<CompletionToken>(token),
                                                           [](detail::PagerState& s) { return s.next(); });
    }

    // "@count" of the listing, once a page carried it (ListQuery::count).
    std::optional<std::int64_t> total_count() const { return state_->cursor.total_count(); }

    // Where the listing goes on: save it and pass it to Client::resume_listing() to continue later.
    // Empty before the first page and after the last.
    std::optional<std::string> next_link() const { return state_->cursor.next_link(); }

    // No page is left to fetch (the last page was seen, or a page failed).
    bool done() const { return state_->cursor.finished() && !state_->prefetch; }

private:
    template <class>
    friend class BasicClient;

    explicit Pager(std::shared_ptr<detail::PagerState> state) : state_(std::move(state)) {}

    template <class Result, class CompletionToken, class Body>
    auto initiate(CompletionToken&& token, Body body) {
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [state = state_, body](auto handler) {
                // The coroutine holds the state, so the operation finishes even if the Pager is dropped.
                auto run = [](std::shared_ptr<detail::PagerState> s, Body b) -> boost::asio::awaitable<Result> {
                    co_return co_await b(*s);
                };
                detail::start_operation<Result>(state->client, run(state, body), std::move(handler));
            },
            token);
    }

    void cancel_read_ahead() noexcept {
        if (!state_ || !state_->read_ahead) return;  // without read-ahead there is never a request to cancel
        try {
            boost::asio::post(state_->client->strand, [state = state_] {
                if (state->prefetch && !state->prefetch->result)
                    state->prefetch->cancel.emit(boost::asio::cancellation_type::terminal);
            });
        } catch (...) {  // posting can only fail on allocation; the request then ends by itself
        }
    }

    std::shared_ptr<detail::PagerState> state_;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_PAGER_HPP
