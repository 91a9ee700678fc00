// SPDX-License-Identifier: BSL-1.0
// Client: the seven operations of the Schedules API as Asio asynchronous operations.
#ifndef K6_SCHEDULES_CLIENT_HPP
#define K6_SCHEDULES_CLIENT_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/detail/io/entry_points.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/pager.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <stdexcept>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

// The executor's default completion token (use_awaitable for an executor made by
// use_awaitable.as_default_on, say), or deferred when it names none: `co_await
// client.async_x(...)` works either way.
template <class Executor>
using default_token_t = std::conditional_t<std::is_void_v<asio::default_completion_token_t<Executor>>, asio::deferred_t,
                                           asio::default_completion_token_t<Executor>>;

struct ClientAccess;

}  // namespace detail

// A handle to one API endpoint with its own connection pool. Copies share the pool. Client is
// BasicClient<boost::asio::any_io_executor>; other executor types serve Asio's as_default_on:
//   auto client = boost::asio::use_awaitable.as_default_on(*Client::create(io, options));
//
// Every initiating function is const, takes its arguments by value (they are copied into the
// operation) and a completion token (default: the executor's default token, else
// boost::asio::deferred, so `co_await client.async_x(...)` works in a boost::asio::awaitable
// coroutine). It completes with one value, void(expected<T>); it never throws and never calls the
// handler from inside the initiating function. The handler runs on its associated executor, or on
// the executor the client was given when it has none (never on the client's internal strand, so a
// handler that blocks delays only itself). Terminal cancellation through the handler's
// cancellation slot closes the connection in use and completes with ErrorKind::cancelled.
//
// Thread safety: operations run on a strand of the executor given at construction, so a Client
// may be used from several threads and may run many operations at once.
template <class Executor = boost::asio::any_io_executor>
class BasicClient {
public:
    using executor_type = Executor;
    using default_completion_token_type = detail::default_token_t<Executor>;

    template <class OtherExecutor>
    struct rebind_executor {
        using other = BasicClient<OtherExecutor>;
    };

    // Never throws for bad input: invalid options or an unreadable CA file are the error.
    static expected<BasicClient> create(executor_type executor, ClientOptions options) {
        auto state = detail::make_client_state(executor, std::move(options));
        if (!state) return std::unexpected(std::move(state.error()));
        return BasicClient(std::move(*state), std::move(executor));
    }

    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>
    static expected<BasicClient> create(ExecutionContext& context, ClientOptions options) {
        return create(executor_type(context.get_executor()), std::move(options));
    }

    // The same as create(), for those who prefer exceptions: throws std::invalid_argument with the
    // error's message when create() would fail.
    BasicClient(executor_type executor, ClientOptions options) : executor_(executor) {
        auto state = detail::make_client_state(executor, std::move(options));
        if (!state) throw std::invalid_argument(state.error().message);
        state_ = std::move(*state);
        settings_ = std::make_shared<const detail::CallSettings>(detail::CallSettings::from(detail::options_of(*state_)));
    }

    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&> BasicClient(
        ExecutionContext& context, ClientOptions options)
        : BasicClient(executor_type(context.get_executor()), std::move(options)) {}

    // The same client seen through another executor type (what as_default_on needs).
    template <class OtherExecutor>
    requires(!std::is_same_v<OtherExecutor, Executor> && std::is_constructible_v<Executor, const OtherExecutor&>)
        BasicClient(const BasicClient<OtherExecutor>& other)
        : state_(other.state_), settings_(other.settings_), executor_(other.executor_) {}

    executor_type get_executor() const noexcept { return executor_; }

    // A handle on the same connections whose operations (and pagers) use `call` for retries,
    // attempt timeout and deadline: client.with({.deadline = 2s}).async_get_schedule(id). Invalid
    // CallOptions (see CallOptions::validate) make every operation of the handle complete with
    // that invalid_argument error, sending nothing.
    BasicClient with(const CallOptions& call) const {
        BasicClient copy = *this;
        copy.settings_ =
            std::make_shared<const detail::CallSettings>(detail::CallSettings::from(options(), call));
        return copy;
    }
    const ClientOptions& options() const noexcept { return detail::options_of(*state_); }

    // GET /cloud/v6/load_tests/{id}/schedule
    template <class CompletionToken = default_completion_token_type>
    auto async_get_load_test_schedule(LoadTestId load_test, CompletionToken&& token = {}) const {
        return initiate<Schedule>(std::forward<CompletionToken>(token),
                                  detail::get_load_test_schedule_request(load_test));
    }

    // POST /cloud/v6/load_tests/{id}/schedule: sets (overwrites) the load test's schedule. The request
    // is checked by ClientOptions::request_validator first; an invalid one is not sent.
    template <class CompletionToken = default_completion_token_type>
    auto async_set_load_test_schedule(LoadTestId load_test, CreateScheduleRequest request,
                                      CompletionToken&& token = {}) const {
        return initiate<Schedule>(
            std::forward<CompletionToken>(token),
            detail::set_load_test_schedule_request(load_test, request, options().request_validator));
    }

    // GET /cloud/v6/schedules?$top&$skip&$count: one page. $top outside 1..1000 or a negative
    // $skip fail with invalid_argument before anything is sent.
    template <class CompletionToken = default_completion_token_type>
    auto async_list_schedules(ListQuery query = {}, CompletionToken&& token = {}) const {
        return initiate<SchedulePage>(std::forward<CompletionToken>(token), detail::list_schedules_request(query));
    }

    // Every schedule, lazily, page by page (see Pager). Nothing is sent until the pager is awaited.
    Pager list_schedules(ListQuery query = {}, PagerOptions options = {}) const {
        return Pager(detail::make_pager(state_, settings_, query, options.max_empty_pages, options.read_ahead));
    }

    // Continues a listing from a Pager::next_link() saved earlier. The link must lead to this
    // client's API origin and api_url's path like every @nextLink (errc::bad_next_link with
    // ErrorKind::invalid_argument otherwise); a relative one is resolved against api_url.
    Pager resume_listing(std::string next_link, PagerOptions options = {}) const {
        return Pager(detail::make_resumed_pager(state_, settings_, std::move(next_link), options.max_empty_pages,
                                                options.read_ahead));
    }

    // Every schedule in one vector: completes with void(expected<std::vector<Schedule>>). Fails with
    // invalid_argument rather than grow past max_items (nothing is dropped silently).
    template <class CompletionToken = default_completion_token_type>
    auto async_list_all_schedules(ListQuery query = {}, std::size_t max_items = 100'000,
                                  CompletionToken&& token = {}) const {
        using Result = expected<std::vector<Schedule>>;
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [state = state_, settings = settings_, query, max_items](auto handler) {
                detail::start_list_all(state, settings, query, max_items, PagerOptions{}.max_empty_pages,
                                       detail::Handler<Result>(std::move(handler)));
            },
            token);
    }

    // GET /cloud/v6/schedules/{id}
    template <class CompletionToken = default_completion_token_type>
    auto async_get_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<Schedule>(std::forward<CompletionToken>(token), detail::get_schedule_request(schedule));
    }

    // DELETE /cloud/v6/schedules/{id}
    template <class CompletionToken = default_completion_token_type>
    auto async_delete_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::delete_schedule_request(schedule));
    }

    // POST /cloud/v6/schedules/{id}/activate: 409 conflict when the schedule has no future run.
    template <class CompletionToken = default_completion_token_type>
    auto async_activate_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::activate_schedule_request(schedule));
    }

    // POST /cloud/v6/schedules/{id}/deactivate
    template <class CompletionToken = default_completion_token_type>
    auto async_deactivate_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::deactivate_schedule_request(schedule));
    }

    // Closes the idle keep-alive connections (operations in flight keep theirs).
    void close_idle_connections() const { detail::client_close_idle(state_); }

    // Cancels every operation of this client and its copies that is in flight when it runs (waiting
    // for a connection, connecting, exchanging, waiting to retry, pagers and async_for_each
    // included): each completes with ErrorKind::cancelled. Closes the idle connections too.
    // Operations started afterwards run as usual. Returns at once; the cancellations happen on the
    // client's strand, in order after operations started earlier by the calling thread.
    void cancel_all() const { detail::client_cancel_all(state_); }

    // For a graceful shutdown: cancel_all(), and from then on every new operation of this client
    // and its copies completes with ErrorKind::cancelled without sending anything. Connections are
    // closed as their operations end. Irreversible.
    void close() const { detail::client_close(state_); }

private:
    template <class>
    friend class BasicClient;
    friend struct detail::ClientAccess;

    BasicClient(std::shared_ptr<detail::ClientState> state, executor_type executor)
        : state_(std::move(state)),
          settings_(std::make_shared<const detail::CallSettings>(detail::CallSettings::from(options()))),
          executor_(std::move(executor)) {}

    template <class T, class CompletionToken>
    auto initiate(CompletionToken&& token, detail::RequestSpec spec) const {
        return boost::asio::async_initiate<CompletionToken, void(expected<T>)>(
            [](auto handler, const std::shared_ptr<detail::ClientState>& state,
               std::shared_ptr<const detail::CallSettings> settings, detail::RequestSpec request) {
                detail::start_call(state, std::move(settings), std::move(request),
                                   detail::Handler<expected<T>>(std::move(handler)));
            },
            token, state_, settings_, std::move(spec));
    }

    std::shared_ptr<detail::ClientState> state_;
    std::shared_ptr<const detail::CallSettings> settings_;  // ClientOptions, or a with() handle's CallOptions
    executor_type executor_;
};

using Client = BasicClient<>;

namespace detail {
// What the library's own composed operations (async_for_each) need of a client.
struct ClientAccess {
    template <class Executor>
    static const std::shared_ptr<ClientState>& state(const BasicClient<Executor>& client) noexcept {
        return client.state_;
    }
};
}  // namespace detail

K6_SCHEDULES_END_NAMESPACE

// Header-only: the definitions behind the entry points, here (see detail/config.hpp).
#if !defined(K6_SCHEDULES_SEPARATE_COMPILATION) || defined(K6_SCHEDULES_IMPLEMENTATION)
#include <k6/schedules/detail/io/client.ipp>
#endif

#endif  // K6_SCHEDULES_CLIENT_HPP
