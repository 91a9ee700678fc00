// SPDX-License-Identifier: BSL-1.0
// The seven operations over real HTTP/1.1 and real TLS to a server on 127.0.0.1 in this process
// (k6/schedules/client.hpp and the transport under detail/io/).
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include "support/test_data.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
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

std::string example(const char* kind, const char* name) {
    return boost::json::serialize(k6::test::spec_examples().at(kind).at(name));
}

emu::Response json_answer(unsigned status, std::string body) {
    emu::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = std::move(body);
    return response;
}

emu::Response no_content() {
    emu::Response response;
    response.status = 204;
    return response;
}

std::string error_body(const char* code, const char* message, const char* target = nullptr) {
    boost::json::object error{{"code", code}, {"message", message}};
    if (target) error["target"] = target;
    return boost::json::serialize(boost::json::object{{"error", error}});
}

// The headers that every request carries.
void check_common_headers(const emu::Request& request, std::uint16_t port) {
    CHECK(request.header("Authorization") == std::string(k6::test::test_authorization));
    CHECK(request.header("X-Stack-Id") == std::to_string(k6::test::test_stack_id));
    CHECK(request.header("Accept") == "application/json");
    CHECK(request.header("User-Agent") == "k6-schedules-cpp/" K6_SCHEDULES_VERSION_STRING);
    CHECK(request.header("Host") == "127.0.0.1:" + std::to_string(port));
}

void check_no_secret(const ApiError& error) {
    CHECK(error.to_string().find(k6::test::test_token) == std::string::npos);
}

}  // namespace

TEST_CASE("get_load_test_schedule: GET, headers, decoded schedule") {
    TestServer server(TestServer::ok_json(example("schedule", "7amOnMonday")));
    asio::io_context io;
    Client client(io, server.client_options());
    auto schedule = run(io, client.async_get_load_test_schedule(LoadTestId{234}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    CHECK(schedule->id == ScheduleId{123});
    CHECK(schedule->cron == ScheduleCron{"0 7 * * 1", "UTC"});

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].target == "/cloud/v6/load_tests/234/schedule");
    CHECK(requests[0].body.empty());
    CHECK_FALSE(requests[0].header("Content-Type").has_value());
    check_common_headers(requests[0], server.server().port());
}

TEST_CASE("set_load_test_schedule: POST with the JSON body of the spec's example") {
    TestServer server(TestServer::ok_json(example("schedule", "WeeklyOnWeekendsStopsAfter10Runs")));
    asio::io_context io;
    Client client(io, server.client_options());
    auto request = from_json<CreateScheduleRequest>(
        k6::test::spec_examples().at("request").at("WeeklyOnWeekendsStopsAfter10Runs"));
    REQUIRE(request.has_value());
    auto schedule = run(io, client.async_set_load_test_schedule(LoadTestId{234}, *request));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    CHECK(schedule->recurrence_rule->count == 10);

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/cloud/v6/load_tests/234/schedule");
    CHECK(requests[0].header("Content-Type") == "application/json");
    CHECK(requests[0].header("Content-Length") == std::to_string(requests[0].body.size()));
    CHECK(boost::json::parse(requests[0].body) ==
          k6::test::spec_examples().at("request").at("WeeklyOnWeekendsStopsAfter10Runs"));
    check_common_headers(requests[0], server.server().port());
}

TEST_CASE("list_schedules: query as the API spells it, page decoded") {
    TestServer server(TestServer::ok_json(example("list", "OK")));
    asio::io_context io;
    Client client(io, server.client_options());
    auto page = run(io, client.async_list_schedules(ListQuery{20, 50, true}));
    REQUIRE_MESSAGE(page.has_value(), page.error().to_string());
    CHECK(page->count == 12);
    CHECK(page->next_link == "https://api.k6.io/cloud/v6/schedules?$skip=50&$top=20");
    REQUIRE(page->items.size() == 1);

    auto first_page = run(io, client.async_list_schedules());
    REQUIRE(first_page.has_value());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].target == "/cloud/v6/schedules?$top=20&$skip=50&$count=true");
    CHECK(requests[1].target == "/cloud/v6/schedules");
    check_common_headers(requests[0], server.server().port());
}

TEST_CASE("get, delete, activate and deactivate a schedule: methods, paths, empty bodies") {
    TestServer server([](const emu::Request& request) {
        return request.method == "GET" ? json_answer(200, example("schedule", "Deactivated")) : no_content();
    });
    asio::io_context io;
    Client client(io, server.client_options());

    auto schedule = run(io, client.async_get_schedule(ScheduleId{123}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    CHECK(schedule->deactivated);
    auto deleted = run(io, client.async_delete_schedule(ScheduleId{124}));
    CHECK_MESSAGE(deleted.has_value(), deleted.error().to_string());
    auto activated = run(io, client.async_activate_schedule(ScheduleId{125}));
    CHECK_MESSAGE(activated.has_value(), activated.error().to_string());
    auto deactivated = run(io, client.async_deactivate_schedule(ScheduleId{126}));
    CHECK_MESSAGE(deactivated.has_value(), deactivated.error().to_string());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 4);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].target == "/cloud/v6/schedules/123");
    CHECK(requests[1].method == "DELETE");
    CHECK(requests[1].target == "/cloud/v6/schedules/124");
    CHECK(requests[2].method == "POST");
    CHECK(requests[2].target == "/cloud/v6/schedules/125/activate");
    CHECK(requests[3].method == "POST");
    CHECK(requests[3].target == "/cloud/v6/schedules/126/deactivate");
    for (const auto& request : requests) {
        CAPTURE(request.target);
        CHECK(request.body.empty());
        check_common_headers(request, server.server().port());
    }
    CHECK(requests[2].header("Content-Length") == "0");
}

TEST_CASE("every documented error status becomes an ApiError with the server's fields") {
    struct Row {
        unsigned status;
        errc code;
        const char* server_code;
        const char* target;
    };
    const Row rows[] = {
        {400, errc::bad_request, "validation_error", "recurrence_rule.interval"},
        {401, errc::unauthorized, "unauthenticated", nullptr},
        {403, errc::forbidden, "forbidden", nullptr},
        {404, errc::not_found, "not_found", "id"},
        {409, errc::conflict, "conflict", nullptr},
        {500, errc::internal_server_error, "internal_error", nullptr},
    };
    TestServer server;
    asio::io_context io;
    Client client(io, server.client_options());
    for (const Row& row : rows) {
        CAPTURE(row.status);
        server.answer([&row](const emu::Request&) {
            return json_answer(row.status, error_body(row.server_code, "Something about the request.", row.target));
        });
        auto result = run(io, client.async_activate_schedule(ScheduleId{9}));
        REQUIRE_FALSE(result.has_value());
        const ApiError& e = result.error();
        CHECK(e.kind == ErrorKind::api);
        CHECK(e.status == row.status);
        CHECK(e.ec == row.code);
        CHECK(e.code == row.server_code);
        // The server's message; a 404's names the request too (a wrong api_url or id looks the same).
        CHECK(e.message == (row.status == 404 ? "Something about the request. (requested: POST https://127.0.0.1:" +
                                                    std::to_string(server.server().port()) +
                                                    "/cloud/v6/schedules/9/activate)"
                                              : std::string("Something about the request.")));
        CHECK(e.target == (row.target ? std::optional<std::string>(row.target) : std::nullopt));
        CHECK(e.attempts == 1);
        check_no_secret(e);
    }
    // Error statuses keep the connection: all six answers came over one.
    CHECK(server.server().connections_accepted() == 1);
}

TEST_CASE("error details, and a non-JSON error body, reach the caller") {
    TestServer server([](const emu::Request& request) {
        if (request.target.ends_with("/1"))
            return json_answer(400, R"({"error": {"code": "validation_error", "message": "Invalid.", "target": null,
                "details": [{"code": "invalid", "message": "Bad byday.", "target": "recurrence_rule.byday"}]}})");
        emu::Response html;
        html.status = 502;
        html.headers = {{"Content-Type", "text/html"}};
        html.body = "<html><h1>502 Bad Gateway</h1></html>";
        return html;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto detailed = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(detailed.has_value());
    CHECK_FALSE(detailed.error().target.has_value());
    REQUIRE(detailed.error().details.size() == 1);
    CHECK(detailed.error().details[0] == ErrorDetails{"invalid", "Bad byday.", "recurrence_rule.byday"});

    auto html = run(io, client.async_get_schedule(ScheduleId{2}));
    REQUIRE_FALSE(html.has_value());
    CHECK(html.error().ec == errc::bad_gateway);
    CHECK(html.error().to_string() ==
          R"(HTTP 502: Bad Gateway (non-JSON body: "<html><h1>502 Bad Gateway</h1></html>"))");
}

TEST_CASE("a malformed 2xx body is malformed_response naming the field") {
    TestServer server(TestServer::ok_json(R"({"value": [{"id": 1, "load_test_id": "two"}]})"));
    asio::io_context io;
    Client client(io, server.client_options());
    auto page = run(io, client.async_list_schedules());
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().kind == ErrorKind::malformed_response);
    CHECK(page.error().target == "value[0].load_test_id");

    server.answer(TestServer::ok_json("<html>not json</html>"));
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(schedule.has_value());
    CHECK(schedule.error().kind == ErrorKind::malformed_response);
}

TEST_CASE("keep-alive: several operations share one connection") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    Client client(io, server.client_options());
    for (int i = 1; i <= 5; ++i) {
        auto schedule = run(io, client.async_get_schedule(ScheduleId{i}));
        REQUIRE(schedule.has_value());
    }
    CHECK(server.server().connections_accepted() == 1);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        CHECK(requests[i].connection_id == requests[0].connection_id);
        CHECK(requests[i].request_index_on_connection == i);
    }
}

TEST_CASE("concurrent operations each get a connection, which later operations reuse") {
    TestServer server([](const emu::Request&) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        response.delay = 100ms;  // long enough for all three to be in flight together
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    using namespace asio::experimental::awaitable_operators;
    auto all = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<int> {
            auto [a, b, c] = co_await (client.async_get_schedule(ScheduleId{1}, asio::use_awaitable) &&
                                       client.async_get_schedule(ScheduleId{2}, asio::use_awaitable) &&
                                       client.async_get_schedule(ScheduleId{3}, asio::use_awaitable));
            co_return int(a.has_value()) + int(b.has_value()) + int(c.has_value());
        },
        asio::deferred);
    CHECK(run(io, std::move(all)) == 3);
    CHECK(server.server().connections_accepted() == 3);
    for (int i = 0; i < 3; ++i) REQUIRE(run(io, client.async_get_schedule(ScheduleId{4})).has_value());
    CHECK(server.server().connections_accepted() == 3);
}

// The client's strand is built on the io_context's own executor type when it can (cheaper to copy);
// any other executor gets a strand over the type-erased one, and must behave the same.
TEST_CASE("a client on a thread pool's executor runs operations from several threads, serialised") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::thread_pool pool(2);
    Client client(pool.get_executor(), server.client_options());
    std::vector<std::future<expected<Schedule>>> results;
    for (int i = 1; i <= 8; ++i) results.push_back(client.async_get_schedule(ScheduleId{i}, asio::use_future));
    for (auto& result : results) {
        auto schedule = result.get();
        REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
        CHECK(schedule->id == ScheduleId{123});
    }
    CHECK(server.requests().size() == 8);
    client.close();
    pool.join();
}

TEST_CASE("a kept-alive connection the server dropped is replaced without an error") {
    TestServer server([](const emu::Request&) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        response.drop_after = true;  // keep-alive answer, then the server silently closes
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    for (int i = 0; i < 3; ++i) {
        auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
        REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    }
    CHECK(server.server().connections_accepted() == 3);
    CHECK(server.requests().size() == 3);
}

TEST_CASE("a request that fails on a reused connection before any response byte is sent again") {
    // The idle check cannot see this one coming: the server takes the second request on the
    // connection and resets it without answering, as a server that just timed it out would.
    TestServer server([](const emu::Request& request) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        response.reset_before_response = request.connection_id == 1 && request.request_index_on_connection == 1;
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    auto again = run(io, client.async_get_schedule(ScheduleId{2}));
    REQUIRE_MESSAGE(again.has_value(), again.error().to_string());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[1].connection_id == 1);
    CHECK(requests[2].connection_id == 2);
    CHECK(requests[2].target == "/cloud/v6/schedules/2");
    // On a fresh connection the same failure is reported, not retried.
    server.answer([](const emu::Request&) {
        emu::Response response;
        response.reset_before_response = true;
        return response;
    });
    client.close_idle_connections();
    auto failed = run(io, client.async_get_schedule(ScheduleId{3}));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().kind == ErrorKind::transport);
    CHECK(failed.error().attempts == 1);
}

TEST_CASE("a connection closed by the server's idle timeout is detected and replaced") {
    auto options = TestServer::tls_options();
    options.idle_timeout = 100ms;
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")), options);
    asio::io_context io;
    Client client(io, server.client_options());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    std::this_thread::sleep_for(400ms);
    auto again = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(again.has_value(), again.error().to_string());
    CHECK(server.server().connections_accepted() == 2);
    CHECK(again.has_value());
}

TEST_CASE("Connection: close from the server is honoured") {
    TestServer server([](const emu::Request&) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        response.close = true;
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    CHECK(server.server().connections_accepted() == 2);
}

TEST_CASE("TLS: a server certificate from an unknown CA is refused before any request") {
    TestServer server(TestServer::ok_json("{}"), TestServer::tls_options(k6::test::Pki::get().unknown_ca_leaf));
    asio::io_context io;
    Client client(io, server.client_options());
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::tls);
    CHECK(result.error().status == 0);
    CHECK(result.error().message.find("certificate") != std::string::npos);
    CHECK(server.requests().empty());
    check_no_secret(result.error());
}

TEST_CASE("TLS: a certificate for another host name is refused before any request") {
    TestServer server(TestServer::ok_json("{}"), TestServer::tls_options(k6::test::Pki::get().wrong_host_leaf));
    asio::io_context io;
    Client client(io, server.client_options());
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::tls);
    CHECK(result.error().message.find("mismatch") != std::string::npos);
    CHECK(server.requests().empty());
}

TEST_CASE("TLS: without the test CA the system roots do not trust the server") {
    TestServer server;
    asio::io_context io;
    auto options = server.client_options();
    options.ca_file.reset();
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::tls);
    CHECK(server.requests().empty());
}

TEST_CASE("TLS: a host name the certificate names works through SNI and name verification") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    auto options = server.client_options();
    options.api_url = "https://localhost:" + std::to_string(server.server().port());
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
    CHECK(server.requests().at(0).header("Host") == "localhost:" + std::to_string(server.server().port()));
}

TEST_CASE("plain http:// works for local servers") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")), TestServer::plain_options());
    asio::io_context io;
    auto options = server.client_options();
    options.ca_file.reset();
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{2})).has_value());
    CHECK(server.server().connections_accepted() == 1);
}

TEST_CASE("a response over the body limit fails cleanly and the client stays usable") {
    TestServer server([](const emu::Request& request) {
        if (request.target.ends_with("/1")) return json_answer(200, std::string(2 << 20, ' ') + "{}");
        return json_answer(200, example("schedule", "Hourly"));
    });
    asio::io_context io;
    auto options = server.client_options();
    options.max_body_bytes = 1 << 20;
    Client client(io, options);
    auto big = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error().kind == ErrorKind::malformed_response);
    CHECK(big.error().ec == errc::body_too_large);
    CHECK(big.error().message.find("1048576") != std::string::npos);
    auto small = run(io, client.async_get_schedule(ScheduleId{2}));
    CHECK_MESSAGE(small.has_value(), small.error().to_string());
}

TEST_CASE("a stalled server hits the timeout, and the client stays usable") {
    TestServer server([](const emu::Request& request) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        if (request.target.ends_with("/1")) response.delay = 10s;
        return response;
    });
    asio::io_context io;
    auto options = server.client_options();
    options.io_timeout = 300ms;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto stalled = run(io, client.async_get_schedule(ScheduleId{1}));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(stalled.has_value());
    CHECK(stalled.error().kind == ErrorKind::timeout);
    CHECK(stalled.error().ec == errc::timeout);
    CHECK(stalled.error().attempts == 1);
    CHECK(elapsed < 5s);  // bounded by the timeout, not by the server's 10 s stall
    auto next = run(io, client.async_get_schedule(ScheduleId{2}));
    CHECK_MESSAGE(next.has_value(), next.error().to_string());
}

TEST_CASE("a refused connection is a transport error") {
    std::uint16_t port = 0;
    {
        TestServer gone;
        port = gone.server().port();
    }
    asio::io_context io;
    ClientOptions options;
    options.api_url = "https://127.0.0.1:" + std::to_string(port);
    options.token = k6::test::test_token;
    options.stack_id = 1;
    options.retry.max_retries = 0;
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::transport);
    CHECK(result.error().ec == asio::error::connection_refused);
    CHECK(result.error().attempts == 1);
    CHECK(result.error().message.find("connecting to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("a connection reset in the middle of the body is a transport error") {
    TestServer server([](const emu::Request&) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        response.reset_after_body_bytes = 10;
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::transport);
    check_no_secret(result.error());
}

TEST_CASE("redirects are not followed, so the token stays with the API host") {
    TestServer other(TestServer::ok_json(example("schedule", "Hourly")));
    TestServer server([&other](const emu::Request&) {
        emu::Response response;
        response.status = 302;
        response.headers = {{"Location", other.server().url() + "/cloud/v6/schedules/1"}};
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::api);
    CHECK(result.error().ec == errc::unexpected_status);
    CHECK(result.error().status == 302);
    CHECK(other.requests().empty());
}

TEST_CASE("invalid arguments complete with invalid_argument and send nothing") {
    TestServer server;
    asio::io_context io;
    Client client(io, server.client_options());
    CreateScheduleRequest both;
    both.cron = ScheduleCron{"@daily", "UTC"};
    both.recurrence_rule = RecurrenceRule{};
    auto set = run(io, client.async_set_load_test_schedule(LoadTestId{1}, both));
    auto list = run(io, client.async_list_schedules(ListQuery{1001, {}, false}));
    auto get = run(io, client.async_get_schedule(ScheduleId{0}));
    for (const auto* error : {&set.error(), &list.error(), &get.error()}) {
        CHECK(error->kind == ErrorKind::invalid_argument);
        CHECK(error->attempts == 0);
    }
    CHECK(list.error().target == "$top");
    CHECK(server.server().connections_accepted() == 0);
}

TEST_CASE("completion tokens: callback, use_future, deferred, use_awaitable, and never inline") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    Client client(io, server.client_options());

    bool called = false;
    client.async_get_schedule(ScheduleId{1}, [&called](expected<Schedule> s) { called = s.has_value(); });
    CHECK_FALSE(called);  // not from inside the initiating function
    client.async_get_schedule(ScheduleId{0}, [&called](expected<Schedule> s) { called = !s.has_value(); });
    CHECK_FALSE(called);  // not even when the arguments are refused at once
    io.run_for(10s);
    CHECK(called);

    std::future<expected<void>> future = client.async_delete_schedule(ScheduleId{1}, asio::use_future);
    io.restart();
    io.run_for(10s);
    CHECK(future.get().has_value());

    auto in_coroutine = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<bool> {
            expected<Schedule> a = co_await client.async_get_schedule(ScheduleId{1});  // deferred, the default
            expected<Schedule> b = co_await client.async_get_schedule(ScheduleId{2}, asio::use_awaitable);
            co_return a.has_value() && b.has_value();
        },
        asio::deferred);
    CHECK(run(io, std::move(in_coroutine)));
}

TEST_CASE("terminal cancellation closes the connection, completes with cancelled, and the client stays usable") {
    TestServer server([](const emu::Request& request) {
        emu::Response response = json_answer(200, example("schedule", "Hourly"));
        if (request.target.ends_with("/1")) response.delay = 10s;
        return response;
    });
    asio::io_context io;
    Client client(io, server.client_options());
    asio::cancellation_signal signal;
    std::optional<expected<Schedule>> result;
    client.async_get_schedule(ScheduleId{1}, asio::bind_cancellation_slot(
                                                 signal.slot(), [&](expected<Schedule> s) { result = std::move(s); }));
    asio::steady_timer timer(io, 200ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(8s);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::cancelled);
    CHECK(result->error().ec == errc::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < 5s);

    auto next = run(io, client.async_get_schedule(ScheduleId{2}));
    CHECK_MESSAGE(next.has_value(), next.error().to_string());
}

TEST_CASE("a client is usable from several threads at once") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    Client client(io, server.client_options());
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> runners;
    for (int i = 0; i < 2; ++i) runners.emplace_back([&io] { io.run(); });
    std::atomic<int> ok{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t) {
        callers.emplace_back([&] {
            for (int i = 0; i < 10; ++i)
                if (client.async_get_schedule(ScheduleId{i + 1}, asio::use_future).get()) ++ok;
        });
    }
    for (auto& caller : callers) caller.join();
    guard.reset();
    for (auto& runner : runners) runner.join();
    CHECK(ok == 40);
    CHECK(server.requests().size() == 40);
    CHECK(server.server().connections_accepted() <= 4);
}

TEST_CASE("set_load_test_schedule checks the request first, as ClientOptions::request_validator says") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    CreateScheduleRequest bad_cron{parse_rfc3339("2025-01-01T00:00:00Z").value(), std::nullopt,
                                   ScheduleCron{"0 0 * * * *", "UTC"}};
    CreateScheduleRequest unknown_zone = bad_cron;
    unknown_zone.cron->schedule = "0 0 * * *";
    unknown_zone.cron->time_zone = "Mars/Olympus_Mons";

    // The default needs no time-zone database: it refuses the six-field cron and lets the server
    // judge the zone name.
    Client checking(io, server.client_options());
    auto refused = run(io, checking.async_set_load_test_schedule(LoadTestId{1}, bad_cron));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::invalid_argument);
    CHECK(refused.error().target == "cron.schedule");
    CHECK(refused.error().attempts == 0);
    CHECK(server.requests().empty());
    CHECK(run(io, checking.async_set_load_test_schedule(LoadTestId{1}, unknown_zone)).has_value());
    CHECK(server.requests().size() == 1);

    // validate() from recurrence.hpp checks zone names too.
    auto options = server.client_options();
    options.request_validator = k6::schedules::validate;
    Client strict(io, options);
    auto zone = run(io, strict.async_set_load_test_schedule(LoadTestId{1}, unknown_zone));
    REQUIRE_FALSE(zone.has_value());
    CHECK(zone.error().target == "cron.time_zone");
    CHECK(server.requests().size() == 1);

    // Without a validator every request goes out as it is.
    options.request_validator = nullptr;
    Client unchecked(io, options);
    CHECK(run(io, unchecked.async_set_load_test_schedule(LoadTestId{1}, bad_cron)).has_value());
    REQUIRE(server.requests().size() == 2);
    CHECK(server.requests()[1].body.find("0 0 * * * *") != std::string::npos);
}

TEST_CASE("a request_validator that throws fails the call as an internal error, never the initiating function") {
    TestServer server(TestServer::ok_json(example("schedule", "Hourly")));
    asio::io_context io;
    auto options = server.client_options();
    options.request_validator = [](const CreateScheduleRequest&) -> expected<void> {
        throw std::runtime_error("the rule book is missing");
    };
    Client client(io, options);
    const CreateScheduleRequest request{parse_rfc3339("2025-01-01T00:00:00Z").value(), std::nullopt, std::nullopt};
    std::optional<expected<Schedule>> result;
    CHECK_NOTHROW(client.async_set_load_test_schedule(LoadTestId{1}, request,
                                                      [&result](expected<Schedule> r) { result = std::move(r); }));
    io.run_for(std::chrono::seconds(10));
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::internal);
    CHECK(result->error().ec == errc::internal_error);
    CHECK(result->error().message.find("the rule book is missing") != std::string::npos);
    CHECK(result->error().attempts == 0);
    CHECK(server.requests().empty());
}

namespace {
// Retries without waiting (zero jitter), so the tests are fast and repeatable.
ClientOptions retrying(const TestServer& server, unsigned max_retries = 3) {
    auto options = server.client_options();
    options.retry.max_retries = max_retries;
    options.retry.jitter = [] { return 0.0; };
    return options;
}
}  // namespace

TEST_CASE("retries: 503s and a reset are retried until the answer comes") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        const int n = ++calls;
        if (n == 1) return json_answer(503, error_body("unavailable", "Try again."));
        emu::Response reset;
        reset.reset_before_response = true;
        if (n == 2) return reset;
        return json_answer(200, example("schedule", "Hourly"));
    });
    asio::io_context io;
    Client client(io, retrying(server));
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    CHECK(server.requests().size() == 3);
}

TEST_CASE("retries: the final error keeps the server's answer and says how many attempts and why they stopped") {
    TestServer server([](const emu::Request&) { return json_answer(503, error_body("maintenance", "Back soon.")); });
    asio::io_context io;
    Client client(io, retrying(server, 2));
    auto result = run(io, client.async_delete_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().status == 503);
    CHECK(result.error().code == "maintenance");
    CHECK(result.error().message == "Back soon.");
    CHECK(result.error().attempts == 3);
    CHECK(result.error().retry_stopped == "retries exhausted");
    CHECK(server.requests().size() == 3);
}

TEST_CASE("retries: a 4xx is not retried") {
    TestServer server([](const emu::Request&) { return json_answer(404, error_body("not_found", "No.")); });
    asio::io_context io;
    Client client(io, retrying(server));
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().attempts == 1);
    CHECK(result.error().retry_stopped.empty());
    CHECK(server.requests().size() == 1);
}

TEST_CASE("retries: Retry-After is honoured, for as long as the server asks") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        if (++calls == 1) {
            auto throttled = json_answer(429, error_body("throttled", "Slow down."));
            throttled.headers.emplace_back("Retry-After", "1");
            return throttled;
        }
        return json_answer(200, example("schedule", "Hourly"));
    });
    asio::io_context io;
    auto options = retrying(server);
    options.retry.max_delay = 2s;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE(schedule.has_value());
    CHECK(waited >= 1s);  // it did wait, as the server asked (jitter does not shorten it)
    CHECK(calls == 2);
}

TEST_CASE("retries: a Retry-After longer than max_delay stops the retries instead of sending too early") {
    std::atomic<int> calls{0};
    TestServer server([&calls](const emu::Request&) {
        ++calls;
        auto throttled = json_answer(429, error_body("throttled", "Slow down."));
        throttled.headers.emplace_back("Retry-After", "120");
        return throttled;
    });
    asio::io_context io;
    auto options = retrying(server);
    options.retry.max_delay = 300ms;
    Client client(io, options);
    const auto start = std::chrono::steady_clock::now();
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    REQUIRE_FALSE(schedule.has_value());
    CHECK(calls == 1);  // no retry that the server said it would refuse
    CHECK(schedule.error().status == 429);
    CHECK(schedule.error().attempts == 1);
    CHECK(schedule.error().retry_after == std::chrono::seconds(120));
    CHECK_MESSAGE(schedule.error().retry_stopped.find("wait 120 s (Retry-After)") != std::string::npos,
                  schedule.error().retry_stopped);
}

TEST_CASE("retries: cancellation interrupts the wait between attempts") {
    TestServer server([](const emu::Request&) { return json_answer(503, error_body("unavailable", "Later.")); });
    asio::io_context io;
    auto options = server.client_options();
    options.retry.max_retries = 5;
    options.retry.initial_delay = 10s;
    options.retry.max_delay = 10s;
    options.retry.jitter = [] { return 1.0; };
    Client client(io, options);
    asio::cancellation_signal signal;
    std::optional<expected<Schedule>> result;
    client.async_get_schedule(ScheduleId{1}, asio::bind_cancellation_slot(
                                                 signal.slot(), [&](expected<Schedule> s) { result = std::move(s); }));
    asio::steady_timer timer(io, 300ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(8s);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().kind == ErrorKind::cancelled);
    CHECK(result->error().attempts == 1);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("an http:// URL to a TLS server fails with a hint to try https://, and the attempts it took") {
    TestServer server;  // TLS
    ClientOptions options = server.client_options();
    options.api_url = "http://127.0.0.1:" + std::to_string(server.server().port());
    options.retry.max_retries = 3;
    options.retry.initial_delay = 1ms;
    options.retry.max_delay = 2ms;
    asio::io_context io;
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find("the server may speak TLS: try https://") != std::string::npos);
    CHECK(result.error().attempts == 4);
    CHECK(result.error().to_string().ends_with("(after 4 attempts: retries exhausted)"));
}

TEST_CASE("an https:// URL to a plain-HTTP server fails with a hint that the server may not speak TLS") {
    TestServer server(TestServer::ok_json("{}"), TestServer::plain_options());
    ClientOptions options = server.client_options();
    options.api_url = "https://127.0.0.1:" + std::to_string(server.server().port());
    asio::io_context io;
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::tls);
    CHECK(result.error().message.find("the server may not speak TLS: try http://") != std::string::npos);
}

TEST_CASE("a 404 names the method and URL that were requested, on every operation") {
    TestServer server([](const emu::Request&) { return json_answer(404, error_body("not_found", "Not found.")); });
    asio::io_context io;
    Client client(io, server.client_options());
    const std::string origin = "GET https://127.0.0.1:" + std::to_string(server.server().port());
    auto got = run(io, client.async_get_schedule(ScheduleId{9}));
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().message == "Not found. (requested: " + origin + "/cloud/v6/schedules/9)");
    auto deleted = run(io, client.async_delete_schedule(ScheduleId{9}));
    REQUIRE_FALSE(deleted.has_value());
    CHECK(deleted.error().message.ends_with("(requested: DELETE https://127.0.0.1:" +
                                            std::to_string(server.server().port()) + "/cloud/v6/schedules/9)"));
    auto listed = run(io, client.async_list_schedules(ListQuery{.top = 5}));
    REQUIRE_FALSE(listed.has_value());
    CHECK(listed.error().message.ends_with("/cloud/v6/schedules?$top=5)"));
}
