// SPDX-License-Identifier: BSL-1.0
// BlockingClient and BlockingPager (k6/schedules/blocking.hpp): every operation as a blocking call
// over real TLS to servers on 127.0.0.1, on a thread of the client's own and on an io_context the
// test runs; the would-deadlock check, many threads at once, shutdown with callers blocked.
#include <k6/schedules.hpp>
#include <k6/schedules/blocking.hpp>

#include "support/listing_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <numeric>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::test::emu;  // the test server's own namespace, as test_server.hpp names it
using k6::test::json_response;
using k6::test::TestServer;

static_assert(std::ranges::input_range<BlockingPager>);
static_assert(std::same_as<std::ranges::range_value_t<BlockingPager>, expected<Schedule>>);
static_assert(!std::is_copy_constructible_v<BlockingClient> && std::is_nothrow_move_constructible_v<BlockingClient>);
static_assert(!std::is_copy_constructible_v<BlockingPager> && std::is_nothrow_move_constructible_v<BlockingPager>);

namespace {

using Clock = std::chrono::steady_clock;

const std::string would_deadlock = "would deadlock: called from the client's own I/O thread";

std::string schedule_json(std::int64_t id) {
    return boost::json::serialize(boost::json::value_from(k6::test::generated_schedule(id)));
}

// The number at the end of a target such as "/cloud/v6/schedules/17", or 0.
std::int64_t trailing_id(const std::string& target) {
    const auto slash = target.rfind('/');
    try {
        return std::stoll(target.substr(slash + 1));
    } catch (...) {
        return 0;
    }
}

// The Schedules API, enough of it for every operation: schedules by id, a listing of 25, the
// schedule of any load test, auth.
TestServer::Answer api(const std::string& base) {
    return [&base](const emu::Request& request) {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path == "/cloud/v6/auth") return json_response(R"({"stack_id": 4242, "default_project_id": 77})");
        if (path == "/cloud/v6/schedules")
            return json_response(k6::test::listing_page(base, 25, k6::test::page_request(request.target)));
        if (path.ends_with("/activate") || path.ends_with("/deactivate") || request.method == "DELETE")
            return json_response("", 204);
        if (path.starts_with("/cloud/v6/load_tests/")) return json_response(schedule_json(500));
        return json_response(schedule_json(trailing_id(path)));
    };
}

// A TLS server of the API above; `base` is its origin, for @nextLink.
struct ApiServer {
    ApiServer() : server(api(base)) { base = server.server().url(); }
    std::string base;
    TestServer server;
};

// An io_context run by `threads` threads of the test until destroyed: the user's own.
struct UserIo {
    explicit UserIo(int threads = 1) {
        for (int i = 0; i < threads; ++i) runners.emplace_back([this] { io.run(); });
    }
    ~UserIo() {
        work.reset();
        io.stop();
        for (auto& t : runners) t.join();
    }
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::vector<std::thread> runners;
};

// Both ways a BlockingClient runs: on a thread of its own, or on an io_context the user runs.
enum class Mode { own_thread, user_io_context };
std::string name(Mode mode) { return mode == Mode::own_thread ? "own thread" : "user's io_context"; }

BlockingClient make_client(Mode mode, const ClientOptions& options, std::optional<UserIo>& user) {
    auto client = mode == Mode::own_thread ? BlockingClient::create(options)
                                           : BlockingClient::create(user.emplace(2).io, options);
    REQUIRE_MESSAGE(client.has_value(), client.error().to_string());
    return std::move(*client);
}

// Runs `body` on `executor` (a handler there) and waits, at most `limit`, until it has returned.
bool run_on(const asio::any_io_executor& executor, std::function<void()> body, std::chrono::seconds limit = 10s) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    asio::post(executor, [body = std::move(body), done] {
        body();
        done->set_value();
    });
    return future.wait_for(limit) == std::future_status::ready;
}

template <class T>
std::string error_text(const expected<T>& result) {
    return result ? std::string("(no error)") : result.error().to_string();
}

// A call on another thread whose result the test can wait for, bounded: a thread that hangs is
// left behind (detached) rather than hang the test, which then fails on the missing result.
template <class Result>
class Caller {
public:
    explicit Caller(std::function<Result()> call) : future_(promise_.get_future()) {
        thread_ = std::thread([this, call = std::move(call)] {
            auto result = call();
            finished_ = Clock::now();
            promise_.set_value(std::move(result));
        });
    }
    ~Caller() {
        if (future_.valid() && future_.wait_for(10s) != std::future_status::ready) {
            thread_.detach();  // leaked: the wait for its result has failed the test already
            return;
        }
        thread_.join();
    }
    std::optional<Result> wait(std::chrono::seconds limit) {
        if (future_.wait_for(limit) != std::future_status::ready) return std::nullopt;
        return future_.get();
    }
    Clock::time_point finished() const { return finished_; }

private:
    std::promise<Result> promise_;
    std::future<Result> future_;
    Clock::time_point finished_{};
    std::thread thread_;
};

// Waits, at most `limit`, until `condition` holds.
bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 5s) {
    const auto until = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

CreateScheduleRequest daily() {
    return {parse_rfc3339("2030-01-01T00:00:00Z").value(), RecurrenceRule{Frequency::daily, 1, {}, {}, {}}, {}};
}

}  // namespace

TEST_CASE("BlockingClient: every operation is a blocking call that returns its result, on its own thread or the user's io_context") {
    // Each operation, the request it must send, and a check of what it returned.
    struct Operation {
        std::string name;
        const char* method;
        const char* target;  // the first request's
        std::function<std::optional<std::string>(const BlockingClient&)> call;  // an error, if any
    };
    auto expect = [](bool ok, std::string what) -> std::optional<std::string> {
        return ok ? std::nullopt : std::optional<std::string>(std::move(what));
    };
    const std::vector<Operation> operations{
        {"get_load_test_schedule", "GET", "/cloud/v6/load_tests/7/schedule",
         [&](const BlockingClient& c) {
             auto r = c.get_load_test_schedule(LoadTestId{7});
             return expect(r && r->id.value == 500, error_text(r));
         }},
        {"set_load_test_schedule", "POST", "/cloud/v6/load_tests/7/schedule",
         [&](const BlockingClient& c) {
             auto r = c.set_load_test_schedule(LoadTestId{7}, daily());
             return expect(r && r->id.value == 500, error_text(r));
         }},
        {"list_schedules", "GET", "/cloud/v6/schedules?$top=10",
         [&](const BlockingClient& c) {
             auto r = c.list_schedules({.top = 10});
             return expect(r && r->items.size() == 10 && r->next_link.has_value(), error_text(r));
         }},
        {"get_schedule", "GET", "/cloud/v6/schedules/3",
         [&](const BlockingClient& c) {
             auto r = c.get_schedule(ScheduleId{3});
             return expect(r && r->id.value == 3, error_text(r));
         }},
        {"delete_schedule", "DELETE", "/cloud/v6/schedules/3",
         [&](const BlockingClient& c) {
             auto r = c.delete_schedule(ScheduleId{3});
             return expect(r.has_value(), error_text(r));
         }},
        {"activate_schedule", "POST", "/cloud/v6/schedules/3/activate",
         [&](const BlockingClient& c) {
             auto r = c.activate_schedule(ScheduleId{3});
             return expect(r.has_value(), error_text(r));
         }},
        {"deactivate_schedule", "POST", "/cloud/v6/schedules/3/deactivate",
         [&](const BlockingClient& c) {
             auto r = c.deactivate_schedule(ScheduleId{3});
             return expect(r.has_value(), error_text(r));
         }},
        {"authenticate", "GET", "/cloud/v6/auth",
         [&](const BlockingClient& c) {
             auto r = c.authenticate("https://mystack.grafana.net");
             return expect(r && r->stack_id == 4242 && r->default_project_id == 77, error_text(r));
         }},
        {"list_all_schedules", "GET", "/cloud/v6/schedules?$top=10",
         [&](const BlockingClient& c) {
             auto r = c.list_all_schedules({.top = 10});
             return expect(r && r->size() == 25 && r->front().id.value == 1 && r->back().id.value == 25,
                           error_text(r));
         }},
        {"pager", "GET", "/cloud/v6/schedules?$top=10",
         [&](const BlockingClient& c) -> std::optional<std::string> {
             std::vector<std::int64_t> ids;
             for (const auto& item : c.pager({.top = 10})) {
                 if (!item) return item.error().to_string();
                 ids.push_back(item->id.value);
             }
             return expect(ids.size() == 25 && ids.front() == 1 && ids.back() == 25,
                           "listed " + std::to_string(ids.size()) + " schedules");
         }},
    };
    for (const Mode mode : {Mode::own_thread, Mode::user_io_context}) {
        CAPTURE(name(mode));
        ApiServer api;
        std::optional<UserIo> user;
        const BlockingClient client = make_client(mode, api.server.client_options(), user);
        for (const auto& operation : operations) {
            CAPTURE(operation.name);
            const auto before = api.server.requests().size();
            const auto failure = operation.call(client);
            CHECK_MESSAGE(!failure.has_value(), failure.value_or(""));
            const auto requests = api.server.requests();
            REQUIRE(requests.size() > before);
            CHECK(requests[before].method == operation.method);
            CHECK(requests[before].target == operation.target);
            CHECK(requests[before].header("Authorization") == std::string(k6::test::test_authorization));
        }
    }
}

TEST_CASE("BlockingClient: a call from a handler on its own I/O thread returns at once the would-deadlock error") {
    ApiServer api;
    auto created = BlockingClient::create(api.server.client_options());
    REQUIRE(created.has_value());
    const BlockingClient& client = *created;
    const BlockingClient handle = client.with({.deadline = 5s});
    std::optional<expected<Schedule>> got, got_by_handle;
    std::optional<expected<SchedulePage>> page;
    std::vector<expected<Schedule>> listed;
    Clock::duration took{};
    REQUIRE(run_on(client.get_executor(), [&] {
        const auto start = Clock::now();
        got = client.get_schedule(ScheduleId{1});
        got_by_handle = handle.get_schedule(ScheduleId{1});
        page = client.list_schedules();
        auto pager = client.pager();
        for (auto& item : pager) listed.push_back(std::move(item));
        took = Clock::now() - start;
    }));
    CHECK(took < 1s);
    for (const auto* error : {&got->error(), &got_by_handle->error(), &page->error()}) {
        CHECK(error->kind == ErrorKind::invalid_argument);
        CHECK(error->ec == errc::invalid_argument);
        CHECK(error->message == would_deadlock);
    }
    REQUIRE(listed.size() == 1);  // the error, then the end of the range
    REQUIRE_FALSE(listed[0].has_value());
    CHECK(listed[0].error().message == would_deadlock);
    CHECK(api.server.requests().empty());  // nothing was sent
    // From any other thread the same calls go through.
    auto again = client.get_schedule(ScheduleId{1});
    CHECK_MESSAGE(again.has_value(), error_text(again));
    CHECK(api.server.requests().size() == 1);
}

TEST_CASE("BlockingClient on the user's io_context: a call from a handler on it returns at once the would-deadlock error") {
    ApiServer api;
    UserIo user(1);
    asio::thread_pool pool(1);
    // The client on the io_context, on a strand of it (the handler runs on the io_context, outside
    // the strand: its thread is blocked all the same), and on a thread_pool.
    struct Setup {
        std::string name;
        asio::any_io_executor client_executor;
        asio::any_io_executor handler_executor;
    };
    const Setup setups[] = {
        {"io_context", user.io.get_executor(), user.io.get_executor()},
        {"strand of the io_context", asio::make_strand(user.io), user.io.get_executor()},
        {"thread_pool", pool.get_executor(), pool.get_executor()},
    };
    for (const Setup& setup : setups) {
        CAPTURE(setup.name);
        auto created = BlockingClient::create(setup.client_executor, api.server.client_options());
        REQUIRE(created.has_value());
        const BlockingClient& client = *created;
        const auto before = api.server.requests().size();
        std::optional<expected<void>> activated;
        std::optional<expected<Schedule>> got;
        std::optional<std::optional<expected<Schedule>>> next;
        Clock::duration took{};
        REQUIRE(run_on(setup.handler_executor, [&] {
            const auto start = Clock::now();
            activated = client.activate_schedule(ScheduleId{2});
            got = client.with({.retry = RetryPolicy{.max_retries = 0}}).get_schedule(ScheduleId{2});
            auto pager = client.pager();
            next = pager.next();
            took = Clock::now() - start;
        }));
        CHECK(took < 1s);
        REQUIRE((activated && !*activated && got && !*got && next && *next && !**next));
        for (const ApiError& error : {activated->error(), got->error(), (**next).error()}) {
            CHECK(error.kind == ErrorKind::invalid_argument);
            CHECK(error.message == would_deadlock);
        }
        CHECK(api.server.requests().size() == before);  // nothing was sent
        // The test's own thread does not run that context: the same call goes through.
        auto ok = client.get_schedule(ScheduleId{2});
        CHECK_MESSAGE(ok.has_value(), error_text(ok));
        CHECK(api.server.requests().size() == before + 1);
    }
}

TEST_CASE("BlockingPager: three pages with a 503 in the middle, absorbed by the retries, yield every schedule in order, lazily") {
    std::string base;
    std::atomic<int> second_page_attempts{0};
    TestServer server([&](const emu::Request& request) {
        const auto page = k6::test::page_request(request.target);
        if (page.skip == 10 && ++second_page_attempts == 1)
            return json_response(R"({"error": {"code": "unavailable", "message": "Later."}})", 503);
        return json_response(k6::test::listing_page(base, 30, page));
    });
    base = server.server().url();
    auto options = server.client_options();
    options.retry.max_retries = 2;
    options.retry.initial_delay = 10ms;
    options.retry.jitter = [] { return 1.0; };
    for (const Mode mode : {Mode::own_thread, Mode::user_io_context}) {
        CAPTURE(name(mode));
        second_page_attempts = 0;
        const auto before = server.requests().size();
        std::optional<UserIo> user;
        const BlockingClient client = make_client(mode, options, user);
        auto pager = client.pager({.top = 10, .count = true});
        CHECK(server.requests().size() == before);  // nothing sent before the first element is asked for
        std::vector<std::int64_t> ids;
        std::vector<std::size_t> requests_seen;  // after each element
        for (const expected<Schedule>& item : pager) {
            REQUIRE_MESSAGE(item.has_value(), item.error().to_string());
            ids.push_back(item->id.value);
            requests_seen.push_back(server.requests().size() - before);
        }
        std::vector<std::int64_t> want(30);
        std::iota(want.begin(), want.end(), 1);
        CHECK(ids == want);
        REQUIRE(requests_seen.size() == 30);
        // One request for page 1 until its last schedule; page 2 (a 503, then its retry) only when
        // iteration reaches it; page 3 likewise.
        CHECK(requests_seen[0] == 1);
        CHECK(requests_seen[9] == 1);
        CHECK(requests_seen[10] == 3);
        CHECK(requests_seen[19] == 3);
        CHECK(requests_seen[20] == 4);
        CHECK(second_page_attempts == 2);
        CHECK(pager.done());
        CHECK(pager.total_count() == 30);
    }
}

TEST_CASE("BlockingPager: an error is yielded as one element, then the range ends") {
    std::string base;
    TestServer server([&](const emu::Request& request) {
        const auto page = k6::test::page_request(request.target);
        if (page.skip == 10) return json_response(R"({"error": {"code": "nope", "message": "Broken."}})", 500);
        return json_response(k6::test::listing_page(base, 30, page));
    });
    base = server.server().url();
    auto created = BlockingClient::create(server.client_options());  // no retries
    REQUIRE(created.has_value());
    auto pager = created->pager({.top = 10});
    std::size_t schedules = 0, errors = 0;
    for (const auto& item : pager) {
        if (item) {
            ++schedules;
        } else {
            ++errors;
            CHECK(item.error().status == 500);
            CHECK(item.error().message == "Broken.");
        }
    }
    CHECK(schedules == 10);
    CHECK(errors == 1);
    CHECK(pager.done());
    CHECK(pager.next_link() == base + "/cloud/v6/schedules?$skip=10&$top=10");  // to resume from
    CHECK(server.requests().size() == 2);
}

TEST_CASE("BlockingPager: a cancelled page ends the range, and next() or a new range then asks for the same page again") {
    std::string base;
    std::atomic<bool> stall{true};
    TestServer server([&](const emu::Request& request) {
        const auto page = k6::test::page_request(request.target);
        auto response = json_response(k6::test::listing_page(base, 20, page));
        if (page.skip == 10 && stall) response.delay = 60s;
        return response;
    });
    base = server.server().url();
    auto options = server.client_options();
    options.io_timeout = 60s;
    auto created = BlockingClient::create(options);
    REQUIRE(created.has_value());
    const BlockingClient& client = *created;
    auto pager = client.pager({.top = 10});
    std::thread canceller([&] {
        if (eventually([&] { return server.requests().size() == 2; })) {  // page 2 is on its way
            stall = false;  // were the range to ask again, the page would come at once
            client.cancel_all();
        }
    });
    std::vector<std::int64_t> ids;
    std::vector<ApiError> errors;
    for (const auto& item : pager) {
        if (item)
            ids.push_back(item->id.value);
        else
            errors.push_back(item.error());
    }
    canceller.join();
    CHECK(ids.size() == 10);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].kind == ErrorKind::cancelled);
    CHECK_FALSE(pager.done());
    auto again = pager.next();  // as Pager::async_next: the listing is where it was
    REQUIRE((again.has_value() && again->has_value()));
    CHECK((*again)->id.value == 11);
    CHECK(server.requests().size() == 3);
    std::vector<std::int64_t> rest;  // a new pass goes on from there
    for (const auto& item : pager) {
        REQUIRE_MESSAGE(item.has_value(), item.error().to_string());
        rest.push_back(item->id.value);
    }
    CHECK(rest == std::vector<std::int64_t>{12, 13, 14, 15, 16, 17, 18, 19, 20});
    CHECK(pager.done());
    CHECK(server.requests().size() == 3);
}

TEST_CASE("BlockingClient: eight threads calling at once all get their own answers") {
    ApiServer api;
    constexpr int threads = 8, calls_each = 25;
    for (const Mode mode : {Mode::own_thread, Mode::user_io_context}) {
        CAPTURE(name(mode));
        const auto before = api.server.requests().size();
        std::optional<UserIo> user;
        const BlockingClient client = make_client(mode, api.server.client_options(), user);
        std::atomic<int> succeeded{0}, wrong{0};
        std::vector<std::string> failures;
        std::mutex failures_mutex;
        {
            std::vector<std::jthread> workers;
            for (int t = 0; t < threads; ++t)
                workers.emplace_back([&, t] {
                    for (int i = 0; i < calls_each; ++i) {
                        const std::int64_t id = 1000 * (t + 1) + i;
                        auto schedule = client.get_schedule(ScheduleId{id});
                        if (!schedule) {
                            const std::lock_guard lock(failures_mutex);
                            failures.push_back(schedule.error().to_string());
                        } else if (schedule->id.value != id) {
                            ++wrong;
                        } else {
                            ++succeeded;
                        }
                    }
                });
        }
        CHECK_MESSAGE(failures.empty(), (failures.empty() ? "" : failures.front()));
        CHECK(wrong == 0);
        CHECK(succeeded == threads * calls_each);
        CHECK(api.server.requests().size() - before == threads * calls_each);
    }
}

TEST_CASE("BlockingClient: destroying it while calls are blocked on a server that never answers returns promptly, and the callers get cancelled") {
    TestServer server([](const emu::Request&) {
        auto response = json_response(schedule_json(1));
        response.delay = 60s;  // the request arrives; the answer never does (cut short when the server stops)
        return response;
    });
    auto options = server.client_options();
    options.io_timeout = 60s;  // only the destruction can end the calls
    for (const Mode mode : {Mode::own_thread, Mode::user_io_context}) {
        CAPTURE(name(mode));
        const auto before = server.requests().size();
        std::optional<UserIo> user;
        std::optional<BlockingClient> client = make_client(mode, options, user);
        const BlockingClient handle = client->with({.retry = RetryPolicy{.max_retries = 0}});
        auto pager = client->pager();
        Caller<expected<Schedule>> get([&] { return client->get_schedule(ScheduleId{1}); });
        Caller<expected<void>> del([&] { return handle.delete_schedule(ScheduleId{1}); });
        Caller<std::optional<expected<Schedule>>> next([&] { return pager.next(); });
        REQUIRE(eventually([&] { return server.requests().size() - before == 3; }));  // all three are blocked
        const auto start = Clock::now();
        client.reset();
        const auto destroyed = Clock::now();
        CHECK(destroyed - start < 3s);
        auto got = get.wait(5s);
        auto deleted = del.wait(5s);
        auto nexted = next.wait(5s);
        REQUIRE(got.has_value());
        REQUIRE(deleted.has_value());
        REQUIRE((nexted.has_value() && nexted->has_value()));
        for (const auto* error : {&got->error(), &deleted->error(), &(**nexted).error()}) {
            CHECK(error->kind == ErrorKind::cancelled);
            CHECK(error->ec == errc::cancelled);
            // With its own thread the destructor waits for the cancelled operations: each caller
            // gets its operation's own cancellation (on the user's io_context either may come first).
            if (mode == Mode::own_thread) CHECK(error->message != "the client was closed (BlockingClient destroyed)");
        }
        for (auto finished : {get.finished(), del.finished(), next.finished()}) CHECK(finished - start < 3s);
        // The handle and the pager outlive their owner: their calls return at once, sending nothing.
        const auto after = server.requests().size();
        auto late = handle.get_schedule(ScheduleId{2});
        REQUIRE_FALSE(late.has_value());
        CHECK(late.error().kind == ErrorKind::cancelled);
        CHECK(late.error().message == "the client was closed (BlockingClient destroyed)");
        auto late_item = pager.next();
        REQUIRE((late_item.has_value() && !late_item->has_value()));
        CHECK((*late_item).error().kind == ErrorKind::cancelled);
        CHECK(server.requests().size() == after);
    }
}

TEST_CASE("BlockingClient on a user's io_context that no longer runs: destroying it wakes blocked callers with the closed error") {
    TestServer server([](const emu::Request&) {
        auto response = json_response(schedule_json(1));
        response.delay = 60s;
        return response;
    });
    auto options = server.client_options();
    options.io_timeout = 60s;
    UserIo user(1);
    auto created = BlockingClient::create(user.io, options);
    REQUIRE(created.has_value());
    std::optional<BlockingClient> client = std::move(*created);
    Caller<expected<Schedule>> blocked([&] { return client->get_schedule(ScheduleId{1}); });
    REQUIRE(eventually([&] { return server.requests().size() == 1; }));
    user.io.stop();  // the user's loop ends: nothing will complete the call any more
    REQUIRE(eventually([&] { return user.io.stopped(); }));
    const auto start = Clock::now();
    client.reset();  // joins nothing, waits for nothing
    CHECK(Clock::now() - start < 1s);
    auto result = blocked.wait(5s);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::cancelled);
    CHECK(result->error().message == "the client was closed (BlockingClient destroyed)");
    CHECK(blocked.finished() - start < 1s);
}

TEST_CASE("BlockingClient: destroyed by a handler on its own thread, it neither hangs nor joins itself, and wakes blocked callers") {
    TestServer server([](const emu::Request&) {
        auto response = json_response(schedule_json(1));
        response.delay = 60s;
        return response;
    });
    auto options = server.client_options();
    options.io_timeout = 60s;
    auto created = BlockingClient::create(options);
    REQUIRE(created.has_value());
    auto owner = std::make_shared<std::optional<BlockingClient>>(std::move(*created));
    const BlockingClient handle = (*owner)->with({});
    const asio::any_io_executor executor = (*owner)->get_executor();
    Caller<expected<Schedule>> blocked([&] { return handle.get_schedule(ScheduleId{1}); });
    REQUIRE(eventually([&] { return server.requests().size() == 1; }));
    const auto start = Clock::now();
    CHECK(run_on(executor, [owner] { owner->reset(); }, 5s));  // the destructor runs on the client's thread
    auto result = blocked.wait(5s);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::cancelled);
    CHECK(blocked.finished() - start < 3s);
    auto late = handle.get_schedule(ScheduleId{1});
    CHECK((!late.has_value() && late.error().kind == ErrorKind::cancelled));
}

TEST_CASE("BlockingClient::with applies its CallOptions: a short deadline against a slow server is a timeout") {
    std::string base;
    TestServer slow([&base](const emu::Request& request) {
        const bool listing = request.target.starts_with("/cloud/v6/schedules?");
        auto response = json_response(listing ? k6::test::listing_page(base, 5, k6::test::page_request(request.target))
                                              : schedule_json(trailing_id(request.target)));
        response.delay = 800ms;
        return response;
    });
    base = slow.server().url();
    auto created = BlockingClient::create(slow.client_options());
    REQUIRE(created.has_value());
    const BlockingClient& client = *created;
    const BlockingClient hurried = client.with({.deadline = 150ms});

    auto start = Clock::now();
    auto timed_out = hurried.get_schedule(ScheduleId{4});
    CHECK(Clock::now() - start < 700ms);
    REQUIRE_FALSE(timed_out.has_value());
    CHECK(timed_out.error().kind == ErrorKind::timeout);

    start = Clock::now();
    auto pager = hurried.pager();  // a handle's pagers use its CallOptions too
    auto item = pager.next();
    CHECK(Clock::now() - start < 700ms);
    REQUIRE((item.has_value() && !item->has_value()));
    CHECK((*item).error().kind == ErrorKind::timeout);

    start = Clock::now();
    auto answered = client.get_schedule(ScheduleId{4});  // the owner keeps its own options
    CHECK(Clock::now() - start >= 800ms);
    CHECK_MESSAGE(answered.has_value(), error_text(answered));

    // Retries too: the owner retries a 503 twice, a handle without retries does not.
    TestServer unavailable(TestServer::ok_json(R"({"error": {"code": "unavailable", "message": "Later."}})", 503));
    auto options = unavailable.client_options();
    options.retry.max_retries = 2;
    options.retry.initial_delay = 1ms;
    auto retrying = BlockingClient::create(options);
    REQUIRE(retrying.has_value());
    auto thrice = retrying->list_schedules();
    auto once = retrying->with({.retry = RetryPolicy{.max_retries = 0}}).list_schedules();
    REQUIRE((!thrice.has_value() && !once.has_value()));
    CHECK(thrice.error().attempts == 3);
    CHECK(once.error().attempts == 1);
}
