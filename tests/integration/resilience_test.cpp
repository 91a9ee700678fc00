// SPDX-License-Identifier: BSL-1.0
// Deadlines, the connection limit, idle connections, cancellation at every stage, and the bulk
// helper (k6/schedules/detail/io/call.hpp, detail/connection_slots.hpp, bulk.hpp).
#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::loopback;
using k6::test::run;
using k6::test::TestServer;

namespace {

const char* hourly_schedule =
    R"({"id": 1, "load_test_id": 2, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null, "cron": null,
        "deactivated": false, "next_run": null, "created_by": null})";

emu::Response answer(unsigned status, std::string body = hourly_schedule) {
    emu::Response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = std::move(body);
    return r;
}

emu::Response unavailable() { return answer(503, R"({"error": {"code": "unavailable", "message": "Later."}})"); }

// Counts requests the server is working on at once.
struct Gauge {
    std::atomic<int> now{0}, peak{0};
    void enter() {
        const int n = ++now;
        int p = peak.load();
        while (n > p && !peak.compare_exchange_weak(p, n)) {
        }
    }
    void leave() { --now; }
};

// Completes with the operation's result, cancelled with a terminal signal after `after`.
template <class T, class Initiate>
std::optional<expected<T>> cancel_after(asio::io_context& io, std::chrono::milliseconds after, Initiate initiate,
                                        std::chrono::steady_clock::duration& took) {
    asio::cancellation_signal signal;
    std::optional<expected<T>> result;
    initiate(asio::bind_cancellation_slot(signal.slot(), [&](expected<T> r) { result = std::move(r); }));
    asio::steady_timer timer(io, after);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.restart();
    io.run_for(10s);
    took = std::chrono::steady_clock::now() - start;
    return result;
}

}  // namespace

TEST_CASE("max_connections: extra operations wait, and go out in the order they were started") {
    std::mutex order_mutex;
    std::vector<std::string> order;
    TestServer server([](const emu::Request&) { return answer(200); });
    asio::io_context io;
    auto options = server.client_options();
    options.max_connections = 2;
    Client client(io, options);
    // Both connections are opened first, while the server answers at once. Its single thread does
    // the TLS handshakes too: one still under way when that thread starts sleeping in an answer
    // below would finish only after the answer, and the request waiting for it would be overtaken
    // by the next operation's, sent on the connection the answer freed.
    {
        auto a = client.async_get_schedule(ScheduleId{101}, asio::use_future);
        auto b = client.async_get_schedule(ScheduleId{102}, asio::use_future);
        io.run_for(10s);
        REQUIRE(a.get().has_value());
        REQUIRE(b.get().has_value());
        REQUIRE(server.server().connections_accepted() == 2);
    }
    server.answer([&](const emu::Request& request) {
        {
            std::lock_guard lock(order_mutex);
            order.push_back(request.target);
        }
        std::this_thread::sleep_for(100ms);  // the server thread works on one request at a time...
        return answer(200);
    });
    std::vector<std::future<expected<Schedule>>> results;
    for (int i = 1; i <= 6; ++i) results.push_back(client.async_get_schedule(ScheduleId{i}, asio::use_future));
    io.restart();
    io.run_for(10s);
    for (auto& r : results) CHECK(r.get().has_value());
    // ...so each answer frees one connection at a time, and the next operation waiting takes it:
    // no more connections than the limit, and the requests arrive in the order they were started.
    CHECK(server.server().connections_accepted() == 2);
    std::vector<std::string> expected_order;
    for (int i = 1; i <= 6; ++i) expected_order.push_back("/cloud/v6/schedules/" + std::to_string(i));
    // The first two go out at once, one on each idle connection; which the server reads first is
    // up to it.
    REQUIRE(order.size() == 6);
    std::sort(order.begin(), order.begin() + 2);
    CHECK(order == expected_order);
}

TEST_CASE("cancelling an operation that waits for a connection takes it out of the queue") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 500ms;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.max_connections = 1;
    Client client(io, options);
    auto first = client.async_get_schedule(ScheduleId{1}, asio::use_future);
    std::chrono::steady_clock::duration took{};
    auto second = cancel_after<Schedule>(
        io, 100ms, [&](auto token) { client.async_get_schedule(ScheduleId{2}, std::move(token)); }, took);
    REQUIRE(second.has_value());
    REQUIRE_FALSE(second->has_value());
    CHECK_MESSAGE(second->error().kind == ErrorKind::cancelled, second->error().to_string());
    CHECK(second->error().message.find("waiting for a free connection") != std::string::npos);
    CHECK(first.get().has_value());
    CHECK(server.requests().size() == 1);  // the cancelled one never went out
    CHECK(run(io, client.async_get_schedule(ScheduleId{3})).has_value());
}

TEST_CASE("cancellation in the middle of connecting: a server that never answers the TLS handshake") {
    asio::io_context server_io;
    asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket silent(server_io);  // accepts, then says nothing
    acceptor.async_accept(silent, [](boost::system::error_code) {});
    std::thread server_thread([&] { server_io.run_for(5s); });
    asio::io_context io;
    ClientOptions options;
    options.api_url = "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    options.token = k6::test::test_token;
    options.stack_id = 1;
    options.proxy_from_environment = false;
    Client client(io, options);
    std::chrono::steady_clock::duration took{};
    auto result = cancel_after<Schedule>(
        io, 200ms, [&](auto token) { client.async_get_schedule(ScheduleId{1}, std::move(token)); }, took);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::cancelled);
    CHECK(result->error().message.find("TLS handshake") != std::string::npos);
    CHECK(took < 3s);
    server_io.stop();
    server_thread.join();
}

TEST_CASE("every operation, and the pager, can be cancelled mid-request, and the client stays usable") {
    std::atomic<bool> stall{true};
    TestServer server([&stall](const emu::Request& request) {
        emu::Response r = request.method == "GET" && request.target.find("/schedules?") != std::string::npos
                              ? answer(200, R"({"value": []})")
                          : request.method == "POST" && request.target.ends_with("activate") ? answer(204, "")
                          : request.method == "DELETE"                                       ? answer(204, "")
                                                                                             : answer(200);
        if (stall) r.delay = 10s;  // the request has arrived; the answer does not come
        return r;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    const CreateScheduleRequest daily{
        parse_rfc3339("2030-01-01T00:00:00Z").value(), RecurrenceRule{Frequency::daily, 1, {}, {}, {}}, {}};
    std::size_t requests_seen = 0;
    auto check_cancelled = [&](const char* name, const auto& result, std::chrono::steady_clock::duration took) {
        CAPTURE(name);
        REQUIRE(result.has_value());
        REQUIRE_FALSE(result->has_value());
        CHECK(result->error().kind == ErrorKind::cancelled);
        CHECK(took < 5s);
        CHECK(server.requests().size() == ++requests_seen);  // it was cancelled after the request went out
    };
    std::chrono::steady_clock::duration took{};
    const auto after = 300ms;
    check_cancelled("get_load_test_schedule",
                    cancel_after<Schedule>(
                        io, after, [&](auto h) { client.async_get_load_test_schedule(LoadTestId{1}, h); }, took),
                    took);
    check_cancelled("set_load_test_schedule",
                    cancel_after<Schedule>(
                        io, after, [&](auto h) { client.async_set_load_test_schedule(LoadTestId{1}, daily, h); }, took),
                    took);
    check_cancelled("list_schedules",
                    cancel_after<SchedulePage>(
                        io, after, [&](auto h) { client.async_list_schedules({}, h); }, took),
                    took);
    check_cancelled("get_schedule",
                    cancel_after<Schedule>(
                        io, after, [&](auto h) { client.async_get_schedule(ScheduleId{1}, h); }, took),
                    took);
    check_cancelled("delete_schedule",
                    cancel_after<void>(
                        io, after, [&](auto h) { client.async_delete_schedule(ScheduleId{1}, h); }, took),
                    took);
    check_cancelled("activate_schedule",
                    cancel_after<void>(
                        io, after, [&](auto h) { client.async_activate_schedule(ScheduleId{1}, h); }, took),
                    took);
    check_cancelled("deactivate_schedule",
                    cancel_after<void>(
                        io, after, [&](auto h) { client.async_deactivate_schedule(ScheduleId{1}, h); }, took),
                    took);
    Pager pager = client.list_schedules();
    check_cancelled("Pager::async_next_page",
                    cancel_after<SchedulePage>(
                        io, after, [&](auto h) { pager.async_next_page(h); }, took),
                    took);

    stall = false;
    auto next = run(io, client.async_get_schedule(ScheduleId{2}));
    CHECK_MESSAGE(next.has_value(), next.error().to_string());
}

TEST_CASE("deadline: it bounds the waits between retries too") {
    TestServer server([](const emu::Request&) { return unavailable(); });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 5;
    options.retry.initial_delay = 10s;
    options.retry.max_delay = 10s;
    options.retry.jitter = [] { return 1.0; };
    options.deadline = 500ms;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().status == 503);  // the last answer is kept
    CHECK(result.error().message == "Later.");
    CHECK(result.error().attempts == 1);
    CHECK(result.error().retry_stopped == "the deadline would pass before another attempt");
}

TEST_CASE("deadline: it cuts a stalled attempt short") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 10s;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.deadline = 400ms;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::timeout);
    CHECK(result.error().message.find("the call's deadline") != std::string::npos);
}

TEST_CASE("attempt_timeout: a stalled attempt is abandoned and the next one answers") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        auto r = answer(200);
        if (++calls == 1) r.delay = 10s;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.attempt_timeout = 300ms;
    options.retry.max_retries = 2;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().to_string()));
    CHECK(server.requests().size() == 2);
}

TEST_CASE("Client::with overrides retries, timeouts and deadline for one handle") {
    TestServer server([](const emu::Request&) { return unavailable(); });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 2;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    CHECK(run(io, client.async_get_schedule(ScheduleId{1})).error().attempts == 3);
    auto once = client.with({.retry = RetryPolicy{.max_retries = 0}});
    CHECK(run(io, once.async_get_schedule(ScheduleId{1})).error().attempts == 1);
    auto pages = once.list_schedules();
    CHECK(run(io, pages.async_next_page()).error().attempts == 1);  // pagers inherit the handle's settings
    CHECK(run(io, client.async_get_schedule(ScheduleId{1})).error().attempts == 3);  // the original is unchanged
}

TEST_CASE("a delete whose first attempt may have gone through: a 404 on the retry means done") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        if (++calls == 1) {  // deleted, but the answer is lost
            emu::Response reset;
            reset.reset_before_response = true;
            return reset;
        }
        return answer(404, R"({"error": {"code": "not_found", "message": "Schedule not found."}})");
    });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 2;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    CHECK(run(io, client.async_delete_schedule(ScheduleId{1})).has_value());
    // Without an ambiguous attempt before it, a 404 is an error as usual.
    auto plain = run(io, client.async_delete_schedule(ScheduleId{1}));
    REQUIRE_FALSE(plain.has_value());
    CHECK(plain.error().status == 404);
}

TEST_CASE("a delete re-sent after its kept-alive connection died unanswered: the 404 means done too") {
    // On a reused connection, "died before answering" is how a stale keep-alive connection looks,
    // so the client sends again at once without counting a retry; the server may have deleted it.
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request& request) {
        ++calls;
        if (request.method == "GET") return answer(200, hourly_schedule);
        if (calls == 2) {  // the delete, applied, then the connection is reset without an answer
            emu::Response reset;
            reset.reset_before_response = true;
            return reset;
        }
        return answer(404, R"({"error": {"code": "not_found", "message": "Schedule not found."}})");
    });
    asio::io_context io;
    Client client(io, server.client_options());                              // no retries at all
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());  // leaves a kept-alive connection
    CHECK(run(io, client.async_delete_schedule(ScheduleId{1})).has_value());
    CHECK(calls == 3);
    auto plain = run(io, client.async_delete_schedule(ScheduleId{1}));
    REQUIRE_FALSE(plain.has_value());
    CHECK(plain.error().status == 404);
}

TEST_CASE("idle connections: closed by a timer with close_idle_in_background, else left for the next use") {
    TestServer server(TestServer::ok_json(hourly_schedule));
    {
        asio::io_context io;
        auto options = server.client_options();
        options.close_idle_in_background = true;
        options.idle_timeout = 200ms;
        Client client(io, options);
        REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
        const auto start = std::chrono::steady_clock::now();
        io.restart();
        io.run_for(5s);  // returns once the timer has closed the idle connection
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        std::this_thread::sleep_for(100ms);
        CHECK(server.server().open_connections() == 0);
    }
    {
        asio::io_context io;
        Client client(io, server.client_options());
        REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
        const auto start = std::chrono::steady_clock::now();
        io.restart();
        io.run_for(5s);  // nothing pending: returns at once, the connection stays open for reuse
        CHECK(std::chrono::steady_clock::now() - start < 1s);
        CHECK(server.server().open_connections() == 1);
        client.close_idle_connections();
        io.restart();
        io.run_for(1s);
        std::this_thread::sleep_for(100ms);
        CHECK(server.server().open_connections() == 0);
    }
}

TEST_CASE("async_for_each: one result per id, in order, with a bounded number in flight") {
    Gauge gauge;
    TestServer server([&gauge](const emu::Request& request) {
        gauge.enter();
        gauge.leave();
        if (request.target.ends_with("/13/deactivate"))
            return answer(404, R"({"error": {"code": "not_found", "message": "Schedule not found."}})");
        emu::Response r;
        r.status = 204;
        r.delay = 5ms;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    Client client(io, options);
    std::vector<ScheduleId> ids;
    for (int i = 1; i <= 200; ++i) ids.emplace_back(i);
    auto results = run(
        io, async_for_each(client, ids, 8, [](Client& c, ScheduleId id) { return c.async_deactivate_schedule(id); }));
    REQUIRE(results.size() == 200);
    for (std::size_t i = 0; i < results.size(); ++i) {
        CAPTURE(i);
        CHECK(results[i].has_value() == (ids[i].value != 13));
    }
    CHECK(results[12].error().status == 404);
    CHECK(server.requests().size() == 200);
    CHECK(server.server().connections_accepted() <= 8);

    auto none = run(io, async_for_each(client, std::vector<ScheduleId>{}, 8,
                                       [](Client& c, ScheduleId id) { return c.async_get_schedule(id); }));
    CHECK(none.empty());
}

TEST_CASE("async_for_each: cancelled, it stops starting new operations and reports the ones in flight") {
    TestServer server([](const emu::Request&) {
        emu::Response r;
        r.status = 204;
        r.delay = 300ms;
        return r;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    std::vector<ScheduleId> ids;
    for (int i = 1; i <= 50; ++i) ids.emplace_back(i);
    asio::cancellation_signal signal;
    std::optional<std::vector<expected<void>>> results;
    async_for_each(
        client, ids, 4, [](Client& c, ScheduleId id) { return c.async_activate_schedule(id); },
        asio::bind_cancellation_slot(signal.slot(), [&](std::vector<expected<void>> r) { results = std::move(r); }));
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(10s);
    REQUIRE(results.has_value());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    REQUIRE(results->size() == 50);
    const auto cancelled = std::count_if(results->begin(), results->end(), [](const expected<void>& r) {
        return !r && r.error().kind == ErrorKind::cancelled;
    });
    CHECK(cancelled == 50);  // the four in flight, and the rest, which never started
    const auto not_started = std::count_if(results->begin(), results->end(), [](const expected<void>& r) {
        return !r && r.error().message == "cancelled before it was started";
    });
    CHECK(not_started == 46);
    CHECK(server.requests().size() <= 4);
}

// ---- AttemptObserver: what a user's logging, metrics or tracing sees of each attempt --------

namespace {

struct ObservedEvent {
    bool start = false;
    std::string operation{}, method{}, target{};
    unsigned attempt = 0;
    unsigned status = 0;
    std::optional<ErrorKind> error{};
    std::string error_message{};
    std::size_t bytes = 0;
    std::chrono::microseconds duration{};
    std::optional<std::chrono::milliseconds> retry_in{};
    std::string retry_stopped{};
    std::string line{};  // to_string(AttemptEnd)
};

// Records every event; on_start adds a W3C traceparent naming the attempt.
AttemptObserver recording(std::vector<ObservedEvent>& events) {
    AttemptObserver observer;
    observer.on_start = [&events](AttemptStart& start) {
        CHECK(start.headers.empty());  // the client's own headers (Authorization among them) are not shown
        events.push_back({true, std::string(start.operation), std::string(start.method), std::string(start.target),
                          start.attempt});
        start.headers.push_back({"traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b" +
                                                    std::to_string(start.attempt) + "-01"});
    };
    observer.on_end = [&events](const AttemptEnd& end) {
        ObservedEvent e{false, std::string(end.operation), std::string(end.method), std::string(end.target),
                        end.attempt};
        e.status = end.status;
        if (end.error) {
            e.error = end.error->kind;
            e.error_message = end.error->to_string();
        }
        e.bytes = end.bytes_received;
        e.duration = end.duration;
        e.retry_in = end.retry_in;
        e.retry_stopped = std::string(end.retry_stopped);
        e.line = to_string(end);
        events.push_back(std::move(e));
    };
    return observer;
}

}  // namespace

TEST_CASE("the observer sees each attempt start and end in order, with status, bytes, time and retry decision") {
    std::atomic<int> served{0};
    // Two 503s whose message echoes the token (a server may), then the schedule.
    const std::string echo = std::string(R"({"error": {"code": "unavailable", "message": "not now, )") +
                             k6::test::test_token + R"("}})";
    TestServer server([&](const emu::Request&) { return ++served <= 2 ? answer(503, echo) : answer(200); });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 3;
    options.retry.initial_delay = 1ms;
    options.retry.jitter = [] { return 1.0; };
    std::vector<ObservedEvent> events;
    options.observer = recording(events);
    Client client(io, options);

    auto got = run(io, client.async_get_schedule(ScheduleId{1}, asio::deferred));
    REQUIRE(got.has_value());

    REQUIRE(events.size() == 6);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CAPTURE(i);
        const ObservedEvent& e = events[i];
        CHECK(e.start == (i % 2 == 0));
        CHECK(e.attempt == i / 2 + 1);
        CHECK(e.operation == "get_schedule");
        CHECK(e.method == "GET");
        CHECK(e.target == "/cloud/v6/schedules/1");
        if (e.start) continue;
        CHECK(e.bytes > 0);
        CHECK(e.duration.count() > 0);
        CHECK(e.line.find(k6::test::test_token) == std::string::npos);
        CHECK(e.error_message.find(k6::test::test_token) == std::string::npos);
    }
    CHECK(events[1].status == 503);
    CHECK(events[1].error == ErrorKind::api);
    CHECK(events[1].retry_in == 1ms);
    CHECK(events[1].line.starts_with("GET /cloud/v6/schedules/1 -> 503 in "));
    CHECK(events[1].line.ends_with(" ms, retry in 1 ms"));
    CHECK(events[3].retry_in == 2ms);  // the backoff doubles
    CHECK(events[5].status == 200);
    CHECK_FALSE(events[5].error.has_value());
    CHECK_FALSE(events[5].retry_in.has_value());
    CHECK(events[5].retry_stopped.empty());
    CHECK(events[5].bytes > std::string_view(hourly_schedule).size());  // the header and the body

    // Each attempt carried its own trace context, as the observer gave it.
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    for (std::size_t i = 0; i < requests.size(); ++i)
        CHECK(requests[i].header("traceparent") ==
              "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b" + std::to_string(i + 1) + "-01");
    CHECK(requests[0].header("Authorization") == k6::test::test_authorization);
}

TEST_CASE("an attempt that gets no answer is observed with status 0, its error kind and why no retry follows") {
    asio::io_context io;
    ClientOptions options;
    options.api_url = "http://127.0.0.1:1";  // nothing listens on port 1
    options.token = k6::test::test_token;
    options.stack_id = 1;
    options.proxy_from_environment = false;
    options.retry.max_retries = 0;
    std::vector<ObservedEvent> events;
    options.observer = recording(events);
    Client client(io, options);
    auto got = run(io, client.async_get_schedule(ScheduleId{5}, asio::deferred));
    REQUIRE_FALSE(got.has_value());
    REQUIRE(events.size() == 2);
    CHECK(events[1].status == 0);
    CHECK(events[1].error == ErrorKind::transport);
    CHECK(events[1].bytes == 0);
    CHECK(events[1].retry_stopped == "retries exhausted");
    CHECK(events[1].line.starts_with("GET /cloud/v6/schedules/5 -> transport in "));
    CHECK(events[1].line.ends_with(" ms, no retry: retries exhausted"));
}

TEST_CASE("a header the client sets itself, or one that would break the request, ends the call unsent") {
    TestServer server([](const emu::Request&) { return answer(200); });
    asio::io_context io;
    const std::vector<RequestHeader> refused = {
        {"Authorization", "Bearer someone-else"},  // the client's own
        {"content-length", "0"},                   // framing, whatever its case
        {"X-Trace", "a\r\nInjected: yes"},         // a line break in the value
        {"Bad Name", "x"},                         // not a field name
    };
    for (const RequestHeader& header : refused) {
        CAPTURE(header.name);
        auto options = server.client_options();
        unsigned ends = 0;
        std::string end_error;
        options.observer.on_start = [header](AttemptStart& start) { start.headers.push_back(header); };
        options.observer.on_end = [&](const AttemptEnd& end) {
            ++ends;
            if (end.error) end_error = end.error->message;
        };
        Client client(io, options);
        auto got = run(io, client.async_get_schedule(ScheduleId{1}, asio::deferred));
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().kind == ErrorKind::invalid_argument);
        CHECK(got.error().target == "observer");
        CHECK(got.error().message.find(header.value) == std::string::npos);  // a value may be a secret
        CHECK(ends == 1);
        CHECK(end_error == got.error().message);
    }
    CHECK(server.requests().empty());
}

TEST_CASE("an observer adding a reserved_request_headers name (X-Stack-Url, Proxy-Connection...) in any case: unsent") {
    TestServer server([](const emu::Request&) { return answer(200); });
    asio::io_context io;
    const auto listed = [](std::string_view name) {
        return std::ranges::find(reserved_request_headers, name) != std::ranges::end(reserved_request_headers);
    };
    CHECK(listed("x-stack-url"));
    CHECK(listed("proxy-connection"));
    std::vector<std::string> names;
    for (std::string_view reserved : reserved_request_headers) {
        std::string upper(reserved), title(reserved);
        for (std::size_t i = 0; i < reserved.size(); ++i) {
            upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(reserved[i])));
            if (i == 0 || reserved[i - 1] == '-') title[i] = upper[i];
        }
        names.insert(names.end(), {std::string(reserved), upper, title});  // x-stack-url, X-STACK-URL, X-Stack-Url
    }
    for (const std::string& name : names) {
        CAPTURE(name);
        auto options = server.client_options();
        options.observer.on_start = [name](AttemptStart& start) { start.headers.push_back({name, "1"}); };
        Client client(io, options);
        auto got = run(io, client.async_get_schedule(ScheduleId{1}, asio::deferred));
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().kind == ErrorKind::invalid_argument);
        CHECK(got.error().target == "observer");
    }
    CHECK(server.requests().empty());
}

TEST_CASE("a with() handle's observer replaces the client's, and an observer that throws fails nothing") {
    TestServer server([](const emu::Request&) { return answer(200); });
    asio::io_context io;
    auto options = server.client_options();
    int client_events = 0;
    options.observer.on_end = [&](const AttemptEnd&) { ++client_events; };
    Client client(io, options);
    int handle_events = 0;
    AttemptObserver throwing;
    throwing.on_start = [&](AttemptStart& start) {
        ++handle_events;
        start.headers.push_back({"X-Half-Added", "1"});
        throw std::runtime_error("a broken log sink");
    };
    throwing.on_end = [&](const AttemptEnd&) {
        ++handle_events;
        throw std::runtime_error("a broken log sink");
    };
    auto got = run(io, client.with({.observer = throwing}).async_get_schedule(ScheduleId{1}, asio::deferred));
    CHECK(got.has_value());
    CHECK(handle_events == 2);
    CHECK(client_events == 0);
    REQUIRE(server.requests().size() == 1);
    CHECK_FALSE(server.requests()[0].header("X-Half-Added").has_value());  // what a throwing hook left is not sent

    auto again = run(io, client.with({.observer = AttemptObserver{}}).async_get_schedule(ScheduleId{1}, asio::deferred));
    CHECK(again.has_value());
    CHECK(client_events == 0);  // an empty observer turns the client's off for the handle
    CHECK(run(io, client.async_get_schedule(ScheduleId{1}, asio::deferred)).has_value());
    CHECK(client_events == 1);
}

TEST_CASE("user_agent_suffix follows the library's User-Agent, and a suffix that cannot be sent is refused") {
    TestServer server([](const emu::Request&) { return answer(200); });
    asio::io_context io;
    auto options = server.client_options();
    options.user_agent_suffix = "billing-service/2.3";
    Client client(io, options);
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1}, asio::deferred)).has_value());
    CHECK(server.requests().at(0).header("User-Agent") ==
          "k6-schedules-cpp/" K6_SCHEDULES_VERSION_STRING " billing-service/2.3");

    options.user_agent_suffix = "app\r\nX-Injected: 1";
    auto created = Client::create(io, options);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().target == "user_agent_suffix");
}
