// SPDX-License-Identifier: BSL-1.0
// Client: the seven operations of the Schedules API, and auth, as Asio asynchronous operations.
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

/// @file
/// BasicClient (Client): the operations of the Schedules API as Asio asynchronous operations.

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

struct ClientAccess;

}  // namespace detail

/// A handle to one API endpoint with its own connection pool: the operations of the Schedules API
/// as Asio asynchronous operations. Copies are cheap and share the pool. Client is
/// BasicClient<boost::asio::any_io_executor>; other executor types serve Asio's as_default_on:
/// @code
/// auto client = boost::asio::use_awaitable.as_default_on(*Client::create(io, options));
/// @endcode
///
/// @par Asynchronous operations
/// Every initiating function is const, takes its arguments by value (they are copied into the
/// operation) and a completion token (default: the executor's default token, else
/// boost::asio::deferred, so `co_await client.async_x(...)` works in a boost::asio::awaitable
/// coroutine; callbacks, use_future, as_tuple and parallel_group work too). It completes with one
/// value, `void(expected<T>)`; it never throws and never calls the handler from inside the
/// initiating function. The handler runs on its associated executor, or on the executor the client
/// was given when it has none (never on the client's internal strand, so a handler that blocks
/// delays only itself). Failed attempts are retried as ClientOptions::retry says.
///
/// @par Errors
/// Besides what each operation lists, any operation can complete with:
/// - ErrorKind::invalid_argument: an argument the API would reject for sure (an id <= 0, say), a
///   with() handle made from invalid CallOptions, or a proxy environment variable the client cannot
///   use; nothing was sent.
/// - ErrorKind::api: the API's error answer, with its `status`, `code`, `message` and `target`;
///   `ec` is the status's errc (classify_status()): errc::unauthorized (401), errc::forbidden (403),
///   errc::too_many_requests (429, after the retries), and so on.
/// - ErrorKind::transport, ErrorKind::tls: `ec` is the Asio or OpenSSL code (errc::unexpected_status
///   or errc::proxy_error for a proxy that refuses or breaks the CONNECT tunnel).
/// - ErrorKind::timeout: errc::timeout (a step, ClientOptions::attempt_timeout or the deadline), or
///   errc::queue_timeout (the deadline passed while waiting for a connection; nothing was sent).
/// - ErrorKind::malformed_response: errc::malformed_response, or errc::body_too_large.
/// - ErrorKind::cancelled: errc::cancelled, see below.
/// - ErrorKind::internal: errc::internal_error (an exception inside the client, such as std::bad_alloc).
///
/// @par Cancellation
/// Terminal cancellation through the handler's cancellation slot (bind_cancellation_slot,
/// awaitable operators, parallel_group) works at every step: waiting for a connection, resolving,
/// connecting, handshaking, sending, receiving, waiting to retry. It closes the connection in use
/// and completes with ErrorKind::cancelled; nothing is sent once it has arrived, and the client
/// stays usable. cancel_all() and close() cancel every operation in flight.
///
/// @par Thread safety
/// Operations run on a strand of the executor given at construction, so a client, its copies,
/// with() handles and pagers may be used from several threads, and run many operations at once.
/// The const members of one object may be called concurrently; assigning to an object while
/// another thread uses it is a data race, as for any type.
///
/// @tparam Executor The executor type of get_executor() (boost::asio::any_io_executor for Client).
template <class Executor = boost::asio::any_io_executor>
class BasicClient {
public:
    /// The executor type, as Asio expects of an I/O object.
    using executor_type = Executor;
    /// The completion token of an operation called without one: the executor's default completion
    /// token (use_awaitable for an executor made by use_awaitable.as_default_on, say), else
    /// boost::asio::deferred_t.
    using default_completion_token_type = detail::default_token_t<Executor>;

    /// The same client type over another executor type, as Asio's as_default_on needs.
    template <class OtherExecutor>
    struct rebind_executor {
        using other = BasicClient<OtherExecutor>;  ///< BasicClient<OtherExecutor>.
    };

    /// Makes a client. Never throws for bad input: invalid options or an unreadable CA file are the
    /// error. Sends nothing and opens no connection.
    /// @param executor Where the client runs its operations (on a strand of it) and where handlers
    /// without an associated executor run.
    /// @param options Validated by ClientOptions::validate(); the client keeps a copy.
    /// @return The client, or an ErrorKind::invalid_argument error naming every invalid setting, or
    /// the CA file that cannot be loaded (`target` "ca_file").
    static expected<BasicClient> create(executor_type executor, ClientOptions options) {
        auto state = detail::make_client_state(executor, std::move(options));
        if (!state) return std::unexpected(std::move(state.error()));
        return BasicClient(std::move(*state), std::move(executor));
    }

    /// The same as create(executor_type, ClientOptions) with the executor of @p context (a
    /// boost::asio::io_context, say).
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>
    static expected<BasicClient> create(ExecutionContext& context, ClientOptions options) {
        return create(executor_type(context.get_executor()), std::move(options));
    }

    /// The same as create(), for those who prefer exceptions.
    /// @throws std::invalid_argument with the error's message when create() would fail.
    BasicClient(executor_type executor, ClientOptions options) : executor_(executor) {
        auto state = detail::make_client_state(executor, std::move(options));
        if (!state) throw std::invalid_argument(state.error().message);
        state_ = std::move(*state);
        settings_ = std::make_shared<const detail::CallSettings>(detail::CallSettings::from(detail::options_of(*state_)));
    }

    /// The same with the executor of @p context.
    /// @throws std::invalid_argument with the error's message when create() would fail.
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&> BasicClient(
        ExecutionContext& context, ClientOptions options)
        : BasicClient(executor_type(context.get_executor()), std::move(options)) {}

    /// The same client seen through another executor type (what as_default_on needs): it shares
    /// @p other's connections and settings.
    template <class OtherExecutor>
    requires(!std::is_same_v<OtherExecutor, Executor> && std::is_constructible_v<Executor, const OtherExecutor&>)
        BasicClient(const BasicClient<OtherExecutor>& other)
        : state_(other.state_), settings_(other.settings_), executor_(other.executor_) {}

    /// The executor the client was given (not its internal strand).
    executor_type get_executor() const noexcept { return executor_; }

    /// A handle on the same connections whose operations (and pagers) use @p call for retries,
    /// attempt timeout and deadline: `client.with({.deadline = 2s}).async_get_schedule(id)`. Invalid
    /// CallOptions (see CallOptions::validate()) make every operation of the handle complete with
    /// that invalid_argument error, sending nothing.
    BasicClient with(const CallOptions& call) const {
        BasicClient copy = *this;
        copy.settings_ =
            std::make_shared<const detail::CallSettings>(detail::CallSettings::from(options(), call));
        return copy;
    }
    /// The options the client was made with (those of ClientOptions, not of a with() handle).
    const ClientOptions& options() const noexcept { return detail::options_of(*state_); }

    /// Gets a load test's schedule: `GET /cloud/v6/load_tests/{id}/schedule`.
    /// @param load_test The load test.
    /// @param token The completion token; the operation completes with `void(expected<Schedule>)`.
    /// @return Whatever @p token makes of the operation (with the default token, an awaitable
    /// deferred operation).
    /// @par Errors
    /// errc::not_found (ErrorKind::api) when the load test or its schedule does not exist; the
    /// errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_get_load_test_schedule(LoadTestId load_test, CompletionToken&& token = {}) const {
        return initiate<Schedule>(std::forward<CompletionToken>(token),
                                  detail::get_load_test_schedule_request(load_test));
    }

    /// Sets (overwrites) a load test's schedule: `POST /cloud/v6/load_tests/{id}/schedule`. The
    /// request is checked by ClientOptions::request_validator first; an invalid one is not sent.
    /// @param load_test The load test.
    /// @param request The schedule; sent as the API's request examples are written (see to_json()).
    /// @param token The completion token; the operation completes with `void(expected<Schedule>)`,
    /// the schedule as the service stored it.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// ErrorKind::invalid_argument from the request validator (`target` names the field; nothing
    /// sent); ErrorKind::internal when the validator throws (nothing sent); errc::bad_request
    /// (ErrorKind::api) when the service rejects the schedule; errc::not_found when the load test
    /// does not exist; the errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_set_load_test_schedule(LoadTestId load_test, CreateScheduleRequest request,
                                      CompletionToken&& token = {}) const {
        return initiate<Schedule>(
            std::forward<CompletionToken>(token),
            detail::set_load_test_schedule_request(load_test, request, options().request_validator));
    }

    /// Lists one page of schedules: `GET /cloud/v6/schedules?$top&$skip&$count`. To go on with
    /// SchedulePage::next_link, use list_schedules() (a Pager) instead.
    /// @param query The page size, offset and whether to count.
    /// @param token The completion token; the operation completes with `void(expected<SchedulePage>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// ErrorKind::invalid_argument for `$top` outside 1..1000 or a negative `$skip`, before anything
    /// is sent (ListQuery::validate()); the errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_list_schedules(ListQuery query = {}, CompletionToken&& token = {}) const {
        return initiate<SchedulePage>(std::forward<CompletionToken>(token), detail::list_schedules_request(query));
    }

    /// Every schedule, lazily, page by page (see BasicPager). Nothing is sent until the pager is
    /// awaited.
    /// @param query The first page's query; later pages follow "@nextLink".
    /// @param options Read-ahead, and the bound on empty pages in a row.
    /// @return A pager over this client's executor type (Pager for a Client), whose operations
    /// take the same default completion token as the client's.
    BasicPager<Executor> list_schedules(ListQuery query = {}, PagerOptions options = {}) const {
        return BasicPager<Executor>(
            detail::make_pager(state_, settings_, query, options.max_empty_pages, options.read_ahead), executor_);
    }

    /// Continues a listing from a Pager::next_link() saved earlier. Nothing is sent until the pager
    /// is awaited.
    /// @param next_link The saved link. It must lead to this client's API origin and api_url's path
    /// like every "@nextLink", or the pager's first operation completes with errc::bad_next_link
    /// (ErrorKind::invalid_argument), sending nothing; a relative one is resolved against api_url.
    /// @param options Read-ahead, and the bound on empty pages in a row.
    BasicPager<Executor> resume_listing(std::string next_link, PagerOptions options = {}) const {
        return BasicPager<Executor>(detail::make_resumed_pager(state_, settings_, std::move(next_link),
                                                               options.max_empty_pages, options.read_ahead),
                                    executor_);
    }

    /// Every schedule in one vector, following "@nextLink" from page to page like a Pager.
    /// @param query The first page's query.
    /// @param max_items The most schedules to hold; a longer listing fails rather than grow past
    /// it (nothing is dropped silently).
    /// @param token The completion token; the operation completes with
    /// `void(expected<std::vector<Schedule>>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// ErrorKind::invalid_argument when the listing has more than @p max_items schedules, or for an
    /// invalid @p query; errc::bad_next_link when a link must not be followed (see Pager); the
    /// errors of every operation (see BasicClient). Cancelling it ends the whole listing.
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

    /// Gets a schedule: `GET /cloud/v6/schedules/{id}`.
    /// @param schedule The schedule.
    /// @param token The completion token; the operation completes with `void(expected<Schedule>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// errc::not_found (ErrorKind::api) when the schedule does not exist; the errors of every
    /// operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_get_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<Schedule>(std::forward<CompletionToken>(token), detail::get_schedule_request(schedule));
    }

    /// Deletes a schedule: `DELETE /cloud/v6/schedules/{id}`.
    /// @param schedule The schedule.
    /// @param token The completion token; the operation completes with `void(expected<void>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// errc::not_found (ErrorKind::api) when the schedule does not exist; but a 404 after an attempt
    /// that may have deleted it (its answer was lost, or a gateway answered 502 or 504) completes
    /// as done. The errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_delete_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::delete_schedule_request(schedule));
    }

    /// Activates a schedule: `POST /cloud/v6/schedules/{id}/activate`. Idempotent.
    /// @param schedule The schedule.
    /// @param token The completion token; the operation completes with `void(expected<void>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// errc::conflict (ErrorKind::api, HTTP 409) when the schedule has no future run;
    /// errc::not_found when it does not exist; the errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_activate_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::activate_schedule_request(schedule));
    }

    /// Deactivates a schedule: `POST /cloud/v6/schedules/{id}/deactivate`. Idempotent.
    /// @param schedule The schedule.
    /// @param token The completion token; the operation completes with `void(expected<void>)`.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// errc::not_found (ErrorKind::api) when the schedule does not exist; the errors of every
    /// operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_deactivate_schedule(ScheduleId schedule, CompletionToken&& token = {}) const {
        return initiate<void>(std::forward<CompletionToken>(token), detail::deactivate_schedule_request(schedule));
    }

    /// Validates a token and its access to a Grafana stack, and finds out the stack's id:
    /// `GET /cloud/v6/auth` with `X-Stack-Url: <stack_url>` and the bearer token, and no X-Stack-Id
    /// (the stack id is what it answers). A client whose ClientOptions::stack_id is 0 makes this
    /// call itself before its first operation (see ClientOptions::stack_url); calling it directly
    /// does not change the client's stack id. Retried, timed and observed (operation
    /// "authenticate") like every GET.
    /// @param stack_url The stack's URL, "https://mystack.grafana.net": an absolute http(s) URL
    /// without spaces or control characters.
    /// @param token The completion token; the operation completes with
    /// `void(expected<AuthenticationResponse>)`: the stack's id and its default project's id.
    /// @return Whatever @p token makes of the operation.
    /// @par Errors
    /// ErrorKind::invalid_argument with `target` "stack_url" for a stack URL that cannot be sent
    /// (empty, not http(s), control characters), before anything is sent; errc::unauthorized
    /// (ErrorKind::api, 401) for a token the service does not accept; errc::forbidden (403) when
    /// it gives no access to the stack; errc::malformed_response naming the field when an id is
    /// missing, not an integer or not positive; the errors of every operation (see BasicClient).
    template <class CompletionToken = default_completion_token_type>
    auto async_authenticate(std::string stack_url, CompletionToken&& token = {}) const {
        return initiate<AuthenticationResponse>(std::forward<CompletionToken>(token),
                                                detail::authenticate_request(std::move(stack_url)));
    }

    /// Closes the idle keep-alive connections of this client and its copies (operations in flight
    /// keep theirs). Returns at once; the connections are closed on the client's strand.
    void close_idle_connections() const { detail::client_close_idle(state_); }

    /// Cancels every operation of this client and its copies that is in flight when it runs (waiting
    /// for a connection, connecting, exchanging, waiting to retry, pagers and async_for_each
    /// included): each completes with ErrorKind::cancelled. Closes the idle connections too.
    /// Operations started afterwards run as usual. Returns at once; the cancellations happen on the
    /// client's strand, in order after operations started earlier by the calling thread.
    void cancel_all() const { detail::client_cancel_all(state_); }

    /// Stops the client: cancel_all(), and from then on every new operation of this client and its
    /// copies (pagers included, even for schedules of the page in hand) completes with
    /// ErrorKind::cancelled without sending anything. Connections are closed as their operations
    /// end. Irreversible. Returns at once; to wait until the client is quiet, use async_close().
    void close() const { detail::client_close(state_); }

    /// For a graceful shutdown: close(), then waits until the client is quiet. It completes only
    /// after every operation of the client and its copies that had started (pagers' read-ahead
    /// included) has ended and its handler has run, and every connection is closed. Operations
    /// started from now on complete with ErrorKind::cancelled ("the client was closed") and send
    /// nothing. Calling it again (or close()) changes nothing and completes the same way.
    /// @param token The completion token; the operation completes with `void(expected<void>)`:
    /// nothing, or ErrorKind::cancelled when this wait itself was cancelled through its handler's
    /// slot (the client stays closed).
    /// @return Whatever @p token makes of the operation.
    template <class CompletionToken = default_completion_token_type>
    auto async_close(CompletionToken&& token = {}) const {
        using Result = expected<void>;
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [](auto handler, const std::shared_ptr<detail::ClientState>& state) {
                detail::start_close(state, detail::Handler<Result>(std::move(handler)));
            },
            token, state_);
    }

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

/// The client over boost::asio::any_io_executor: what most programs use.
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
