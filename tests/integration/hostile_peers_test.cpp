// SPDX-License-Identifier: BSL-1.0
// Peers that do what well-behaved ones never would: a proxy that forges an answer in front of the
// tunnel, an https:// proxy (TLS to the proxy, then TLS to the API inside it), servers that send
// interim 1xx answers or control bytes in their reason phrases.
#include <k6/schedules.hpp>

#include "support/connect_proxy.hpp"
#include "support/scripted_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using k6::test::ConnectProxy;
using k6::test::ConnectProxyOptions;
using k6::test::run;
using k6::test::Script;
using k6::test::ScriptedServer;
using k6::test::TestServer;
using k6::test::Then;

namespace {

const std::string a_schedule =
    R"({"id": 1, "load_test_id": 2, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null, "cron": null,
        "deactivated": false, "next_run": null, "created_by": null})";

// What a forging proxy would like the client to believe the API said.
const std::string forged_schedule =
    R"({"id": 666, "load_test_id": 666, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null, "cron": null,
        "deactivated": false, "next_run": null, "created_by": "the proxy"})";

std::string ok_bytes(const std::string& body) {
    return k6::test::http_response_bytes(200, "OK", body, {{"Content-Type", "application/json"}});
}

// {"error": ErrorApiModel} with `count` details, as a server reporting every row of a bulk check
// might send.
std::string error_body_with_details(std::size_t count) {
    std::string body = R"({"error": {"code": "invalid_rows", "message": "The rows could not be validated.", "details": [)";
    for (std::size_t i = 0; i < count; ++i) {
        if (i) body += ',';
        body.append(R"({"code": "invalid", "message": "row )").append(std::to_string(i)).append(R"(", "target": "rows"})");
    }
    return body + "]}}";
}

// `body` in chunks of at most 64 KiB, and the last chunk.
std::string chunked(std::string_view body) {
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += 65536) {
        const std::string_view chunk = body.substr(at, 65536);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
        out.append(size).append(chunk).append("\r\n");
    }
    return out + "0\r\n\r\n";
}

}  // namespace

TEST_CASE("bytes a proxy sends after its CONNECT answer fail the tunnel: a forged response is never returned") {
    TestServer server(TestServer::ok_json(a_schedule));
    for (bool tls_to_proxy : {false, true}) {
        CAPTURE(tls_to_proxy);
        ConnectProxyOptions proxy_options;
        proxy_options.tls = tls_to_proxy;
        proxy_options.answer.inject_after_answer = ok_bytes(forged_schedule);
        ConnectProxy proxy(proxy_options);
        asio::io_context io;
        auto options = server.client_options();
        options.proxy = proxy.url();
        Client client(io, options);
        auto result = run(io, client.async_get_schedule(ScheduleId{1}));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().kind == ErrorKind::transport);
        CHECK(result.error().ec == errc::proxy_error);
        CHECK(result.error().message.find("after its answer to CONNECT") != std::string::npos);
        // The proxy counts the tunnel on its own thread once its answer is written.
        for (int i = 0; i < 200 && proxy.tunnels_opened() == 0; ++i) std::this_thread::sleep_for(10ms);
        CHECK(proxy.tunnels_opened() == 1);
    }
    CHECK(server.requests().empty());  // the request never went out: the TLS session was never begun
}

TEST_CASE("an https:// proxy: TLS to the proxy, CONNECT with credentials, then TLS to the API inside") {
    TestServer server(TestServer::ok_json(a_schedule));
    ConnectProxyOptions proxy_options;
    proxy_options.tls = true;
    proxy_options.credentials = "proxyuser:proxypass";
    ConnectProxy proxy(proxy_options);
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url("proxyuser:proxypass");
    REQUIRE(options.proxy->starts_with("https://"));
    Client client(io, options);
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    CHECK(proxy.connections_accepted() == 1);  // one tunnel, kept alive for both requests
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests()[0].method == "CONNECT");
    CHECK(proxy.requests()[0].target == "127.0.0.1:" + std::to_string(server.server().port()));
    // Basic base64("proxyuser:proxypass")
    CHECK(proxy.requests()[0].header("Proxy-Authorization") == "Basic cHJveHl1c2VyOnByb3h5cGFzcw==");
    CHECK(proxy.requests()[0].header("Authorization") == std::nullopt);  // the token only inside the tunnel
    CHECK(server.requests().size() == 2);
    CHECK(server.requests()[0].header("Authorization") == std::string(k6::test::test_authorization));
}

TEST_CASE("a page of many TLS records comes whole through an https:// proxy's tunnel, TLS inside TLS") {
    // About 1 MB: the inner TLS session reads it in dozens of records, each through the outer one.
    std::string page = R"({"value": [)";
    constexpr int schedules = 6000;
    for (int i = 1; i <= schedules; ++i) {
        if (i > 1) page += ",";
        page += R"({"id": )" + std::to_string(i) +
                R"(, "load_test_id": 2, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null,
                   "cron": null, "deactivated": false, "next_run": null, "created_by": "someone@example.com"})";
    }
    page += "]}";
    REQUIRE(page.size() > 1'000'000);
    TestServer server(TestServer::ok_json(page));
    ConnectProxyOptions proxy_options;
    proxy_options.tls = true;
    ConnectProxy proxy(proxy_options);
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url();
    options.max_body_bytes = 4 * 1024 * 1024;
    Client client(io, options);
    for (int round = 0; round < 2; ++round) {  // the second over the kept-alive tunnel
        auto listed = run(io, client.async_list_schedules(ListQuery{}));
        REQUIRE_MESSAGE(listed.has_value(), listed.error().to_string());
        REQUIRE(listed->items.size() == schedules);
        CHECK(listed->items.front().id == ScheduleId{1});
        CHECK(listed->items.back().id == ScheduleId{schedules});
    }
    CHECK(proxy.connections_accepted() == 1);
    CHECK(server.requests().size() == 2);
}

TEST_CASE("an https:// proxy is verified like the API: a certificate for another name is refused") {
    TestServer server(TestServer::ok_json(a_schedule));
    ConnectProxyOptions proxy_options;
    proxy_options.tls = true;
    proxy_options.certificate = k6::test::Pki::get().wrong_host_leaf;
    ConnectProxy proxy(proxy_options);
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url();
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::tls);
    CHECK(result.error().message.find("proxy") != std::string::npos);
    CHECK(proxy.requests().empty());  // no CONNECT, so no credentials, went to an unverified proxy
    CHECK(server.requests().empty());
}

TEST_CASE("HTTPS_PROXY=https://... from the environment carries requests to a host only the proxy can reach") {
    // api.example.invalid does not resolve: only the proxy, which sends every tunnel to the test
    // server, can reach it, and the server's certificate is for that name.
    TestServer server(TestServer::ok_json(a_schedule), TestServer::tls_options(k6::test::Pki::get().wrong_host_leaf));
    ConnectProxyOptions proxy_options;
    proxy_options.tls = true;
    proxy_options.forward_to_port = server.server().port();
    ConnectProxy proxy(proxy_options);
    asio::io_context io;
    auto options = server.client_options();
    options.api_url = "https://api.example.invalid:" + std::to_string(server.server().port());
    options.proxy_from_environment = true;
    ::setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
    ::unsetenv("NO_PROXY");
    ::unsetenv("no_proxy");
    auto created = Client::create(io, options);
    ::unsetenv("HTTPS_PROXY");
    REQUIRE(created.has_value());
    auto schedule = run(io, created->async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests()[0].target == "api.example.invalid:" + std::to_string(server.server().port()));
    CHECK(server.requests().at(0).header("Host") == "api.example.invalid:" + std::to_string(server.server().port()));
}

TEST_CASE("interim 1xx answers are skipped, the final answer is read, and the connection stays reusable") {
    ScriptedServer server([](const k6::test::RecordedRequest&) {
        return Script{
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 100 Continue\r\n\r\n" +
                ok_bytes(a_schedule),
            Then::keep_reading};
    });
    asio::io_context io;
    Client client(io, server.client_options());
    for (int i = 0; i < 3; ++i) {
        auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
        REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
        CHECK(schedule->load_test_id == LoadTestId{2});
    }
    CHECK(server.connections_accepted() == 1);
    CHECK(server.requests_read() == 3);
}

TEST_CASE("a server that sends nothing but interim answers gets malformed_response, not an endless read") {
    std::string interim;
    for (int i = 0; i < 40; ++i) interim += "HTTP/1.1 103 Early Hints\r\n\r\n";
    ScriptedServer server(Script{interim, Then::stall});
    asio::io_context io;
    Client client(io, server.client_options());
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::malformed_response);
    CHECK(result.error().message.find("interim (1xx)") != std::string::npos);
}

TEST_CASE("101 Switching Protocols is never taken as an answer to reuse: an error, and a fresh connection next") {
    int calls = 0;
    ScriptedServer server([&calls](const k6::test::RecordedRequest&) {
        if (++calls == 1)
            return Script{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
                          Then::stall};
        return Script{ok_bytes(a_schedule), Then::keep_reading};
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto first = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error().status == 101);
    CHECK(first.error().ec == errc::unexpected_status);
    auto second = run(io, client.async_get_schedule(ScheduleId{1}));
    CHECK_MESSAGE(second.has_value(), (second ? "" : second.error().to_string()));
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("a proxy's reason phrase reaches the message bounded, printable, and without the credentials it was sent") {
    TestServer server;
    ConnectProxyOptions proxy_options;
    proxy_options.answer.status = 403;
    // Beast refuses control bytes in a reason phrase, but accepts obs-text such as 0x9B, the 8-bit
    // CSI that some terminals act on; and a proxy may echo what it was sent.
    proxy_options.answer.reason =
        "Denied for proxyuser:s3cret-pass \x9b"
        "2J" +
        std::string(2000, 'x');
    ConnectProxy proxy(proxy_options);
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url("proxyuser:s3cret-pass");
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    const std::string& message = result.error().message;
    CHECK(message.find("refused to CONNECT") != std::string::npos);
    CHECK(message.find(": 403 Denied for") != std::string::npos);
    CHECK(message.find("s3cret-pass") == std::string::npos);
    CHECK(message.find('\x9b') == std::string::npos);
    CHECK(message.find("\\x9b") != std::string::npos);  // shown, escaped
    CHECK(message.size() < 600);
    CHECK(message.ends_with("..."));
}

TEST_CASE("a 500 with megabytes of details gives the server's code, message, 32 details and a summary, and the next request a new connection") {
    const std::string body = error_body_with_details(100'000);
    REQUIRE(body.size() > 4'000'000);
    for (const bool is_chunked : {false, true}) {
        CAPTURE(is_chunked);
        const std::string error_answer =
            is_chunked ? "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n" +
                             chunked(body)
                       : k6::test::http_response_bytes(500, "Internal Server Error", body,
                                                       {{"Content-Type", "application/json"}});
        int calls = 0;
        ScriptedServer server([&](const k6::test::RecordedRequest&) {
            // Both keep the connection open for more requests: the client is the one that must not reuse it.
            if (++calls == 1) return Script{error_answer, Then::keep_reading};
            return Script{ok_bytes(a_schedule), Then::keep_reading};
        });
        asio::io_context io;
        Client client(io, server.client_options());
        auto failed = run(io, client.async_get_schedule(ScheduleId{1}));
        REQUIRE_FALSE(failed.has_value());
        const ApiError& e = failed.error();
        CHECK(e.kind == ErrorKind::api);
        CHECK(e.status == 500);
        CHECK(e.ec == errc::internal_server_error);
        CHECK(e.code == "invalid_rows");
        CHECK(e.message == "The rows could not be validated.");
        REQUIRE(e.details.size() == 33);
        CHECK(e.details[0] == ErrorDetails{"invalid", "row 0", "rows"});
        CHECK(e.details[31] == ErrorDetails{"invalid", "row 31", "rows"});
        CHECK(e.details[32].code.empty());
        CHECK(e.details[32].message.find("the answer was cut at 64 KiB") != std::string::npos);
        CHECK(e.attempts == 1);

        auto next = run(io, client.async_get_schedule(ScheduleId{1}));
        CHECK_MESSAGE(next.has_value(), (next ? "" : next.error().to_string()));
        CHECK(server.requests_read() == 2);
        CHECK(server.connections_accepted() == 2);
    }
}

TEST_CASE("a 503 declaring a body over max_body_bytes is the API's 503, not body_too_large, and is retried like any 503") {
    // 64 MiB declared, about 100 KB sent, then nothing: the client reads 64 KiB of it and hangs up.
    const std::string start = error_body_with_details(2'000).substr(0, 100'000);
    const std::string overloaded = std::string(R"({"error": {"code": "overloaded", "message": "Try again later.", )") +
                                   start.substr(start.find(R"("details")"));
    const std::string answer =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 67108864\r\n\r\n" +
        overloaded;
    ScriptedServer server(Script{answer, Then::stall});
    asio::io_context io;
    auto options = server.client_options();
    options.max_body_bytes = 1 << 20;
    options.retry.max_retries = 2;
    options.retry.initial_delay = 1ms;
    options.retry.jitter = [] { return 1.0; };
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    const ApiError& e = result.error();
    CHECK(e.kind == ErrorKind::api);
    CHECK(e.ec == errc::service_unavailable);
    CHECK(e.ec != errc::body_too_large);
    CHECK(e.status == 503);
    CHECK(e.code == "overloaded");
    CHECK(e.message == "Try again later.");
    CHECK(e.details.size() == 33);
    CHECK(e.attempts == 3);
    CHECK(e.retry_stopped.find("retries") != std::string::npos);
    CHECK(server.requests_read() == 3);
    CHECK(server.connections_accepted() == 3);  // a cut answer's connection is never reused
}
