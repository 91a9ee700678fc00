// SPDX-License-Identifier: BSL-1.0
// The transport at its edges: cancellation that lands between steps, what counts as "maybe
// applied", connection slots and deadlines, the completion executor, cancel_all/close, the
// user's TLS context and the TLS versions it allows, proxies the client cannot use, and internal
// failures.
#include <k6/schedules.hpp>
#include "support/internals.hpp"

#include "support/scripted_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <thread>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::loopback;
using k6::test::run;
using k6::test::TestServer;

namespace {

const char* a_schedule =
    R"({"id": 1, "load_test_id": 2, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null, "cron": null,
        "deactivated": false, "next_run": null, "created_by": null})";

emu::Response answer(unsigned status, std::string body = a_schedule) {
    emu::Response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = std::move(body);
    return r;
}

emu::Response not_found() {
    return answer(404, R"({"error": {"code": "not_found", "message": "Schedule not found."}})");
}

std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

template <class T>
struct Captured {
    std::optional<expected<T>> result;
    auto handler() {
        return [this](expected<T> r) { result = std::move(r); };
    }
};

}  // namespace

TEST_CASE("a cancellation that arrives while the host name is looked up stops the request from being sent") {
    // The system's lookup cannot be interrupted per operation, so a cancellation that lands during
    // it must still be honoured once it ends. Emitted right after initiation, the cancellation is
    // delivered on the client's strand just after the operation has started its lookup.
    TestServer server(TestServer::ok_json(a_schedule));
    asio::io_context io;
    Client client(io, server.client_options());
    for (int i = 0; i < 5; ++i) {
        CAPTURE(i);
        asio::cancellation_signal signal;
        Captured<Schedule> got;
        client.async_get_schedule(ScheduleId{1}, asio::bind_cancellation_slot(signal.slot(), got.handler()));
        signal.emit(asio::cancellation_type::terminal);
        io.restart();
        io.run_for(3s);
        REQUIRE(got.result.has_value());
        REQUIRE_FALSE(got.result->has_value());
        CHECK(got.result->error().kind == ErrorKind::cancelled);
    }
    std::this_thread::sleep_for(100ms);
    CHECK(server.requests().empty());
    CHECK(server.server().connections_accepted() == 0);
    CHECK(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
}

// The window the two cases below pin down: an I/O step completes, its completion is queued, and a
// cancellation arrives before the coroutine resumes. No operation is pending, so nothing is
// interrupted; only the coroutine's cancellation state records it. Each case records a
// cancellation that way (emitted from inside the coroutine, while it runs), then starts the wait.
TEST_CASE("a cancellation that came while no read was pending ends the next read at once, not at its timeout") {
    namespace internal = k6::schedules::detail;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket client(io), server(io);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);  // a server that never answers
    asio::cancellation_signal signal;
    std::optional<boost::system::error_code> read;
    auto reader = [&]() -> asio::awaitable<void> {
        co_await asio::this_coro::throw_if_cancelled(false);
        signal.emit(asio::cancellation_type::terminal);
        internal::ResponseReader parser;
        boost::beast::flat_buffer buffer;
        read = co_await internal::read_message(internal::ByteStream(client), buffer, parser);
    };
    asio::co_spawn(io, reader(), asio::bind_cancellation_slot(signal.slot(), asio::detached));
    io.run_for(2s);
    REQUIRE(read.has_value());
    CHECK(*read == asio::error::operation_aborted);
}

TEST_CASE("a cancellation that came while no wait was pending ends the next parking at once, not at its deadline") {
    namespace internal = k6::schedules::detail;
    asio::io_context io;
    internal::ParkingSpot spot(io.get_executor());
    asio::cancellation_signal signal;
    std::optional<internal::ParkingSpot::Outcome> outcome;
    auto parker = [&]() -> asio::awaitable<void> {
        co_await asio::this_coro::throw_if_cancelled(false);
        signal.emit(asio::cancellation_type::terminal);
        outcome = co_await spot.park(std::nullopt);  // no deadline: only a wake-up would end it
    };
    asio::co_spawn(io, parker(), asio::bind_cancellation_slot(signal.slot(), asio::detached));
    io.run_for(2s);
    REQUIRE(outcome.has_value());
    CHECK(*outcome == internal::ParkingSpot::Outcome::cancelled);

    // A wake-up that came first still wins over the cancellation: it may have handed something over.
    internal::ParkingSpot woken(io.get_executor());
    woken.wake();
    outcome.reset();
    auto woken_parker = [&]() -> asio::awaitable<void> {
        co_await asio::this_coro::throw_if_cancelled(false);
        signal.emit(asio::cancellation_type::terminal);
        outcome = co_await woken.park(std::nullopt);
    };
    io.restart();
    asio::co_spawn(io, woken_parker(), asio::bind_cancellation_slot(signal.slot(), asio::detached));
    io.run_for(2s);
    REQUIRE(outcome.has_value());
    CHECK(*outcome == internal::ParkingSpot::Outcome::woken);
}

TEST_CASE("with attempt_timeout or a deadline, a cancellation is reported as cancelled and never retried") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 10s;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.attempt_timeout = 5s;
    options.deadline = 8s;
    options.retry.max_retries = 3;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    asio::cancellation_signal signal;
    Captured<Schedule> got;
    client.async_get_schedule(ScheduleId{1}, asio::bind_cancellation_slot(signal.slot(), got.handler()));
    asio::steady_timer timer(io, 300ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(4s);
    REQUIRE(got.result.has_value());
    REQUIRE_FALSE(got.result->has_value());
    CHECK_MESSAGE(got.result->error().kind == ErrorKind::cancelled, got.result->error().to_string());
    CHECK(got.result->error().attempts == 1);
    CHECK(got.result->error().retry_stopped == "cancelled");  // not "the error is not retryable"
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("a delete that never reached the server: a 404 on the retry is an error, not done") {
    // The first attempt is refused (nobody listens yet), so nothing can have been deleted: the
    // 404 of the retry means the schedule does not exist.
    const std::uint16_t port = free_port();
    asio::io_context io;
    ClientOptions options;
    options.api_url = "https://127.0.0.1:" + std::to_string(port);
    options.token = k6::test::test_token;
    options.stack_id = k6::test::test_stack_id;
    options.ca_file = k6::test::Pki::get().ca_file.string();
    options.proxy_from_environment = false;
    options.retry.max_retries = 3;
    options.retry.initial_delay = 600ms;
    options.retry.max_delay = 600ms;
    options.retry.jitter = [] { return 1.0; };
    Client client(io, options);
    std::optional<TestServer> server;
    auto deleted = client.async_delete_schedule(ScheduleId{999}, asio::use_future);
    io.run_for(200ms);  // the first attempt has been refused by now
    auto server_options = TestServer::tls_options();
    server_options.port = port;
    server.emplace([](const emu::Request&) { return not_found(); }, server_options);
    io.restart();
    io.run_for(5s);
    REQUIRE(deleted.wait_for(0s) == std::future_status::ready);
    auto result = deleted.get();
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().status == 404);
    CHECK(result.error().attempts == 2);
    CHECK(server->requests().size() == 1);
}

TEST_CASE("a delete answered 502 or 504 by a gateway may have been applied: the 404 of the retry means done") {
    for (unsigned gateway_status : {502u, 504u}) {
        CAPTURE(gateway_status);
        std::atomic<int> calls{0};
        TestServer server([&calls, gateway_status](const emu::Request&) {
            if (++calls == 1)
                return answer(gateway_status, R"({"error": {"code": "gateway", "message": "Upstream."}})");
            return not_found();
        });
        asio::io_context io;
        auto options = server.client_options();
        options.retry.max_retries = 2;
        options.retry.jitter = [] { return 0.0; };
        Client client(io, options);
        auto result = run(io, client.async_delete_schedule(ScheduleId{1}));
        CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().to_string()));
        CHECK(calls == 2);
    }
    // A 503 is the service itself refusing: the 404 that follows is an answer like any other.
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        if (++calls == 1) return answer(503, R"({"error": {"code": "unavailable", "message": "Later."}})");
        return not_found();
    });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 2;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    auto result = run(io, client.async_delete_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().status == 404);
}

TEST_CASE("attempt_timeout does not count the wait for a connection slot") {
    // One connection, two requests of 400 ms each, attempt_timeout 600 ms: the second waits about
    // 400 ms for the slot and then needs 400 ms of its own, which is within its attempt.
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 400ms;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.max_connections = 1;
    options.attempt_timeout = 600ms;
    Client client(io, options);
    auto first = client.async_get_schedule(ScheduleId{1}, asio::use_future);
    auto second = client.async_get_schedule(ScheduleId{2}, asio::use_future);
    io.run_for(5s);
    auto a = first.get(), b = second.get();
    CHECK_MESSAGE(a.has_value(), (a ? "" : a.error().to_string()));
    CHECK_MESSAGE(b.has_value(), (b ? "" : b.error().to_string()));
    CHECK(server.requests().size() == 2);
}

TEST_CASE("a deadline that passes while waiting for a connection is a queue timeout: nothing sent, never retried") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 800ms;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.max_connections = 1;
    options.retry.max_retries = 3;
    Client client(io, options);
    auto first = client.async_get_schedule(ScheduleId{1}, asio::use_future);
    auto queued = client.with({.deadline = 300ms}).async_get_schedule(ScheduleId{2}, asio::use_future);
    io.run_for(5s);
    CHECK(first.get().has_value());
    auto result = queued.get();
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::timeout);
    CHECK(result.error().ec == errc::queue_timeout);
    CHECK(result.error().attempts == 0);
    CHECK(result.error().message.find("max_connections = 1") != std::string::npos);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("Client::with validates its CallOptions: an invalid handle sends nothing") {
    TestServer server(TestServer::ok_json(a_schedule));
    asio::io_context io;
    Client client(io, server.client_options());
    CHECK_FALSE(CallOptions{.deadline = -1ms}.validate().has_value());
    CHECK_FALSE(CallOptions{.retry = RetryPolicy{.multiplier = 0.5}}.validate().has_value());
    CHECK(CallOptions{.deadline = 1s}.validate().has_value());
    auto bad = client.with({.attempt_timeout = 0ms});
    auto result = run(io, bad.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::invalid_argument);
    CHECK(result.error().message.find("attempt_timeout") != std::string::npos);
    auto pages = run(io, bad.list_schedules().async_next_page());
    CHECK_FALSE(pages.has_value());
    CHECK(server.requests().empty());
    CHECK(run(io, client.async_get_schedule(ScheduleId{1})).has_value());  // the client itself is fine
}

TEST_CASE("a handler without an executor runs on the client's executor, so one that blocks stalls no other operation") {
    TestServer server(TestServer::ok_json(a_schedule));
    asio::io_context io;
    Client client(io, server.client_options());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());  // a kept-alive connection
    std::atomic<bool> blocking{false};
    std::atomic<bool> second_done{false};
    std::atomic<bool> second_done_while_blocked{false};
    auto work = asio::make_work_guard(io);
    io.restart();
    std::thread a([&] { io.run(); });
    std::thread b([&] { io.run(); });
    client.async_get_schedule(ScheduleId{1}, [&](expected<Schedule>) {
        blocking = true;
        for (int i = 0; i < 300 && !second_done; ++i) std::this_thread::sleep_for(10ms);
        second_done_while_blocked = second_done.load();
        blocking = false;
    });
    while (!blocking) std::this_thread::yield();
    client.async_get_schedule(ScheduleId{2}, [&](expected<Schedule> s) { second_done = s.has_value(); });
    work.reset();
    a.join();
    b.join();
    CHECK(second_done);
    CHECK(second_done_while_blocked);  // it completed while the first handler still blocked
}

TEST_CASE("a pager has its client's executor and default completion token, so as_default_on carries over to it") {
    TestServer server(TestServer::ok_json(std::string(R"({"value": [)") + a_schedule + "]}"));
    asio::io_context io;
    auto client = asio::use_awaitable.as_default_on(Client::create(io, server.client_options()).value());
    auto pager = client.list_schedules();
    static_assert(std::is_same_v<decltype(pager.async_next_page()), asio::awaitable<expected<SchedulePage>>>);
    static_assert(std::is_same_v<decltype(pager.async_next()), asio::awaitable<std::optional<expected<Schedule>>>>);
    static_assert(std::is_same_v<decltype(pager)::executor_type, decltype(client)::executor_type>);
    CHECK(pager.get_executor() == client.get_executor());
    Pager plain = Client(io, server.client_options()).list_schedules();
    CHECK(plain.get_executor() == asio::any_io_executor(io.get_executor()));
    std::optional<expected<SchedulePage>> got;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { got = co_await pager.async_next_page(); },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run_for(5s);
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    CHECK((*got)->items.size() == 1);
}

TEST_CASE("a use_awaitable default token: as_default_on makes co_await return the expected directly") {
    TestServer server(TestServer::ok_json(a_schedule));
    asio::io_context io;
    auto client = asio::use_awaitable.as_default_on(Client::create(io, server.client_options()).value());
    static_assert(
        std::is_same_v<decltype(client.async_get_schedule(ScheduleId{1})), asio::awaitable<expected<Schedule>>>);
    const auto& constant = client;  // every operation is const
    std::optional<expected<Schedule>> got;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { got = co_await constant.async_get_schedule(ScheduleId{1}); },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run_for(5s);
    REQUIRE(got.has_value());
    CHECK(got->has_value());
}

TEST_CASE("cancel_all cancels every operation in flight, queued or waiting to retry, and the client stays usable") {
    std::atomic<bool> stall{true};
    TestServer server([&stall](const emu::Request& request) {
        if (request.target.ends_with("/9")) return answer(503, R"({"error": {"code": "u", "message": "Later."}})");
        auto r = answer(200);
        if (stall) r.delay = 10s;
        return r;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.max_connections = 2;
    options.retry.max_retries = 5;
    options.retry.initial_delay = 5s;
    options.retry.max_delay = 5s;
    options.retry.jitter = [] { return 1.0; };
    Client client(io, options);
    // 9 answers 503 at once and waits 5 s to retry; 1 and 2 then hold both connections; 3 and the
    // pager wait for one.
    auto backing_off = client.async_get_schedule(ScheduleId{9}, asio::use_future);
    std::vector<std::future<expected<Schedule>>> results;
    for (int i = 1; i <= 3; ++i) results.push_back(client.async_get_schedule(ScheduleId{i}, asio::use_future));
    auto pager = client.list_schedules();
    auto page = pager.async_next_page(asio::use_future);
    io.run_for(300ms);
    const auto start = std::chrono::steady_clock::now();
    client.cancel_all();
    io.run_for(3s);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    for (auto& r : results) {
        REQUIRE(r.wait_for(0s) == std::future_status::ready);
        auto got = r.get();
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().kind == ErrorKind::cancelled);
    }
    REQUIRE(page.wait_for(0s) == std::future_status::ready);
    CHECK(page.get().error().kind == ErrorKind::cancelled);
    REQUIRE(backing_off.wait_for(0s) == std::future_status::ready);
    CHECK(backing_off.get().error().kind == ErrorKind::cancelled);
    stall = false;
    CHECK(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
}

TEST_CASE("close: operations in flight are cancelled and later ones complete as cancelled without sending") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 10s;
        return r;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto in_flight = client.async_get_schedule(ScheduleId{1}, asio::use_future);
    io.run_for(300ms);
    client.close();
    auto later = client.with({}).async_delete_schedule(ScheduleId{2}, asio::use_future);
    io.run_for(3s);
    REQUIRE(in_flight.wait_for(0s) == std::future_status::ready);
    CHECK(in_flight.get().error().kind == ErrorKind::cancelled);
    REQUIRE(later.wait_for(0s) == std::future_status::ready);
    auto refused = later.get();
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::cancelled);
    CHECK(refused.error().message.find("closed") != std::string::npos);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("async_close completes after every operation's handler has run and every connection is closed") {
    // The first page answers at once, with a link; every other request is never answered, and the
    // server keeps its connection until the client hangs up.
    k6::test::ScriptedServer server([](const k6::test::RecordedRequest& request) {
        const bool first_page = request.target.starts_with("/cloud/v6/schedules") &&
                                request.target.find("skip=1") == std::string::npos &&
                                !request.target.starts_with("/cloud/v6/schedules/");
        if (!first_page) return k6::test::Script{.bytes = "", .then = k6::test::Then::stall};
        return k6::test::Script{k6::test::http_response_bytes(
            200, "OK", std::string(R"({"value": [)") + a_schedule + R"(], "@nextLink": "/cloud/v6/schedules?$skip=1"})",
            {{"Content-Type", "application/json"}})};
    });
    asio::io_context io;
    Client client(io, server.client_options());
    std::vector<std::string> order;
    for (int i = 1; i <= 3; ++i)
        client.async_get_schedule(ScheduleId{i}, [&order, i](expected<Schedule> got) {
            CHECK(got.error().kind == ErrorKind::cancelled);
            order.push_back("get " + std::to_string(i));
        });
    // A pager whose read-ahead of the next page is in flight when the client closes.
    auto pager = client.list_schedules({}, {.read_ahead = true});
    pager.async_next_page([&order](expected<SchedulePage> page) {
        CHECK(page.has_value());
        order.push_back("page");
    });
    io.run_for(300ms);
    CHECK(server.open_connections() >= 3);
    std::optional<expected<void>> closed;
    client.async_close([&](expected<void> done) {
        closed = done;
        order.push_back("closed");
    });
    io.run_for(3s);
    REQUIRE(closed.has_value());
    CHECK(closed->has_value());
    REQUIRE(order.size() == 5);
    CHECK(order.back() == "closed");
    // Every connection of the client is closed: the server sees them go.
    for (int i = 0; i < 100 && server.open_connections() != 0; ++i) std::this_thread::sleep_for(20ms);
    CHECK(server.open_connections() == 0);
    // And from now on nothing is sent.
    const auto sent = server.requests().size();
    auto later = run(io, client.async_get_schedule(ScheduleId{4}));
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error().kind == ErrorKind::cancelled);
    CHECK(later.error().message.find("closed") != std::string::npos);
    auto again = run(io, client.async_close());
    CHECK(again.has_value());
    CHECK(server.requests().size() == sent);
}

TEST_CASE("after close, a pager hands out no schedule of the page in hand: it completes as cancelled") {
    const std::string three = std::string(R"({"value": [)") + a_schedule + "," + a_schedule + "," + a_schedule + "]}";
    TestServer server(TestServer::ok_json(three));
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules();
    auto first = run(io, pager.async_next());
    REQUIRE(first.has_value());
    REQUIRE(first->has_value());
    client.close();
    auto second = run(io, pager.async_next());
    REQUIRE(second.has_value());
    REQUIRE_FALSE(second->has_value());
    CHECK(second->error().kind == ErrorKind::cancelled);
    auto page = run(io, pager.async_next_page());
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().kind == ErrorKind::cancelled);
}

TEST_CASE("destroying the io_context releases every handler of the client, those waiting for a connection included") {
    TestServer server([](const emu::Request&) {
        auto r = answer(200);
        r.delay = 10s;
        return r;
    });
    std::future<expected<Schedule>> holding, queued;
    std::future<expected<SchedulePage>> page;
    std::future<expected<void>> closing;
    {
        asio::io_context io;
        auto options = server.client_options();
        options.max_connections = 1;
        Client client(io, options);
        holding = client.async_get_schedule(ScheduleId{1}, asio::use_future);
        queued = client.async_get_schedule(ScheduleId{2}, asio::use_future);
        auto pager = client.list_schedules();
        page = pager.async_next_page(asio::use_future);
        io.run_for(300ms);
        closing = client.async_close(asio::use_future);  // queued, never run
    }  // the client handle, then the io_context with everything queued in it
    for (auto* future : {static_cast<std::future<expected<Schedule>>*>(&holding), &queued}) {
        REQUIRE(future->wait_for(0s) == std::future_status::ready);
        CHECK_THROWS_AS(future->get(), std::future_error);
    }
    REQUIRE(page.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(page.get(), std::future_error);
    REQUIRE(closing.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(closing.get(), std::future_error);
}

TEST_CASE("durations of milliseconds::max() mean no limit: every sum saturates, none is in the past") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        if (++calls == 1) {
            auto r = answer(503, R"({"error": {"code": "unavailable", "message": "Later."}})");
            r.headers.emplace_back("Retry-After", "0");
            return r;
        }
        return answer(200);
    });
    asio::io_context io;
    auto options = server.client_options();
    constexpr auto forever = std::chrono::milliseconds::max();
    options.connect_timeout = forever;
    options.io_timeout = forever;
    options.idle_timeout = forever;
    options.attempt_timeout = forever;
    options.deadline = forever;
    options.close_idle_in_background = true;
    options.max_connections = 1;
    options.retry.max_retries = 2;
    options.retry.initial_delay = forever;
    options.retry.max_delay = forever;
    options.retry.jitter = [] { return 0.0; };
    Client client(io, options);
    auto first = client.async_get_schedule(ScheduleId{1}, asio::use_future);
    auto second = client.with({.deadline = forever}).async_get_schedule(ScheduleId{2}, asio::use_future);  // waits for the slot
    io.restart();
    for (int i = 0; i < 200 && (first.wait_for(0s) != std::future_status::ready ||
                                second.wait_for(0s) != std::future_status::ready);
         ++i)
        io.run_one_for(50ms);
    REQUIRE(first.wait_for(0s) == std::future_status::ready);
    REQUIRE(second.wait_for(0s) == std::future_status::ready);
    auto a = first.get();
    auto b = second.get();
    CHECK_MESSAGE(a.has_value(), a.error().to_string());
    CHECK_MESSAGE(b.has_value(), b.error().to_string());
    CHECK(calls == 3);
    client.close_idle_connections();
}

TEST_CASE("the caller's own TLS context: shared by clients, and verification stays on whatever it says") {
    TestServer server(TestServer::ok_json(a_schedule));
    auto trusting = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    trusting->load_verify_file(k6::test::Pki::get().ca_file.string());
    asio::io_context io;
    auto options = server.client_options();
    options.ca_file.reset();
    options.tls_context = trusting;
    Client first(io, options), second(io, options);
    CHECK(run(io, first.async_get_schedule(ScheduleId{1})).has_value());
    CHECK(run(io, second.async_get_schedule(ScheduleId{1})).has_value());

    // A context that trusts nothing and says "verify_none": the peer is verified all the same.
    auto careless = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    careless->set_verify_mode(asio::ssl::verify_none);
    options.tls_context = careless;
    Client unverified(io, options);
    auto refused = run(io, unverified.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::tls);

    // A trusted CA, but a certificate for another name: the host-name check stays on as well.
    TestServer wrong_host(TestServer::ok_json(a_schedule),
                          TestServer::tls_options(k6::test::Pki::get().wrong_host_leaf));
    auto wrong_options = wrong_host.client_options();
    wrong_options.ca_file.reset();
    wrong_options.tls_context = trusting;
    Client misnamed(io, wrong_options);
    auto mismatch = run(io, misnamed.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(mismatch.has_value());
    CHECK(mismatch.error().kind == ErrorKind::tls);

    options.ca_file = k6::test::Pki::get().ca_file.string();
    options.tls_context = trusting;
    CHECK(Client::create(io, options).error().target == "ca_file");  // exclusive: say so rather than pick one
    CHECK(wrong_host.requests().empty());
    CHECK(server.requests().size() == 2);
}

TEST_CASE("TLS 1.2 or later on every connection, even when the caller's own TLS context allows TLS 1.0 and 1.1") {
    k6::test::ScriptedServerOptions legacy;
    legacy.legacy_tls_only = true;
    k6::test::ScriptedServer server(k6::test::Script{k6::test::http_response_bytes(200, "OK", a_schedule)}, legacy);
    // The caller's context goes down to TLS 1.0 (security level 0, as OpenSSL 3 needs for it).
    auto permissive = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_security_level(permissive->native_handle(), 0);
    SSL_CTX_set_min_proto_version(permissive->native_handle(), TLS1_VERSION);
    permissive->set_verify_mode(asio::ssl::verify_peer);
    permissive->load_verify_file(k6::test::Pki::get().ca_file.string());
    asio::io_context io;
    {  // That context alone agrees with the server on TLS 1.1: the client's own minimum is what refuses it.
        asio::ssl::stream<asio::ip::tcp::socket> probe(io, *permissive);
        probe.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
        boost::system::error_code ec;
        probe.handshake(asio::ssl::stream_base::client, ec);
        REQUIRE_MESSAGE(!ec, "this OpenSSL cannot do TLS 1.1 even at security level 0: " << ec.message());
        CHECK(std::string_view(SSL_get_version(probe.native_handle())) == "TLSv1.1");
    }
    auto options = server.client_options();
    options.ca_file.reset();
    options.tls_context = permissive;
    Client client(io, options);
    auto refused = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::tls);
    CHECK(server.requests().empty());

    // Each connection's minimum, as read back: raised to TLS 1.2, and a higher one of the context kept.
    SSL* raised = SSL_new(permissive->native_handle());
    REQUIRE(detail::require_peer_identity(raised, "127.0.0.1").has_value());
    CHECK(SSL_get_min_proto_version(raised) == TLS1_2_VERSION);
    SSL_free(raised);
    asio::ssl::context tls13_only(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls13_only.native_handle(), TLS1_3_VERSION);
    SSL* kept = SSL_new(tls13_only.native_handle());
    REQUIRE(detail::require_peer_identity(kept, "api.k6.io").has_value());
    CHECK(SSL_get_min_proto_version(kept) == TLS1_3_VERSION);
    SSL_free(kept);
}

TEST_CASE("a host name whose TLS checks cannot be set up fails before anything is sent") {
    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL* ssl = SSL_new(context.native_handle());
    REQUIRE(ssl != nullptr);
    // SNI carries at most 255 bytes: a longer name cannot be checked, and must not be skipped.
    const std::string long_name(300, 'a');
    auto refused = detail::require_peer_identity(ssl, long_name + ".example");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::tls);
    CHECK(refused.error().message.find("cannot set up TLS verification") != std::string::npos);
    CHECK(detail::require_peer_identity(ssl, "api.k6.io").has_value());
    CHECK(detail::require_peer_identity(ssl, "127.0.0.1").has_value());
    SSL_free(ssl);
}

TEST_CASE("an environment proxy the client cannot use fails each request, naming the variable, not the constructor") {
    TestServer server(TestServer::ok_json(a_schedule));
    ::setenv("HTTPS_PROXY", "socks5://alice:hunter2@127.0.0.1:1", 1);
    asio::io_context io;
    auto options = server.client_options();
    options.api_url = "https://localhost.example.invalid:" + std::to_string(server.server().port());
    options.proxy_from_environment = true;
    auto created = Client::create(io, options);
    ::unsetenv("HTTPS_PROXY");
    REQUIRE(created.has_value());
    auto result = run(io, created->async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::invalid_argument);
    CHECK(result.error().message.find("HTTPS_PROXY") != std::string::npos);
    CHECK(result.error().message.find("hunter2") == std::string::npos);
    CHECK(result.error().attempts == 0);
}

TEST_CASE("dropping a pager without read-ahead leaves no work behind") {
    TestServer server;
    asio::io_context io;
    Client client(io, server.client_options());
    { auto pager = client.list_schedules(); }
    CHECK(io.poll() == 0);
    { auto pager = client.list_schedules({}, PagerOptions{.read_ahead = true}); }
    io.restart();
    CHECK(io.poll() == 1);  // with read-ahead, one check that no request is left in flight
}

TEST_CASE("an exception inside the client is an internal error of its own kind, never a transport failure") {
    const auto e = detail::internal_error(std::make_exception_ptr(std::runtime_error("boom")));
    CHECK(e.kind == ErrorKind::internal);
    CHECK(e.ec == errc::internal_error);
    CHECK(e.message == "internal error: boom");
    CHECK(to_string(ErrorKind::internal) == "internal");
    CHECK_FALSE(e.retryable());
    CHECK(e.to_string() == "internal: internal error: boom");
}

TEST_CASE(
    "async_for_each: an operation that throws gives its own id an internal error, and every id has a truthful result") {
    TestServer server([](const emu::Request&) {
        emu::Response r;
        r.status = 204;
        return r;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    std::vector<ScheduleId> ids;
    for (int i = 1; i <= 10; ++i) ids.emplace_back(i);
    auto results = run(io, async_for_each(client, ids, 3, [](Client& c, ScheduleId id) {
                           if (id.value == 4) throw std::runtime_error("cannot build the request for 4");
                           return c.async_activate_schedule(id);
                       }));
    REQUIRE(results.size() == 10);
    for (std::size_t i = 0; i < results.size(); ++i) {
        CAPTURE(i);
        if (ids[i].value == 4) {
            REQUIRE_FALSE(results[i].has_value());
            CHECK(results[i].error().kind == ErrorKind::internal);
            CHECK(results[i].error().message.find("cannot build the request for 4") != std::string::npos);
        } else {
            CHECK(results[i].has_value());
        }
    }
    CHECK(server.requests().size() == 9);
}

TEST_CASE("async_for_each: if the bulk operation itself fails, ids not reached say so instead of looking done") {
    // The recovery used when the bulk coroutine throws: the results so far, and every id it did
    // not reach marked with the exception (never a default-constructed, successful-looking value).
    using State = detail::BulkState<Client, ScheduleId, int, expected<void>>;
    asio::io_context io;
    TestServer server;
    auto state = std::make_shared<State>(
        State{Client(io, server.client_options()), {ScheduleId{1}, ScheduleId{2}, ScheduleId{3}}, 0, {}, 0, 0, {}, {}});
    state->results.assign(3, expected<void>(std::unexpected(detail::bulk_not_started())));
    state->results[0] = expected<void>{};
    state->next = 1;
    const auto results = detail::RecoverBulkResults<State>{state}(std::make_exception_ptr(std::bad_alloc()),
                                                                  std::type_identity<std::vector<expected<void>>>{});
    REQUIRE(results.size() == 3);
    CHECK(results[0].has_value());
    for (std::size_t i = 1; i < 3; ++i) {
        REQUIRE_FALSE(results[i].has_value());
        CHECK(results[i].error().kind == ErrorKind::internal);
    }
}

TEST_CASE("a step's timer closes the socket only when that step runs out, never a later step's") {
    namespace internal = k6::schedules::detail;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket client(io), server(io);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    internal::StepTimer timer(io.get_executor());

    // A step that ends in time: the socket stays open, and a wake-up of that step, had it been
    // queued already, belongs to a finished step and is ignored.
    timer.arm(client, 20ms);
    CHECK_FALSE(timer.disarm());
    io.run_for(60ms);
    io.restart();
    CHECK(client.is_open());

    // Re-armed for a step that runs out: closed, and disarm() says so.
    timer.arm(client, 5ms);
    io.run_for(60ms);
    io.restart();
    CHECK_FALSE(client.is_open());
    CHECK(timer.disarm());

    // The next step starts clean, and a timer destroyed mid-step leaves its socket alone.
    asio::ip::tcp::socket other(io);
    other.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket other_server(io);
    acceptor.accept(other_server);
    {
        internal::StepTimer short_lived(io.get_executor());
        short_lived.arm(other, 1ms);
        std::this_thread::sleep_for(10ms);  // expired, its wake-up not run yet
    }
    io.run_for(30ms);
    CHECK(other.is_open());
    timer.arm(other, 5s);
    CHECK_FALSE(timer.disarm());
}

TEST_CASE("a step's timer is reused across steps yet each step ends at its own time, and a parked one holds no work") {
    namespace internal = k6::schedules::detail;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto connected = [&] {
        auto pair = std::make_unique<std::pair<asio::ip::tcp::socket, asio::ip::tcp::socket>>(io, io);
        pair->first.connect(acceptor.local_endpoint());
        acceptor.accept(pair->second);
        return pair;
    };
    internal::StepTimer timer(io.get_executor());

    // A longer step after a short one: the short step's wake-up comes first and finds the step's
    // end still ahead; the socket is closed only at the longer step's end.
    auto a = connected();
    timer.arm(a->first, 10ms);
    CHECK_FALSE(timer.disarm());
    timer.arm(a->first, 80ms);
    io.run_for(40ms);
    io.restart();
    CHECK(a->first.is_open());
    io.run_for(100ms);
    io.restart();
    CHECK_FALSE(a->first.is_open());
    CHECK(timer.disarm());

    // A shorter step after a longer one: it runs out at its own, earlier end.
    auto b = connected();
    timer.arm(b->first, 5s);
    CHECK_FALSE(timer.disarm());
    const auto started = std::chrono::steady_clock::now();
    timer.arm(b->first, 20ms);
    io.run_for(500ms);  // returns once nothing is pending: the wake-up ran and closed the socket
    io.restart();
    CHECK_FALSE(b->first.is_open());
    CHECK(timer.disarm());
    CHECK(std::chrono::steady_clock::now() - started < 400ms);

    // Parked (an idle connection): no wake-up is pending, so run() returns at once.
    auto c = connected();
    timer.arm(c->first, 5s);
    CHECK_FALSE(timer.disarm());
    timer.park();
    const auto parked = std::chrono::steady_clock::now();
    io.run_for(2s);
    io.restart();
    CHECK(std::chrono::steady_clock::now() - parked < 1s);
    CHECK(c->first.is_open());
    timer.arm(c->first, 10ms);  // and it works again after
    io.run_for(500ms);
    CHECK_FALSE(c->first.is_open());
    CHECK(timer.disarm());
}

TEST_CASE("a connection after one the server closed resumes the TLS session: no full handshake") {
    // Every answer closes its connection, so every get opens one.
    k6::test::ScriptedServer server(k6::test::Script{
        k6::test::http_response_bytes(200, "OK", a_schedule, {{"Content-Type", "application/json"}, {"Connection", "close"}}),
        k6::test::Then::close});
    for (const bool resume : {true, false}) {
        CAPTURE(resume);
        const auto resumed_before = server.tls_sessions_resumed();
        const auto accepted_before = server.connections_accepted();
        asio::io_context io;
        auto options = server.client_options();
        options.resume_tls_sessions = resume;
        Client client(io, options);
        for (int i = 0; i < 3; ++i) REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
        CHECK(server.connections_accepted() - accepted_before == 3);
        // The first handshake is full; the next two resume its session, unless turned off.
        CHECK(server.tls_sessions_resumed() - resumed_before == (resume ? 2u : 0u));
    }
    // Sessions are a client's own: a second client starts with a full handshake.
    const auto resumed_before = server.tls_sessions_resumed();
    asio::io_context io;
    Client first(io, server.client_options());
    Client second(io, server.client_options());
    REQUIRE(run(io, first.async_get_schedule(ScheduleId{1})).has_value());
    REQUIRE(run(io, second.async_get_schedule(ScheduleId{1})).has_value());
    CHECK(server.tls_sessions_resumed() == resumed_before);
}
