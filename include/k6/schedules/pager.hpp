// SPDX-License-Identifier: BSL-1.0
// Pager: a lazy listing of all schedules that follows @nextLink page by page.
#ifndef K6_SCHEDULES_PAGER_HPP
#define K6_SCHEDULES_PAGER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/io/entry_points.hpp>
#include <k6/schedules/model.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

/// @file
/// BasicPager (Pager): a lazy listing of all schedules that follows "@nextLink" page by page.

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

// The executor's default completion token (use_awaitable for an executor made by
// use_awaitable.as_default_on, say), or deferred when it names none: `co_await
// client.async_x(...)` works either way.
template <class Executor>
using default_token_t = std::conditional_t<std::is_void_v<boost::asio::default_completion_token_t<Executor>>,
                                           boost::asio::deferred_t, boost::asio::default_completion_token_t<Executor>>;

}  // namespace detail

template <class Executor>
class BasicClient;

/// How a Pager lists (BasicClient::list_schedules, BasicClient::resume_listing).
struct PagerOptions {
    /// While the caller works on page N, request page N+1 (one page at most), so that network time
    /// and decoding overlap. Costs one more page of memory, and one request that may go unused.
    bool read_ahead = false;

    /// How many pages in a row may come without a schedule but with a "@nextLink" before the
    /// listing ends with ErrorKind::malformed_response (errc::bad_next_link) instead of following
    /// the next link: a server that keeps answering empty pages with ever-new links would otherwise
    /// be followed forever (no link repeats, so cycle detection cannot see it). Server-driven paging
    /// (as in OData, whose "@nextLink" this API uses) lets a server return fewer items than asked,
    /// even none, with a next link, so a few empty pages in a row can be legitimate; a hundred leaves
    /// ample room for that, while reaching the bound costs a hundred small requests (kilobytes,
    /// seconds even over a slow link) instead of an endless loop. 0: the first empty page with a
    /// link ends the listing.
    std::size_t max_empty_pages = 100;
};

/// A lazy listing of all schedules, page by page, from BasicClient::list_schedules() or
/// BasicClient::resume_listing(): BasicPager<Executor> for a BasicClient<Executor>, so a client
/// made with boost::asio::use_awaitable.as_default_on gives pagers whose operations return
/// awaitables too. Sends nothing until first awaited, then one request per page: the
/// first from the ListQuery, the others from "@nextLink". A relative link is resolved against the
/// URL of the page that carried it (RFC 3986 §5). The path is sent in its normal form (dot segments
/// removed, percent-encoded unreserved characters decoded), the query exactly as the server wrote it.
/// @code
/// auto pager = client.list_schedules(k6s::ListQuery{.top = 1000}, {.read_ahead = true});
/// while (auto item = co_await pager.async_next()) {  // std::optional<expected<Schedule>>
///     if (!*item) { std::cerr << item->error() << "\n"; break; }  // an error is the last element
///     use(**item);
/// }
/// @endcode
///
/// The bearer token goes with every request, so a link is refused (errc::bad_next_link, nothing sent)
/// when it leaves the API's scheme, host and port, or when its normalised path is not api_url's path
/// or below it (with api_url `https://gw/k6`: `/k6/../elsewhere`, `/k6/%2e%2e/elsewhere` and
/// `/k6evil` are refused). A listing cannot go on forever: links that go round in a circle are
/// refused once the circle is detected (a circle of up to 8 pages before any page comes twice, a
/// longer one within about twice its length), and so is the link after
/// PagerOptions::max_empty_pages empty pages in a row. A refused link is an
/// ErrorKind::malformed_response error, or ErrorKind::invalid_argument for the link given to
/// resume_listing(). An empty or absent "@nextLink" ends the listing. Memory stays at one page
/// (two with read-ahead) however long the listing; the pager keeps the client's state alive.
///
/// @par Errors
/// Each page can fail as any operation of BasicClient can (retries included), besides the refused
/// links above. Cancelling an operation (terminal cancellation through its handler's slot, or
/// BasicClient::cancel_all()) completes it with ErrorKind::cancelled and leaves the listing where it
/// was: the next call asks for the same page again. Any other error ends the listing, but
/// next_link() still names the page that failed, so BasicClient::resume_listing() can retry it later.
///
/// @par Thread safety
/// Move-only. One operation at a time: starting another while one is in flight completes it with
/// ErrorKind::invalid_argument. The accessors are for when none is in flight. The operations run on
/// the client's strand; the object itself is not to be used from two threads at once. Dropping the
/// pager cancels a read-ahead request still in flight. After the client is closed
/// (BasicClient::close(), BasicClient::async_close()), every operation completes with
/// ErrorKind::cancelled, schedules of the page in hand included.
///
/// @tparam Executor The executor type of get_executor(): the client's.
template <class Executor = boost::asio::any_io_executor>
class BasicPager {
public:
    /// The executor type, as Asio expects of an I/O object.
    using executor_type = Executor;
    /// The completion token of an operation called without one: as for the client's operations.
    using default_completion_token_type = detail::default_token_t<Executor>;

    /// The same pager type over another executor type, as Asio's as_default_on needs.
    template <class OtherExecutor>
    struct rebind_executor {
        using other = BasicPager<OtherExecutor>;  ///< BasicPager<OtherExecutor>.
    };

    /// Takes over @p other's listing; @p other is left empty (only destruction or assignment).
    BasicPager(BasicPager&&) noexcept = default;
    /// Takes over the listing of a pager over another executor type (what as_default_on needs).
    template <class OtherExecutor>
    requires(!std::is_same_v<OtherExecutor, Executor> && std::is_constructible_v<Executor, const OtherExecutor&>)
        BasicPager(BasicPager<OtherExecutor>&& other) noexcept
        : state_(std::move(other.state_)), executor_(other.executor_) {}
    /// Cancels this pager's read-ahead request, if any, then takes over @p other's listing.
    BasicPager& operator=(BasicPager&& other) noexcept {
        if (this != &other) {
            cancel_read_ahead();
            state_ = std::move(other.state_);
            executor_ = std::move(other.executor_);
        }
        return *this;
    }
    BasicPager(const BasicPager&) = delete;             ///< Move-only.
    BasicPager& operator=(const BasicPager&) = delete;  ///< Move-only.
    /// Cancels a read-ahead request still in flight; an operation in flight still completes.
    ~BasicPager() { cancel_read_ahead(); }

    /// The executor of the client the pager lists with (not its internal strand): where handlers
    /// without an executor of their own run.
    executor_type get_executor() const noexcept { return executor_; }

    /// The next page. An empty page may still have a next link; once the listing is over it
    /// completes with an empty page without one (done()).
    /// @param token The completion token (default: as for the client's operations, see
    /// default_completion_token_type); the operation completes with `void(expected<SchedulePage>)`,
    /// never from inside this call.
    /// @return Whatever @p token makes of the operation.
    template <class CompletionToken = default_completion_token_type>
    auto async_next_page(CompletionToken&& token = {}) {
        using Result = expected<SchedulePage>;
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [](auto handler, const std::shared_ptr<detail::PagerState>& state) {
                detail::start_next_page(state, detail::Handler<Result>(std::move(handler)));
            },
            token, state_);
    }

    /// The next schedule across pages. An error is the last element: after it the pager is done;
    /// except a cancellation, after which the next call fetches the same page again. A schedule of
    /// the page in hand completes without a request or a trip through the client's strand (still
    /// never inside this call: it is posted).
    /// @param token The completion token (default: as for the client's operations, see
    /// default_completion_token_type); the operation completes with
    /// `void(std::optional<expected<Schedule>>)`, std::nullopt at the end of the listing.
    /// @return Whatever @p token makes of the operation.
    template <class CompletionToken = default_completion_token_type>
    auto async_next(CompletionToken&& token = {}) {
        using Result = std::optional<expected<Schedule>>;
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [](auto handler, const std::shared_ptr<detail::PagerState>& state) {
                detail::start_next(state, detail::Handler<Result>(std::move(handler)));
            },
            token, state_);
    }

    /// The listing's "@count", once a page carried it (ListQuery::count).
    std::optional<std::int64_t> total_count() const { return detail::pager_total_count(*state_); }

    /// Where the listing goes on, as an absolute URL (a relative "@nextLink" resolved against its
    /// page): save it and pass it to BasicClient::resume_listing() to continue with the first page
    /// not yet delivered by async_next_page() (the rest of a page async_next() is in the middle of
    /// is not included). After a failed fetch it is the link of the page that failed, so resuming
    /// retries that page. Empty before the first page of list_schedules(), after the last page and
    /// after a refused link.
    std::optional<std::string> next_link() const { return detail::pager_next_link(*state_); }

    /// No page is left to fetch: the last page was seen, a page failed, or a link was refused. Not
    /// after a cancellation, which leaves the listing where it was.
    bool done() const { return detail::pager_done(*state_); }

private:
    template <class>
    friend class BasicClient;
    template <class>
    friend class BasicPager;

    BasicPager(std::shared_ptr<detail::PagerState> state, executor_type executor)
        : state_(std::move(state)), executor_(std::move(executor)) {}

    void cancel_read_ahead() noexcept {
        if (state_) detail::pager_cancel_read_ahead(state_);
    }

    std::shared_ptr<detail::PagerState> state_;
    executor_type executor_;
};

/// The pager of a Client (over boost::asio::any_io_executor): what most programs use.
using Pager = BasicPager<>;

K6_SCHEDULES_END_NAMESPACE

// Header-only: the definitions behind the entry points, here (see detail/config.hpp).
#if !defined(K6_SCHEDULES_SEPARATE_COMPILATION) || defined(K6_SCHEDULES_IMPLEMENTATION)
#include <k6/schedules/detail/io/client.ipp>
#endif

#endif  // K6_SCHEDULES_PAGER_HPP
