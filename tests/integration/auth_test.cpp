// SPDX-License-Identifier: BSL-1.0
// The auth operation (GET /cloud/v6/auth with X-Stack-Url) and a client made with a stack URL
// instead of a stack id, which resolves the id through it, over real TLS to a server on 127.0.0.1.
#include <k6/schedules.hpp>

#include "support/test_data.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::loopback;
using k6::test::run;
using k6::test::TestServer;

namespace {

constexpr const char* stack_url = "https://mystack.grafana.net";
constexpr std::int64_t resolved_stack = 5151;

emu::Response json_answer(unsigned status, std::string body) {
    emu::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = std::move(body);
    return response;
}

std::string auth_body(std::int64_t stack = resolved_stack, std::int64_t project = 67890) {
    return boost::json::serialize(boost::json::object{{"stack_id", stack}, {"default_project_id", project}});
}

std::string forbidden_body() {
    return R"({"error": {"code": "permission_denied", "message": "No access to this stack."}})";
}

bool is_auth(const emu::Request& request) { return request.target == "/cloud/v6/auth"; }

// /cloud/v6/auth answers `auth`, every other path a schedule (the spec's 7amOnMonday example).
TestServer::Answer api(std::function<emu::Response()> auth) {
    return [auth = std::move(auth),
            schedule = boost::json::serialize(k6::test::spec_examples().at("schedule").at("7amOnMonday"))](
               const emu::Request& request) {
        if (is_auth(request)) return auth();
        if (request.target.substr(0, request.target.find('?')) == "/cloud/v6/schedules")
            return json_answer(200, R"({"value": [)" + schedule + "]}");
        return json_answer(200, schedule);
    };
}

std::size_t auth_calls(const std::vector<emu::Request>& requests) {
    return static_cast<std::size_t>(std::count_if(requests.begin(), requests.end(), is_auth));
}

// Options for a client of `server` that knows its stack only by URL.
ClientOptions with_stack_url_only(const TestServer& server) {
    ClientOptions options = server.client_options();
    options.stack_id = 0;
    options.stack_url = stack_url;
    return options;
}

}  // namespace

TEST_CASE("authenticate: GET /cloud/v6/auth with X-Stack-Url and the token, no X-Stack-Id, and both ids decoded") {
    TestServer server(api([] { return json_answer(200, R"({"stack_id": 12345, "default_project_id": 67890})"); }));
    asio::io_context io;
    Client client(io, server.client_options());
    auto auth = run(io, client.async_authenticate(stack_url));
    REQUIRE_MESSAGE(auth.has_value(), auth.error().to_string());
    CHECK(auth->stack_id == 12345);
    CHECK(auth->default_project_id == 67890);
    CHECK(*auth == AuthenticationResponse{12345, 67890});

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].target == "/cloud/v6/auth");
    CHECK(requests[0].header("X-Stack-Url") == stack_url);
    CHECK_FALSE(requests[0].header("X-Stack-Id").has_value());
    CHECK(requests[0].header("Authorization") == std::string(k6::test::test_authorization));
    CHECK(requests[0].header("Accept") == "application/json");
    CHECK(requests[0].body.empty());
    // Asking does not change the client's own stack: it still sends the id it was made with.
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK(schedule.has_value());
    CHECK(auth_calls(server.requests()) == 1);
    CHECK(server.requests().back().header("X-Stack-Id") == std::to_string(k6::test::test_stack_id));
    CHECK_FALSE(server.requests().back().header("X-Stack-Url").has_value());
}

TEST_CASE("authenticate: an unusable stack URL is invalid_argument naming stack_url, and nothing is sent") {
    TestServer server;
    asio::io_context io;
    Client client(io, server.client_options());
    for (const std::string& url :
         std::initializer_list<std::string>{"", "mystack.grafana.net", "ftp://mystack.grafana.net", "https://",
                                            "https://mystack.grafana.net\r\nX-Evil: 1", "https://mystack.grafana.net\n",
                                            std::string("https://mystack.grafana.net\0x", 29),
                                            "https://my stack.grafana.net", "https://mystack.grafana.net\x7f"}) {
        CAPTURE(url);
        auto auth = run(io, client.async_authenticate(url));
        REQUIRE_FALSE(auth.has_value());
        CHECK(auth.error().kind == ErrorKind::invalid_argument);
        CHECK(auth.error().ec == make_error_code(errc::invalid_argument));
        CHECK(auth.error().target == "stack_url");
        CHECK(auth.error().attempts == 0);
    }
    CHECK(server.server().connections_accepted() == 0);
    CHECK(server.requests().empty());
}

TEST_CASE("authenticate: a malformed AuthenticationResponse is malformed_response naming the field") {
    TestServer server;
    asio::io_context io;
    Client client(io, server.client_options());
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"default_project_id": 1})", "stack_id"},
        {R"({"stack_id": 1})", "default_project_id"},
        {R"({"stack_id": "12345", "default_project_id": 1})", "stack_id"},
        {R"({"stack_id": 1.5, "default_project_id": 1})", "stack_id"},
        {R"({"stack_id": null, "default_project_id": 1})", "stack_id"},
        {R"({"stack_id": 0, "default_project_id": 1})", "stack_id"},
        {R"({"stack_id": -4, "default_project_id": 1})", "stack_id"},
        {R"({"stack_id": 1, "default_project_id": 0})", "default_project_id"},
        {R"({"stack_id": 1, "default_project_id": 18446744073709551615})", "default_project_id"},
    };
    for (const auto& [body, field] : cases) {
        CAPTURE(body);
        server.answer(TestServer::ok_json(body));
        auto auth = run(io, client.async_authenticate(stack_url));
        REQUIRE_FALSE(auth.has_value());
        CHECK(auth.error().kind == ErrorKind::malformed_response);
        CHECK(auth.error().ec == make_error_code(errc::malformed_response));
        CHECK(auth.error().target == field);
        CHECK(auth.error().status == 200);
    }
    server.answer(TestServer::ok_json("[12345, 67890]"));
    auto array = run(io, client.async_authenticate(stack_url));
    REQUIRE_FALSE(array.has_value());
    CHECK(array.error().kind == ErrorKind::malformed_response);
}

TEST_CASE("authenticate: 401 and 403 are the server's ApiError, and a 503 is retried like any GET") {
    TestServer server(TestServer::ok_json(forbidden_body(), 403));
    asio::io_context io;
    ClientOptions options = server.client_options();
    options.retry.max_retries = 2;
    options.retry.initial_delay = 1ms;
    options.retry.max_delay = 1ms;
    Client client(io, options);
    auto forbidden = run(io, client.async_authenticate(stack_url));
    REQUIRE_FALSE(forbidden.has_value());
    CHECK(forbidden.error().kind == ErrorKind::api);
    CHECK(forbidden.error().status == 403);
    CHECK(forbidden.error().ec == make_error_code(errc::forbidden));
    CHECK(forbidden.error().code == "permission_denied");
    CHECK(server.requests().size() == 1);  // a 4xx is not retried

    server.answer(TestServer::ok_json(R"({"error": {"code": "unauthenticated", "message": "Invalid token."}})", 401));
    auto unauthorized = run(io, client.async_authenticate(stack_url));
    REQUIRE_FALSE(unauthorized.has_value());
    CHECK(unauthorized.error().ec == make_error_code(errc::unauthorized));
    CHECK(unauthorized.error().to_string().find(k6::test::test_token) == std::string::npos);

    std::atomic<int> answered{0};
    server.answer([&answered](const emu::Request&) {
        if (answered++ == 0) return json_answer(503, R"({"error": {"code": "unavailable", "message": "Later."}})");
        return json_answer(200, auth_body());
    });
    auto retried = run(io, client.async_authenticate(stack_url));
    REQUIRE_MESSAGE(retried.has_value(), retried.error().to_string());
    CHECK(retried->stack_id == resolved_stack);
    CHECK(answered == 2);
}

TEST_CASE("a client made with only a stack URL resolves the stack id once, then sends X-Stack-Id on every request") {
    TestServer server(api([] { return json_answer(200, auth_body()); }));
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    CHECK(client.options().stack_id == 0);  // the options stay as given

    auto first = run(io, client.async_get_schedule(ScheduleId{123}));
    REQUIRE_MESSAGE(first.has_value(), first.error().to_string());
    auto second = run(io, client.async_get_load_test_schedule(LoadTestId{234}));
    REQUIRE_MESSAGE(second.has_value(), second.error().to_string());
    auto page = run(io, client.async_list_schedules(ListQuery{10, {}, false}));
    REQUIRE_MESSAGE(page.has_value(), page.error().to_string());
    // Copies and with() handles share the resolved id.
    const Client copy = client;
    REQUIRE(run(io, copy.async_activate_schedule(ScheduleId{123})).has_value());
    REQUIRE(run(io, client.with({.deadline = 5s}).async_delete_schedule(ScheduleId{123})).has_value());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 6);
    CHECK(auth_calls(requests) == 1);
    CHECK(is_auth(requests[0]));
    CHECK(requests[0].header("X-Stack-Url") == stack_url);
    CHECK_FALSE(requests[0].header("X-Stack-Id").has_value());
    for (std::size_t i = 1; i < requests.size(); ++i) {
        CAPTURE(requests[i].target);
        CHECK(requests[i].header("X-Stack-Id") == std::to_string(resolved_stack));
        CHECK_FALSE(requests[i].header("X-Stack-Url").has_value());
        CHECK(requests[i].header("Authorization") == std::string(k6::test::test_authorization));
    }
    // The resolution reuses the connection like any call: one connection for all six requests.
    CHECK(server.server().connections_accepted() == 1);
}

TEST_CASE(
    "a failed stack id resolution fails the operation with the auth call's error, and the next operation retries it") {
    std::atomic<bool> allowed{false};
    TestServer server(
        api([&allowed] { return allowed ? json_answer(200, auth_body()) : json_answer(403, forbidden_body()); }));
    asio::io_context io;
    Client client(io, with_stack_url_only(server));

    auto refused = run(io, client.async_get_schedule(ScheduleId{123}));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::api);
    CHECK(refused.error().status == 403);
    CHECK(refused.error().code == "permission_denied");
    CHECK(refused.error().message.starts_with("resolving the stack id from the stack URL"));
    CHECK(refused.error().message.find("No access to this stack.") != std::string::npos);
    CHECK(refused.error().to_string().find(k6::test::test_token) == std::string::npos);
    CHECK(server.requests().size() == 1);  // only the auth call: the operation itself was not sent

    // A malformed answer fails the operation too, naming the field.
    server.answer(api([] { return json_answer(200, R"({"stack_id": "5151", "default_project_id": 1})"); }));
    auto malformed = run(io, client.async_list_schedules());
    REQUIRE_FALSE(malformed.has_value());
    CHECK(malformed.error().kind == ErrorKind::malformed_response);
    CHECK(malformed.error().target == "stack_id");
    CHECK(malformed.error().message.starts_with("resolving the stack id from the stack URL"));
    CHECK(server.requests().size() == 2);

    allowed = true;
    server.answer(
        api([&allowed] { return allowed ? json_answer(200, auth_body()) : json_answer(403, forbidden_body()); }));
    auto retried = run(io, client.async_get_schedule(ScheduleId{123}));
    REQUIRE_MESSAGE(retried.has_value(), retried.error().to_string());
    auto again = run(io, client.async_get_schedule(ScheduleId{123}));
    REQUIRE(again.has_value());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    CHECK(auth_calls(requests) == 3);
    CHECK(requests[3].header("X-Stack-Id") == std::to_string(resolved_stack));
    CHECK(requests[4].header("X-Stack-Id") == std::to_string(resolved_stack));
}

// Runs `io` until every future is ready, bounded in time.
template <class Future>
void run_until_ready(asio::io_context& io, std::vector<Future>& futures, std::chrono::seconds limit = 30s) {
    io.restart();
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until &&
           std::any_of(futures.begin(), futures.end(), [](auto& f) { return f.wait_for(0s) != std::future_status::ready; }))
        io.run_one_for(50ms);
    for (auto& f : futures) REQUIRE(f.wait_for(0s) == std::future_status::ready);
}

TEST_CASE("concurrent first operations of a stack-URL client share one resolution: one auth request for sixteen operations") {
    TestServer server([](const emu::Request& request) {
        if (is_auth(request)) {
            auto answer = json_answer(200, auth_body());
            answer.delay = 300ms;  // the others start while it is in flight
            return answer;
        }
        return json_answer(204, "");
    });
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    std::vector<std::future<expected<void>>> calls;
    for (int i = 1; i <= 16; ++i) calls.push_back(client.async_deactivate_schedule(ScheduleId{i}, asio::use_future));
    run_until_ready(io, calls);
    for (auto& call : calls) {
        auto done = call.get();
        CHECK_MESSAGE(done.has_value(), done.error().to_string());
    }
    const auto requests = server.requests();
    CHECK(auth_calls(requests) == 1);
    CHECK(requests.size() == 17);
    for (const auto& request : requests) {
        if (!is_auth(request)) CHECK(request.header("X-Stack-Id") == std::to_string(resolved_stack));
    }

    // Once known, it is never asked for again.
    REQUIRE(run(io, client.async_deactivate_schedule(ScheduleId{1})).has_value());
    CHECK(auth_calls(server.requests()) == 1);
}

TEST_CASE("a failed shared resolution fails the operations that waited for it, and the next operation tries again") {
    std::atomic<int> auths{0};
    TestServer server([&auths](const emu::Request& request) {
        if (is_auth(request)) {
            auto answer = ++auths == 1 ? json_answer(403, forbidden_body()) : json_answer(200, auth_body());
            answer.delay = 300ms;
            return answer;
        }
        return json_answer(204, "");
    });
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    std::vector<std::future<expected<void>>> calls;
    for (int i = 1; i <= 4; ++i) calls.push_back(client.async_activate_schedule(ScheduleId{i}, asio::use_future));
    run_until_ready(io, calls);
    for (auto& call : calls) {
        auto failed = call.get();
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().status == 403);
        CHECK(failed.error().message.find("resolving the stack id") != std::string::npos);
    }
    CHECK(auths == 1);
    auto next = run(io, client.async_activate_schedule(ScheduleId{5}));
    CHECK_MESSAGE(next.has_value(), next.error().to_string());
    CHECK(auths == 2);
}

TEST_CASE("when the operation resolving the stack id is cancelled, one that waited resolves it instead") {
    std::atomic<int> auths{0};
    TestServer server([&auths](const emu::Request& request) {
        if (is_auth(request)) {
            auto answer = json_answer(200, auth_body());
            if (++auths == 1) answer.delay = 2s;  // the first resolution is still in flight when it is cancelled
            return answer;
        }
        return json_answer(204, "");
    });
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    asio::cancellation_signal cancel_leader;
    auto leader = client.async_activate_schedule(ScheduleId{1},
                                                 asio::bind_cancellation_slot(cancel_leader.slot(), asio::use_future));
    std::vector<std::future<expected<void>>> waiters;
    for (int i = 2; i <= 4; ++i) waiters.push_back(client.async_activate_schedule(ScheduleId{i}, asio::use_future));
    io.run_for(300ms);
    cancel_leader.emit(asio::cancellation_type::terminal);
    run_until_ready(io, waiters);
    for (auto& waiter : waiters) {
        auto done = waiter.get();
        CHECK_MESSAGE(done.has_value(), done.error().to_string());
    }
    io.restart();
    io.run_for(100ms);
    REQUIRE(leader.wait_for(0s) == std::future_status::ready);
    CHECK(leader.get().error().kind == ErrorKind::cancelled);
    CHECK(auths == 2);
}

TEST_CASE("an operation waiting for another's resolution of the stack id gives up at its own deadline, sending nothing") {
    TestServer server([](const emu::Request& request) {
        if (is_auth(request)) {
            auto answer = json_answer(200, auth_body());
            answer.delay = 1500ms;
            return answer;
        }
        return json_answer(204, "");
    });
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    auto leader = client.async_activate_schedule(ScheduleId{1}, asio::use_future);
    io.run_for(100ms);
    const auto start = std::chrono::steady_clock::now();
    auto hurried = run(io, client.with({.deadline = 300ms}).async_activate_schedule(ScheduleId{2}));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(hurried.has_value());
    CHECK(hurried.error().kind == ErrorKind::timeout);
    CHECK(hurried.error().message.find("waiting for the stack id") != std::string::npos);
    CHECK(took < 1200ms);
    std::vector<std::future<expected<void>>> rest;
    rest.push_back(std::move(leader));
    run_until_ready(io, rest);
    CHECK(rest[0].get().has_value());
    CHECK(server.requests().size() == 2);  // the auth call and the leader's own request
}

TEST_CASE("the stack id's resolution spends the operation's deadline: one deadline bounds both requests") {
    TestServer server([inner = api([] { return json_answer(200, auth_body()); })](const emu::Request& request) {
        auto answer = inner(request);
        answer.delay = 700ms;  // the auth call's answer and the operation's own take as long
        return answer;
    });
    asio::io_context io;
    ClientOptions options = with_stack_url_only(server);
    options.deadline = 1000ms;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto got = run(io, client.async_get_schedule(ScheduleId{123}));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(got.has_value());  // 0.7 s + 0.7 s does not fit in one deadline of 1 s
    CHECK(got.error().kind == ErrorKind::timeout);
    CHECK(took < 1300ms);
}

TEST_CASE("the stack id's resolution spends the operation's retries: two 503 storms share one retry budget") {
    std::atomic<int> auths{0}, gets{0};
    TestServer server([&](const emu::Request& request) {
        const bool auth = is_auth(request);
        const int n = auth ? ++auths : ++gets;
        if (n <= 2) return json_answer(503, R"({"error": {"code": "unavailable", "message": "Try later."}})");
        return auth ? json_answer(200, auth_body()) : json_answer(204, "");
    });
    asio::io_context io;
    ClientOptions options = with_stack_url_only(server);
    options.retry.max_retries = 3;
    options.retry.initial_delay = 1ms;
    options.retry.max_delay = 1ms;
    Client client(io, options);
    auto done = run(io, client.async_deactivate_schedule(ScheduleId{1}));
    REQUIRE_FALSE(done.has_value());  // two retries went to the auth call, one is left for the operation
    CHECK(done.error().status == 503);
    CHECK(done.error().retry_stopped == "retries exhausted");
    CHECK(done.error().attempts == 5);
    CHECK(auths == 3);
    CHECK(gets == 2);
}

TEST_CASE("a client made with a stack id and a stack URL uses the id and never calls /cloud/v6/auth itself") {
    TestServer server(api([] { return json_answer(403, forbidden_body()); }));
    asio::io_context io;
    ClientOptions options = server.client_options();
    options.stack_url = stack_url;
    Client client(io, options);
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{123})).has_value());
    REQUIRE(run(io, client.async_list_schedules()).has_value());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(auth_calls(requests) == 0);
    for (const auto& request : requests) {
        CHECK(request.header("X-Stack-Id") == std::to_string(k6::test::test_stack_id));
    }
}

TEST_CASE("a stack-URL client's pager and list_all resolve the stack id before the first page") {
    TestServer server(api([] { return json_answer(200, auth_body()); }));
    asio::io_context io;
    Client client(io, with_stack_url_only(server));
    auto all = run(io, client.async_list_all_schedules(ListQuery{10, {}, false}));
    REQUIRE_MESSAGE(all.has_value(), all.error().to_string());
    CHECK(all->size() == 1);
    auto pager = client.list_schedules(ListQuery{10, {}, false});
    auto page = run(io, pager.async_next_page());
    REQUIRE_MESSAGE(page.has_value(), page.error().to_string());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(is_auth(requests[0]));
    CHECK(requests[1].header("X-Stack-Id") == std::to_string(resolved_stack));
    CHECK(requests[2].header("X-Stack-Id") == std::to_string(resolved_stack));
}
