// Client: the seven operations of the Schedules API as Asio asynchronous operations.
#ifndef K6_SCHEDULES_CLIENT_HPP
#define K6_SCHEDULES_CLIENT_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/impl/client.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/pager.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <type_traits>

K6_SCHEDULES_BEGIN_NAMESPACE

// A handle to one API endpoint with its own connection pool. Copies share the pool.
//
// Every initiating function takes its arguments by value (they are copied into the operation)
// and a completion token (default boost::asio::deferred, so `co_await client.async_x(...)` works
// in a boost::asio::awaitable coroutine). It completes with one value, void(expected<T>); it
// never throws and never calls the handler from inside the initiating function. Terminal
// cancellation through the handler's cancellation slot closes the connection in use and completes
// with ErrorKind::cancelled.
//
// Thread safety: operations run on a strand of the executor given at construction, so a Client
// may be used from several threads and may run many operations at once.
class Client {
public:
    using executor_type = boost::asio::any_io_executor;

    // Throws std::invalid_argument when options.validate() fails or the CA file cannot be loaded.
    Client(executor_type executor, ClientOptions options)
        : state_(std::make_shared<detail::ClientState>(executor, std::move(options))),
          settings_(std::make_shared<const detail::CallSettings>(detail::CallSettings::from(state_->options))),
          executor_(std::move(executor)) {}

    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&> Client(ExecutionContext& context,
                                                                                              ClientOptions options)
        : Client(context.get_executor(), std::move(options)) {}

    executor_type get_executor() const noexcept { return executor_; }

    // A handle on the same connections whose operations (and pagers) use `call` for retries,
    // attempt timeout and deadline: client.with({.deadline = 2s}).async_get_schedule(id).
    Client with(const CallOptions& call) const {
        Client copy = *this;
        copy.settings_ =
            std::make_shared<const detail::CallSettings>(detail::CallSettings::from(state_->options, call));
        return copy;
    }
    const ClientOptions& options() const noexcept { return state_->options; }

    // GET /cloud/v6/load_tests/{id}/schedule
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_get_load_test_schedule(LoadTestId load_test, CompletionToken&& token = {}) {
        return initiate<Schedule>(std::forward<CompletionToken>(token),
                                  detail::get_load_test_schedule_request(load_test));
    }

    // POST /cloud/v6/load_tests/{id}/schedule: sets (overwrites) the load test's schedule. The request
    // is checked by ClientOptions::request_validator first; an invalid one is not sent.
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_set_load_test_schedule(LoadTestId load_test, CreateScheduleRequest request,
                                      CompletionToken&& token = {}) {
        return initiate<Schedule>(
            std::forward<CompletionToken>(token),
            detail::set_load_test_schedule_request(load_test, request, state_->options.request_validator));
    }

    // GET /cloud/v6/schedules?$top&$skip&$count: one page. $top outside 1..1000 or a negative
    // $skip fail with invalid_argument before anything is sent.
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_list_schedules(ListQuery query = {}, CompletionToken&& token = {}) {
        return initiate<SchedulePage>(std::forward<CompletionToken>(token), detail::list_schedules_request(query));
    }

    // Every schedule, lazily, page by page (see Pager). Nothing is sent until the pager is awaited.
    Pager list_schedules(ListQuery query = {}, PagerOptions options = {}) const {
        return Pager(std::make_shared<detail::PagerState>(state_, *settings_, detail::PageCursor::from_query(query),
                                                          options.read_ahead));
    }

    // Continues a listing from a Pager::next_link() saved earlier. The link must point to this
    // client's API origin like every @nextLink (errc::bad_next_link otherwise).
    Pager resume_listing(std::string next_link, PagerOptions options = {}) const {
        return Pager(std::make_shared<detail::PagerState>(
            state_, *settings_, detail::PageCursor::from_link(std::move(next_link)), options.read_ahead));
    }

    // Every schedule in one vector: completes with void(expected<std::vector<Schedule>>). Fails with
    // invalid_argument rather than grow past max_items (nothing is dropped silently).
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_list_all_schedules(ListQuery query = {}, std::size_t max_items = 100'000, CompletionToken&& token = {}) {
        using Result = expected<std::vector<Schedule>>;
        return boost::asio::async_initiate<CompletionToken, void(Result)>(
            [state = state_, settings = settings_, query, max_items](auto handler) {
                auto pager =
                    std::make_shared<detail::PagerState>(state, *settings, detail::PageCursor::from_query(query), true);
                auto collect = [](std::shared_ptr<detail::PagerState> p,
                                  std::size_t limit) -> boost::asio::awaitable<Result> {
                    co_return co_await p->collect(limit);
                };
                detail::spawn_on_strand(state->strand, collect(pager, max_items), std::move(handler));
            },
            token);
    }

    // GET /cloud/v6/schedules/{id}
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_get_schedule(ScheduleId schedule, CompletionToken&& token = {}) {
        return initiate<Schedule>(std::forward<CompletionToken>(token), detail::get_schedule_request(schedule));
    }

    // DELETE /cloud/v6/schedules/{id}
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_delete_schedule(ScheduleId schedule, CompletionToken&& token = {}) {
        return initiate<void>(std::forward<CompletionToken>(token), detail::delete_schedule_request(schedule));
    }

    // POST /cloud/v6/schedules/{id}/activate: 409 conflict when the schedule has no future run.
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_activate_schedule(ScheduleId schedule, CompletionToken&& token = {}) {
        return initiate<void>(std::forward<CompletionToken>(token), detail::activate_schedule_request(schedule));
    }

    // POST /cloud/v6/schedules/{id}/deactivate
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_deactivate_schedule(ScheduleId schedule, CompletionToken&& token = {}) {
        return initiate<void>(std::forward<CompletionToken>(token), detail::deactivate_schedule_request(schedule));
    }

    // Closes the idle keep-alive connections (operations in flight keep theirs).
    void close_idle_connections() {
        boost::asio::post(state_->strand, [state = state_] { state->close_idle(); });
    }

private:
    template <class T, class CompletionToken>
    auto initiate(CompletionToken&& token, detail::RequestSpec spec) {
        return boost::asio::async_initiate<CompletionToken, void(expected<T>)>(detail::Initiation<T>{state_, settings_},
                                                                               token, std::move(spec));
    }

    std::shared_ptr<detail::ClientState> state_;
    std::shared_ptr<const detail::CallSettings> settings_;  // ClientOptions, or a with() handle's CallOptions
    executor_type executor_;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_CLIENT_HPP
