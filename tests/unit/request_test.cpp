// SPDX-License-Identifier: BSL-1.0
// What each operation sends and how answers are read, without sockets
// (detail/request_builder.hpp, response_parser.hpp, retry_after.hpp, list_query.hpp).
#include <k6/schedules.hpp>
#include "support/beast_request.hpp"
#include "support/internals.hpp"

#include <doctest/doctest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/serializer.hpp>

#include <set>
#include <sstream>

using namespace k6::schedules;
using namespace std::chrono;
namespace http = boost::beast::http;
namespace internal = k6::schedules::detail;

namespace {

internal::Endpoint endpoint(const char* url) { return internal::parse_endpoint(url).value(); }

// A response as the client keeps it.
internal::HttpResponse response(unsigned status, std::string body) {
    return internal::HttpResponse{.status = status, .body = std::move(body)};
}

}  // namespace

TEST_CASE("each operation's method and target") {
    using V = http::verb;
    struct Row {
        internal::RequestSpec spec;
        V method;
        const char* target;
    };
    CreateScheduleRequest once{parse_rfc3339("2028-08-01T12:00:00Z").value(), std::nullopt, std::nullopt};
    const Row rows[] = {
        {internal::get_load_test_schedule_request(LoadTestId{234}), V::get, "/cloud/v6/load_tests/234/schedule"},
        {internal::set_load_test_schedule_request(LoadTestId{234}, once), V::post, "/cloud/v6/load_tests/234/schedule"},
        {internal::list_schedules_request({}), V::get, "/cloud/v6/schedules"},
        {internal::list_schedules_request({20, 40, true}), V::get, "/cloud/v6/schedules?$top=20&$skip=40&$count=true"},
        {internal::get_schedule_request(ScheduleId{123}), V::get, "/cloud/v6/schedules/123"},
        {internal::delete_schedule_request(ScheduleId{123}), V::delete_, "/cloud/v6/schedules/123"},
        {internal::activate_schedule_request(ScheduleId{123}), V::post, "/cloud/v6/schedules/123/activate"},
        {internal::deactivate_schedule_request(ScheduleId{123}), V::post, "/cloud/v6/schedules/123/deactivate"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.target);
        CHECK(row.spec.method == row.method);
        CHECK(row.spec.target == row.target);
        CHECK_FALSE(row.spec.refused.has_value());
    }
    CHECK(rows[1].spec.body == R"({"starts":"2028-08-01T12:00:00.000Z","recurrence_rule":null})");
    CHECK_FALSE(rows[0].spec.body.has_value());
    CHECK_FALSE(rows[6].spec.body.has_value());
}

TEST_CASE("invalid arguments are refused before anything is sent") {
    CHECK(internal::get_schedule_request(ScheduleId{0}).refused->kind == ErrorKind::invalid_argument);
    CHECK(internal::delete_schedule_request(ScheduleId{-7}).refused->target == "id");
    CHECK(internal::get_load_test_schedule_request(LoadTestId{0}).refused.has_value());

    CreateScheduleRequest both;
    both.cron = ScheduleCron{"@daily", "UTC"};
    both.recurrence_rule = RecurrenceRule{Frequency::daily, {}, {}, {}, {}};
    auto spec = internal::set_load_test_schedule_request(LoadTestId{1}, both);
    REQUIRE(spec.refused.has_value());
    CHECK(spec.refused->message == "only one of cron and recurrence_rule can be set");
    CHECK(spec.refused->target == "");
    CHECK_FALSE(spec.body.has_value());

    for (std::int64_t top : {0, -1, 1001, 1'000'000}) {
        CAPTURE(top);
        auto refused = internal::list_schedules_request({top, {}, false}).refused;
        REQUIRE(refused.has_value());
        CHECK(refused->target == "$top");
        CHECK(refused->attempts == 0);
    }
    CHECK_FALSE(internal::list_schedules_request({1, 0, false}).refused.has_value());
    CHECK_FALSE(internal::list_schedules_request({1000, {}, false}).refused.has_value());
    CHECK(internal::list_schedules_request({{}, -1, false}).refused->target == "$skip");
}

TEST_CASE("every request carries Host, Authorization, X-Stack-Id, Accept, User-Agent, and Content-Type with a body") {
    CreateScheduleRequest once{parse_rfc3339("2028-08-01T12:00:00Z").value(), std::nullopt, std::nullopt};
    auto spec = internal::set_load_test_schedule_request(LoadTestId{7}, once);
    auto req = k6::test::build_http_request(endpoint("https://api.k6.io"), "Bearer tok", "4242", spec);
    CHECK(req.method() == http::verb::post);
    CHECK(req.target() == "/cloud/v6/load_tests/7/schedule");
    CHECK(req.version() == 11);
    CHECK(req[http::field::host] == "api.k6.io");
    CHECK(req[http::field::authorization] == "Bearer tok");
    CHECK(req["X-Stack-Id"] == "4242");
    CHECK(req[http::field::accept] == "application/json");
    CHECK(req[http::field::user_agent] == "k6-schedules-cpp/" K6_SCHEDULES_VERSION_STRING);
    CHECK(req[http::field::content_type] == "application/json");
    CHECK(req[http::field::content_length] == std::to_string(req.body().size()));
    CHECK(req.keep_alive());

    auto get = k6::test::build_http_request(endpoint("http://127.0.0.1:8080/api"), "Bearer tok", "1",
                                            internal::get_schedule_request(ScheduleId{5}));
    CHECK(get[http::field::host] == "127.0.0.1:8080");
    CHECK(get.target() == "/api/cloud/v6/schedules/5");
    CHECK(get.find(http::field::content_type) == get.end());
    CHECK(get.body().empty());
}

namespace {

// What Beast's own serializer writes for `message`: the reference for detail::serialize.
template <class Body>
std::string beast_bytes(const http::request<Body>& message) {
    std::string bytes;
    http::request_serializer<Body> serializer(message);
    boost::system::error_code ec;
    while (!ec && !serializer.is_done()) {
        serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            for (const auto buffer : boost::beast::buffers_range_ref(buffers))
                bytes.append(static_cast<const char*>(buffer.data()), buffer.size());
            serializer.consume(boost::beast::buffer_bytes(buffers));
        });
    }
    REQUIRE_FALSE(ec);
    return bytes;
}

}  // namespace

TEST_CASE("a request goes on the wire byte for byte as Beast's serializer writes it") {
    const CreateScheduleRequest once{parse_rfc3339("2028-08-01T12:00:00Z").value(), std::nullopt, std::nullopt};
    const auto post = k6::test::build_http_request(endpoint("https://api.k6.io"), "Bearer tok", "4242",
                                                   internal::set_load_test_schedule_request(LoadTestId{7}, once));
    const std::string post_bytes = internal::serialize(post);
    CHECK(post_bytes == beast_bytes(post));
    CHECK(post_bytes.starts_with("POST /cloud/v6/load_tests/7/schedule HTTP/1.1\r\nHost: api.k6.io\r\n"));
    CHECK(post_bytes.ends_with("\r\n\r\n" + post.body()));

    const auto get = k6::test::build_http_request(endpoint("http://127.0.0.1:8080/api"), "Bearer tok", "1",
                                                  internal::get_schedule_request(ScheduleId{5}));
    CHECK(internal::serialize(get) == beast_bytes(get));
    const auto del = k6::test::build_http_request(endpoint("https://api.k6.io"), "Bearer tok", "1",
                                                  internal::delete_schedule_request(ScheduleId{5}));
    CHECK(internal::serialize(del) == beast_bytes(del));

    // A CONNECT to a proxy: an authority for a target, no body, an HTTP/1.0 version as some send.
    http::request<http::empty_body> connect{http::verb::connect, "[::1]:443", 10};
    connect.set(http::field::host, "[::1]:443");
    connect.set(http::field::proxy_authorization, "Basic dTpw");
    CHECK(internal::serialize(connect) == beast_bytes(connect));
    CHECK(internal::serialize(connect) ==
          "CONNECT [::1]:443 HTTP/1.0\r\nHost: [::1]:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n");
}

TEST_CASE("a proxy URL's credentials become Proxy-Authorization: Basic, base64 of the decoded user:password") {
    const auto basic = [](const char* url) { return internal::proxy_authorization(internal::parse_proxy(url).value()); };
    CHECK(basic("http://alice:s%40cret@proxy.corp:3128") == "Basic YWxpY2U6c0BjcmV0");  // alice:s@cret
    CHECK(basic("https://u:pw@proxy.corp") == "Basic dTpwdw==");
    CHECK(basic("http://u@proxy.corp") == "Basic dTo=");  // a user without a password: "u:"
    CHECK_FALSE(basic("http://proxy.corp:3128").has_value());
}

TEST_CASE("every operation's request is written out byte for byte as Beast would serialize it") {
    const CreateScheduleRequest once{parse_rfc3339("2028-08-01T12:00:00Z").value(), std::nullopt, std::nullopt};
    internal::RequestSpec next_link = internal::list_schedules_request({100, {}, false});
    next_link.target = "/api/cloud/v6/schedules?$top=100&$skip=100";
    next_link.target_is_absolute = true;
    internal::RequestSpec empty_body = internal::get_schedule_request(ScheduleId{5});
    empty_body.body = "";  // a GET with an empty body: no length, as Beast leaves it
    const std::vector<std::pair<std::string, internal::RequestSpec>> specs = {
        {"set", internal::set_load_test_schedule_request(LoadTestId{7}, once)},
        {"get load test schedule", internal::get_load_test_schedule_request(LoadTestId{7})},
        {"list", internal::list_schedules_request({1000, 2000, true})},
        {"next link", next_link},
        {"get", internal::get_schedule_request(ScheduleId{5})},
        {"delete", internal::delete_schedule_request(ScheduleId{5})},
        {"activate (POST without a body)", internal::activate_schedule_request(ScheduleId{5})},
        {"deactivate", internal::deactivate_schedule_request(ScheduleId{5})},
        {"GET with an empty body", empty_body},
        {"authenticate (X-Stack-Url instead of X-Stack-Id)",
         internal::authenticate_request("https://mystack.grafana.net")},
    };
    for (const char* url : {"https://api.k6.io", "http://127.0.0.1:8080/api", "https://[::1]:8443/base/"}) {
        for (const auto& [name, spec] : specs) {
            CAPTURE(url);
            CAPTURE(name);
            const auto message = k6::test::build_http_request(endpoint(url), "Bearer tok", "4242", spec);
            const std::string written = internal::request_bytes(endpoint(url), "Bearer tok", "4242", spec);
            CHECK(written == beast_bytes(message));
        }
    }
    // The POST without a body says so (a proxy or server may otherwise wait for one).
    const std::string activate = internal::request_bytes(endpoint("https://api.k6.io"), "Bearer tok", "1",
                                                         internal::activate_schedule_request(ScheduleId{5}));
    CHECK(activate.ends_with("Content-Length: 0\r\n\r\n"));
    CHECK(activate.find("Content-Type") == std::string::npos);
    // The auth call names the stack by URL only: the id is what it finds out.
    const std::string auth = internal::request_bytes(endpoint("https://api.k6.io"), "Bearer tok", "",
                                                     internal::authenticate_request("https://mystack.grafana.net"));
    CHECK(auth.starts_with("GET /cloud/v6/auth HTTP/1.1\r\n"));
    CHECK(auth.find("\r\nX-Stack-Url: https://mystack.grafana.net\r\n") != std::string::npos);
    CHECK(auth.find("X-Stack-Id") == std::string::npos);
    CHECK(auth.find("Content-Length") == std::string::npos);
}

TEST_CASE("an observer's headers go at the end of the header section, the body untouched") {
    const CreateScheduleRequest once{parse_rfc3339("2028-08-01T12:00:00Z").value(), std::nullopt, std::nullopt};
    const auto spec = internal::set_load_test_schedule_request(LoadTestId{7}, once);
    const std::string plain = internal::request_bytes(endpoint("https://api.k6.io"), "Bearer tok", "1", spec);
    const auto with = internal::with_headers(plain, {{"traceparent", "00-abc-def-01"}, {"Baggage", "a=1, b=2"}});
    REQUIRE(with.has_value());
    const std::size_t blank = plain.find("\r\n\r\n");
    CHECK(*with == plain.substr(0, blank + 2) + "traceparent: 00-abc-def-01\r\nBaggage: a=1, b=2\r\n" +
                       plain.substr(blank + 2));
    CHECK(with->ends_with("\r\n\r\n" + *spec.body));
    CHECK(internal::with_headers(plain, {}).value() == plain);
    CHECK(internal::with_headers(plain, {{"Host", "elsewhere"}}).error().kind == ErrorKind::invalid_argument);
    CHECK(internal::with_headers(plain, {{"X-Stack-Id", "2"}}).error().kind == ErrorKind::invalid_argument);
    CHECK(internal::with_headers(plain, {{"", "x"}}).error().kind == ErrorKind::invalid_argument);
    CHECK(internal::with_headers(plain, {{"X-A", std::string("a\0b", 3)}}).error().kind ==
          ErrorKind::invalid_argument);
    CHECK(internal::with_headers(plain, {{"X-Tab", "a\tb"}}).has_value());
}

TEST_CASE("an observer cannot add X-Stack-Url, which the auth call sets itself") {
    const std::string plain = internal::request_bytes(endpoint("https://api.k6.io"), "Bearer tok", "1",
                                                      internal::get_schedule_request(ScheduleId{5}));
    for (const char* name : {"X-Stack-Url", "x-stack-url"}) {
        CAPTURE(name);
        auto with = internal::with_headers(plain, {{name, "https://elsewhere.grafana.net"}});
        REQUIRE_FALSE(with.has_value());
        CHECK(with.error().target == "observer");
    }
}

TEST_CASE("error answers carry the server's ErrorApiModel") {
    auto res = response(400, R"({"error": {"code": "validation_error", "message": "Invalid schedule.",
        "target": "recurrence_rule.interval",
        "details": [{"code": "min_value", "message": "Ensure this value is greater than or equal to 1.", "target": "interval"}]}})");
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.kind == ErrorKind::api);
    CHECK(e.ec == errc::bad_request);
    CHECK(e.status == 400);
    CHECK(e.code == "validation_error");
    CHECK(e.message == "Invalid schedule.");
    CHECK(e.target == "recurrence_rule.interval");
    REQUIRE(e.details.size() == 1);
    CHECK(e.details[0].code == "min_value");
    CHECK(e.details[0].target == "interval");
    CHECK(e.to_string() == "HTTP 400 validation_error: Invalid schedule. (target: recurrence_rule.interval)");
    CHECK_FALSE(e.retry_after.has_value());
}

TEST_CASE("a non-JSON or unrecognised error body still gives a useful message") {
    ApiError html =
        internal::error_from_response(response(502, "<html><body>Bad gateway</body></html>"), "tok-12345");
    CHECK(html.ec == errc::bad_gateway);
    CHECK(html.code.empty());
    CHECK(html.message == R"(Bad Gateway (non-JSON body: "<html><body>Bad gateway</body></html>"))");
    CHECK(html.to_string() == R"(HTTP 502: Bad Gateway (non-JSON body: "<html><body>Bad gateway</body></html>"))");

    ApiError other = internal::error_from_response(response(500, R"({"detail": "boom"})"), "tok-12345");
    CHECK(other.message == R"(Internal Server Error (unrecognised error body: "{\"detail\": \"boom\"}"))");

    ApiError empty = internal::error_from_response(response(404, ""), "tok-12345");
    CHECK(empty.message == "Not Found");
    CHECK(empty.ec == errc::not_found);

    ApiError huge =
        internal::error_from_response(response(503, std::string(100000, '\x01')), "tok-12345");
    CHECK(huge.message.size() < 300);
    CHECK(huge.message.find('\x01') == std::string::npos);
}

TEST_CASE("a token echoed by the server is redacted from the error") {
    auto res = response(
        401,
        R"({"error": {"code": "unauthenticated", "message": "Token tok-12345 is invalid.", "target": "tok-12345"}})");
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.message == "Token [redacted] is invalid.");
    CHECK(e.target == "[redacted]");
    CHECK(e.to_string().find("tok-12345") == std::string::npos);
}

TEST_CASE("a token straddling the 200-byte cut of a non-JSON excerpt is masked, not half shown") {
    const std::string token = "tok-1234567890abcdef";
    // The whole token, echoed across the cut: masked before cutting.
    ApiError whole = internal::error_from_response(
        response(502, std::string(190, 'x') + token + std::string(100, 'y')), token);
    CHECK(whole.message.find("tok-") == std::string::npos);
    CHECK(whole.message.find("...") != std::string::npos);
    // Only its start, cut off by the 200-byte bound (the rest of the body goes elsewhere).
    ApiError start = internal::error_from_response(
        response(502, std::string(190, 'x') + token.substr(0, 12) + "ZZZ" + std::string(100, 'y')),
        token);
    CHECK(start.message == "Bad Gateway (non-JSON body: \"" + std::string(190, 'x') + "[redacted]...\")");
    // Its start cut off by the server itself, or by the end of the body.
    ApiError shortened = internal::error_from_response(
        response(401, "Bad token " + token.substr(0, 9) + "... or " + token.substr(0, 6)), token);
    CHECK(shortened.message == R"(Unauthorized (non-JSON body: "Bad token [redacted]... or [redacted]"))");
}

TEST_CASE("a token holding quote and backslash is redacted from a non-JSON body, a JSON body and a JSON message") {
    const std::string token = R"(ab"cd\ef-123)";
    ApiError text = internal::error_from_response(response(401, "Denied for " + token + "."), token);
    CHECK(text.message == R"(Unauthorized (non-JSON body: "Denied for [redacted]."))");
    // A JSON body that is not an error model shows the token as JSON spells it.
    ApiError unrecognised =
        internal::error_from_response(response(401, R"({"detail": "Denied for ab\"cd\\ef-123."})"), token);
    CHECK(unrecognised.message ==
          R"(Unauthorized (unrecognised error body: "{\"detail\": \"Denied for [redacted].\"}"))");
    ApiError model = internal::error_from_response(
        response(401, R"({"error": {"code": "unauthenticated", "message": "Token ab\"cd\\ef-123 is invalid."}})"),
        token);
    CHECK(model.message == "Token [redacted] is invalid.");
    for (const ApiError* e : {&text, &unrecognised, &model}) {
        CHECK(e->to_string().find("cd\\ef") == std::string::npos);
        CHECK(e->to_string().find("cd\\\\ef") == std::string::npos);
    }
}

TEST_CASE("control, C1 and bidi characters from the server are escaped in every field and the reason phrase") {
    auto res =
        response(400, R"({"error": {"code": "bad\u001b[2J", "message": "Zeitplan ung\u00fcltig\u0007\r\nnext\u009b31m",
        "target": "x\u202ey\u2066z",
        "details": [{"code": "c\u0000", "message": "m\u001b]0;title\u0007", "target": "t\u0085\u2028"}]}})");
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.code == R"(bad\x1b[2J)");
    CHECK(e.message == "Zeitplan ung\u00fcltig\\x07\\r\\nnext\\u009b31m");  // valid printable UTF-8 stays
    CHECK(e.target == R"(x\u202ey\u2066z)");
    REQUIRE(e.details.size() == 1);
    CHECK(e.details[0].code == R"(c\x00)");
    CHECK(e.details[0].message == R"(m\x1b]0;title\x07)");
    CHECK(e.details[0].target == R"(t\u0085\u2028)");

    // A reason phrase (and a non-JSON body) with ESC, BEL, CR and an 8-bit CSI that is not UTF-8.
    auto html = response(502,
                         "<h1>\x9b"
                         "2J\x1b[1mdown\xe2\x80\xae</h1>");
    html.reason = "Bad\x1b]0;pwned\x07 Gateway\r\x9b";
    ApiError g = internal::error_from_response(html, "tok-12345");
    CHECK(g.message == R"(Bad\x1b]0;pwned\x07 Gateway\r\x9b (non-JSON body: "<h1>\x9b2J\x1b[1mdown\u202e</h1>"))");
}

TEST_CASE("a 4 MB error message is bounded to 1 KiB, and the cut is marked") {
    auto res = response(500, R"({"error": {"code": "boom", "message": ")" + std::string(4 << 20, 'x') +
                                 R"(", "target": ")" + std::string(5000, 'z') + "\"}}");
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.message == std::string(1024, 'x') + "...");
    CHECK(e.target == std::string(1024, 'z') + "...");

    // Cut between characters, never inside one.
    std::string umlauts;
    for (int i = 0; i < 2000; ++i) umlauts += "\u00fc";
    ApiError u = internal::error_from_response(
        response(500, R"({"error": {"code": "boom", "message": ")" + umlauts + R"("}})"), "tok-12345");
    CHECK(u.message == umlauts.substr(0, 1024) + "...");

    auto long_reason = response(503, "");
    long_reason.reason = std::string(10000, 'r');
    CHECK(internal::error_from_response(long_reason, "tok-12345").message == std::string(256, 'r') + "...");
}

TEST_CASE("more than 32 error details are bounded, and the rest counted") {
    std::string details;
    for (int i = 0; i < 40; ++i) {
        // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wstringop-overflow) on `"," + std::string&&`.
        if (i) details += ',';
        details.append(R"({"code": "c)").append(std::to_string(i)).append(R"(", "message": "m"})");
    }
    ApiError e = internal::error_from_response(
        response(400, R"({"error": {"code": "x", "message": "y", "details": [)" + details + "]}}"), "tok-12345");
    REQUIRE(e.details.size() == 33);
    CHECK(e.details[31].code == "c31");
    CHECK(e.details[32] == ErrorDetails{"", "8 more details not shown", std::nullopt});

    std::string exactly;
    for (int i = 0; i < 32; ++i) exactly += (i ? "," : "") + std::string(R"({"code": "c", "message": "m"})");
    CHECK(internal::error_from_response(
              response(400, R"({"error": {"code": "x", "message": "y", "details": [)" + exactly + "]}}"), "tok-12345")
              .details.size() == 32);
}

TEST_CASE("Retry-After: delta-seconds and HTTP-date, junk ignored") {
    const auto now = sys_days{2024y / 7 / 16} + hours{8};
    CHECK(internal::parse_retry_after("120", now) == seconds{120});
    CHECK(internal::parse_retry_after(" 0 ", now) == seconds{0});
    CHECK(internal::parse_retry_after("99999999999999999999", now) == hours{24});
    CHECK(internal::parse_retry_after("Tue, 16 Jul 2024 08:00:30 GMT", now) == seconds{30});
    CHECK(internal::parse_retry_after("Tue, 16 Jul 2024 07:00:00 GMT", now) == seconds{0});
    // Far dates (the system clock counts nanoseconds, and overflows after 2262 and before 1677).
    CHECK(internal::parse_retry_after("Fri, 01 Jan 2300 00:00:00 GMT", now) == hours{24});
    CHECK(internal::parse_retry_after("Thu, 31 Dec 9999 23:59:60 GMT", now) == hours{24});
    CHECK(internal::parse_retry_after("Mon, 01 Jan 1600 00:00:00 GMT", now) == seconds{0});
    for (const char* junk : {"", "soon", "-5", "1.5", "12s", "Tue, 16 Jul 2024 08:00:30 UTC",
                             "Tue, 32 Jul 2024 08:00:30 GMT", "Tue, 16 Foo 2024 08:00:30 GMT"}) {
        CAPTURE(junk);
        CHECK_FALSE(internal::parse_retry_after(junk, now).has_value());
    }
    auto res = response(429, R"({"error": {"code": "throttled", "message": "Slow down."}})");
    res.retry_after = "7";
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.ec == errc::too_many_requests);
    CHECK(e.retry_after == seconds{7});
    CHECK(e.retryable());
}

namespace {

// Feeds `bytes` to a ResponseReader in pieces of `piece` bytes, as they might arrive.
boost::system::error_code read_response(internal::ResponseReader& reader, std::string_view bytes, std::size_t piece) {
    boost::system::error_code ec;
    reader.eager(true);
    while (!bytes.empty() && !reader.is_done()) {
        const std::string_view chunk = bytes.substr(0, piece);
        const std::size_t used = reader.put(boost::asio::buffer(chunk.data(), chunk.size()), ec);
        if (ec == http::error::need_more) {
            if (piece >= bytes.size()) return ec;
            piece *= 2;  // a header split across pieces needs the next piece with it
            ec = {};
            continue;
        }
        if (ec) return ec;
        bytes.remove_prefix(used);
    }
    return ec;
}

}  // namespace

TEST_CASE("the response reader keeps the status line, the first Retry-After and the body, chunked or not") {
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
        CAPTURE(piece);
        internal::ResponseReader sized;
        sized.body_limit(1024);
        REQUIRE_FALSE(read_response(sized,
                                    "HTTP/1.1 503 Slow Down\r\nServer: nginx\r\nRetry-After: 7\r\n"
                                    "retry-after: 99\r\nContent-Length: 12\r\n\r\n{\"error\": 1}",
                                    piece));
        CHECK(sized.is_done());
        CHECK(sized.keep_alive());
        internal::HttpResponse res = sized.release();
        CHECK(res.status == 503);
        CHECK(res.reason == "Slow Down");
        CHECK(res.retry_after == "7");
        CHECK(res.body == R"({"error": 1})");

        internal::ResponseReader chunked;
        REQUIRE_FALSE(read_response(chunked,
                                    "HTTP/1.1 200 \r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                    "5\r\n{\"a\":\r\n3;x=y\r\n 1}\r\n0\r\n\r\n",
                                    piece));
        CHECK(chunked.is_done());
        CHECK_FALSE(chunked.keep_alive());
        CHECK(chunked.get().status == 200);
        CHECK(chunked.get().reason.empty());
        CHECK(chunked.get().retry_after == std::nullopt);
        CHECK(chunked.get().body == R"({"a": 1})");
    }
    // Beast's limits still apply: a declared length over the body limit, a chunked body that grows past it.
    internal::ResponseReader declared;
    declared.body_limit(4);
    CHECK(read_response(declared, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 4096) ==
          http::error::body_limit);
    internal::ResponseReader grown;
    grown.body_limit(4);
    const std::string_view six_bytes =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    CHECK(read_response(grown, six_bytes, 4096) == http::error::body_limit);
}

TEST_CASE("a declared Content-Length reserves at most body_reserve_max before the bytes arrive") {
    // 32 MiB announced, a few bytes sent: a server that trickles holds the client to what it sent.
    internal::ResponseReader success;
    success.body_limit(64u << 20);
    read_response(success, "HTTP/1.1 200 OK\r\nContent-Length: 33554432\r\n\r\n{\"value\": [", 4096);
    REQUIRE(success.is_header_done());
    CHECK_FALSE(success.is_done());
    CHECK(success.get().body == "{\"value\": [");
    CHECK(success.get().body.capacity() <= internal::body_reserve_max);
    // An error answer's reserve is bounded by what of it is kept.
    internal::ResponseReader error;
    error.body_limit(64u << 20);
    read_response(error, "HTTP/1.1 503 Busy\r\nContent-Length: 33554432\r\n\r\n{", 4096);
    REQUIRE(error.is_header_done());  // not body_limit: an error answer's declared length is not refused
    CHECK_FALSE(error.is_done());
    CHECK(error.get().body.capacity() <= internal::error_body_keep_bytes);
}

TEST_CASE("an error answer's body is cut at error_body_keep_bytes whatever the body limit, and a 2xx one is not") {
    const std::string big(internal::error_body_keep_bytes + 5000, 'x');
    for (const bool chunked : {false, true}) {
        CAPTURE(chunked);
        std::ostringstream chunk_size;
        chunk_size << std::hex << big.size();
        const std::string framing =
            chunked ? "Transfer-Encoding: chunked\r\n\r\n" + chunk_size.str() + "\r\n" + big + "\r\n0\r\n\r\n"
                    : "Content-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big;
        // A body limit far below the body: for an error answer, it does not apply.
        internal::ResponseReader reader;
        reader.body_limit(1024);
        CHECK(read_response(reader, "HTTP/1.1 500 Internal Server Error\r\n" + framing, 4096) ==
              http::error::body_limit);
        CHECK(reader.get().body_cut);
        CHECK(reader.get().status == 500);
        CHECK(reader.get().body == big.substr(0, internal::error_body_keep_bytes));

        internal::ResponseReader success;
        success.body_limit(1 << 20);
        REQUIRE_FALSE(read_response(success, "HTTP/1.1 200 OK\r\n" + framing, 4096));
        CHECK_FALSE(success.get().body_cut);
        CHECK(success.get().body == big);
    }
    // Exactly error_body_keep_bytes is whole, not cut.
    const std::string exact(internal::error_body_keep_bytes, 'y');
    internal::ResponseReader whole;
    REQUIRE_FALSE(read_response(
        whole, "HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(exact.size()) + "\r\n\r\n" + exact, 4096));
    CHECK_FALSE(whole.get().body_cut);
    CHECK(whole.get().body == exact);
}

TEST_CASE("an error body cut after its code and message keeps them, and says more details may be cut off") {
    std::string body = R"({"error": {"code": "too_many", "message": "Too many problems.", "details": [)";
    for (int i = 0; body.size() < internal::error_body_keep_bytes; ++i)
        body.append(i ? "," : "").append(R"({"code": "bad", "message": "problem )").append(std::to_string(i)).append(
            R"("})");
    body.resize(internal::error_body_keep_bytes);
    auto res = response(500, body);
    res.body_cut = true;
    ApiError e = internal::error_from_response(res, "tok-12345");
    CHECK(e.code == "too_many");
    CHECK(e.message == "Too many problems.");
    REQUIRE(e.details.size() == 33);
    CHECK(e.details[0] == ErrorDetails{"bad", "problem 0", std::nullopt});
    CHECK(e.details[31] == ErrorDetails{"bad", "problem 31", std::nullopt});
    CHECK(e.details[32].code.empty());
    CHECK(e.details[32].message.ends_with("more details and any after them not shown: the answer was cut at 64 KiB"));

    // Fewer than 33 details before the cut: the summary still says the answer was cut.
    auto few = response(503, R"({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": "e"}, )");
    few.body_cut = true;
    ApiError f = internal::error_from_response(few, "tok-12345");
    REQUIRE(f.details.size() == 2);
    CHECK(f.details[1] == ErrorDetails{"", "more details may not be shown: the answer was cut at 64 KiB", std::nullopt});

    // Cut before the message was whole: the status line and an excerpt, as for any other body.
    auto early = response(502, R"({"error": {"code": "c", "message": "it was cut)");
    early.body_cut = true;
    CHECK(internal::error_from_response(early, "tok-12345").message ==
          R"(Bad Gateway (unrecognised error body: "{\"error\": {\"code\": \"c\", \"message\": \"it was cut"))");
}

TEST_CASE("a 2xx body is decoded, or named as malformed") {
    auto ok = internal::decode_success<SchedulePage>(response(200, R"({"value": []})"));
    CHECK(ok.has_value());
    auto bad = internal::decode_success<Schedule>(response(200, R"({"id": "x"})"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind == ErrorKind::malformed_response);
    CHECK(bad.error().status == 200);
    CHECK(bad.error().target == "id");
    CHECK(bad.error().message.starts_with("unexpected response body: "));
}

TEST_CASE("@nextLink: same origin only, the path normalised, the query exactly as written") {
    const auto api = endpoint("https://api.k6.io");
    auto same = internal::next_link_request(api, "https://api.k6.io/cloud/v6/schedules?$skip=50&$top=20");
    REQUIRE(same.has_value());
    CHECK(same->target == "/cloud/v6/schedules?$skip=50&$top=20");
    CHECK(same->target_is_absolute);
    CHECK(same->request_target(endpoint("https://api.k6.io/prefix")) == "/cloud/v6/schedules?$skip=50&$top=20");
    // Default port written out, upper-case scheme and host: still the same origin.
    CHECK(internal::next_link_request(api, "HTTPS://API.K6.IO:443/cloud/v6/schedules?$skip=1").has_value());
    // Percent-encoding in the query is kept as the server wrote it.
    CHECK(internal::next_link_request(api, "https://api.k6.io/cloud/v6/schedules?%24skip=400&%24top=100")->target ==
          "/cloud/v6/schedules?%24skip=400&%24top=100");
    // The path is sent as it was checked: dot segments removed, unreserved characters decoded,
    // other triplets upper-cased; the fragment is never sent.
    CHECK(internal::next_link_request(api, "https://api.k6.io/cloud/./v6/x/../schedules?$skip=1#top")->target ==
          "/cloud/v6/schedules?$skip=1");
    CHECK(internal::next_link_request(api, "/cloud/v6/%73chedules/a%2fb/%7e?q=%2e%2e")->target ==
          "/cloud/v6/schedules/a%2Fb/~?q=%2e%2e");
    CHECK(internal::next_link_request(api, "/../cloud/v6/schedules")->target == "/cloud/v6/schedules");
    CHECK(internal::next_link_request(api, "https://api.k6.io")->target == "/");
    // Without a page, a relative link resolves against the API URL (a link the caller resumes from).
    auto relative = internal::next_link_request(endpoint("http://127.0.0.1:8080/base"), "schedules?$skip=5");
    REQUIRE(relative.has_value());
    CHECK(relative->target == "/base/schedules?$skip=5");
    CHECK(internal::next_link_request(endpoint("http://127.0.0.1:8080"), "/cloud/v6/schedules?$skip=5")->target ==
          "/cloud/v6/schedules?$skip=5");

    for (const char* foreign : {"https://evil.example/cloud/v6/schedules", "http://api.k6.io/cloud/v6/schedules",
                                "https://api.k6.io:8443/cloud/v6/schedules", "https://user:pw@api.k6.io/cloud/v6",
                                "ftp://api.k6.io/x", "//evil.example/cloud/v6/schedules", "//user:pw@evil.example/x",
                                "//user:pw@api.k6.io/x", "https:cloud/v6/schedules", "https://", "http://[::1", ""}) {
        CAPTURE(std::string(foreign));
        auto refused = internal::next_link_request(api, foreign);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().ec == errc::bad_next_link);
        CHECK(refused.error().kind == ErrorKind::malformed_response);
        CHECK(refused.error().target == "@nextLink");
        CHECK(refused.error().message.find("pw") == std::string::npos);
    }
    // A network-path reference to the API host inherits the API's scheme.
    CHECK(internal::next_link_request(api, "//api.k6.io/cloud/v6/schedules?$skip=5")->target ==
          "/cloud/v6/schedules?$skip=5");
}

TEST_CASE("@nextLink: the API URL's path is pinned too, after dot segments and percent-encoding") {
    const auto api = endpoint("https://gw/k6");
    const char* page = "/k6/cloud/v6/schedules?$top=5";
    struct Accepted {
        const char* link;
        const char* target;
    };
    for (const Accepted& row : {
             Accepted{"https://gw/k6/cloud/v6/schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Accepted{"https://gw/k6", "/k6"},
             Accepted{"https://gw/k6/", "/k6/"},
             Accepted{"/k6/a/../cloud/v6/schedules", "/k6/cloud/v6/schedules"},
             Accepted{"/k6/elsewhere/%2e%2e/cloud", "/k6/cloud"},
             Accepted{"/%6b6/cloud", "/k6/cloud"},
             Accepted{"/../k6/cloud", "/k6/cloud"},
             Accepted{"../v6/schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
         }) {
        CAPTURE(std::string(row.link));
        auto spec = internal::next_link_request(api, row.link, page);
        REQUIRE_MESSAGE(spec.has_value(), spec.error().message);
        CHECK(spec->target == row.target);
    }
    for (const char* away :
         {"https://gw/elsewhere/cloud/v6/schedules", "https://gw/k6/../elsewhere", "https://gw/k6/%2e%2e/elsewhere",
          "/k6/%2E%2E/elsewhere", "/k6/.%2e/elsewhere", "/k6/%2e./elsewhere", "/k6/cloud/../../elsewhere",
          "https://gw/k6evil/cloud", "/k6evil", "/K6/cloud", "/k6%2F..%2Felsewhere", "/", "https://gw", "/k6/..",
          "../../../elsewhere", "../../../../../k6evil", "//gw/elsewhere"}) {
        CAPTURE(std::string(away));
        auto refused = internal::next_link_request(api, away, page);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().ec == errc::bad_next_link);
        CHECK(refused.error().kind == ErrorKind::malformed_response);
        CHECK(refused.error().message.find("outside the API URL's path \"/k6\"") != std::string::npos);
    }
    // The API URL's own path is compared in the same normal form.
    CHECK(internal::next_link_request(endpoint("https://gw/a/../%6B6/"), "/k6/cloud")->target == "/k6/cloud");
    CHECK_FALSE(internal::next_link_request(endpoint("https://gw/a/../%6B6/"), "/a/k6/cloud").has_value());
    // A link the caller resumes from is the caller's mistake.
    CHECK(internal::next_link_request(api, "/elsewhere", std::nullopt, ErrorKind::invalid_argument).error().kind ==
          ErrorKind::invalid_argument);
}

TEST_CASE("@nextLink: a URL whose authority runs into its path is refused, never sent as a request target") {
    // Boost.URL 1.81 reads "host:443'x/y" as port 443 and the path "'x/y" (found by fuzz_next_link);
    // such a path would make a request line that is not origin-form.
    const auto api = internal::parse_endpoint("https://api.k6.io").value();
    for (const char* link : {"HTTPS://API.K6.IO:443'cloudclo/3/cloud#x", "https://api.k6.io:443'x"}) {
        CAPTURE(std::string(link));
        auto refused = internal::next_link_request(api, link);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().ec == errc::bad_next_link);
    }
    CHECK_FALSE(internal::parse_endpoint("https://api.k6.io:443'x/y").has_value());
    CHECK_FALSE(internal::parse_proxy("http://proxy:3128'x").has_value());
}

TEST_CASE("@nextLink: a relative link resolves against the page that carried it") {
    const auto api = endpoint("https://gw/k6");
    const char* page = "/k6/cloud/v6/schedules?$top=5";
    struct Row {
        const char* link;
        const char* target;
    };
    for (const Row& row : {
             Row{"?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Row{"schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Row{"./schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Row{"../v6/schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Row{"/k6/cloud/v6/schedules?$skip=5", "/k6/cloud/v6/schedules?$skip=5"},
             Row{"#more", "/k6/cloud/v6/schedules?$top=5"},  // the page itself: the cursor refuses it as a repeat
         }) {
        CAPTURE(std::string(row.link));
        auto spec = internal::next_link_request(api, row.link, page);
        REQUIRE_MESSAGE(spec.has_value(), spec.error().message);
        CHECK(spec->target == row.target);
    }
    // Pager::next_link() gives such a link as an absolute URL, so that resume_listing() (which
    // resolves against the API URL) continues at the same page.
    CHECK(internal::absolute_link(api, "?$skip=5", page) == "https://gw/k6/cloud/v6/schedules?$skip=5");
    CHECK(internal::absolute_link(api, "schedules?$skip=5", page) == "https://gw/k6/cloud/v6/schedules?$skip=5");
    CHECK(internal::absolute_link(api, "//gw/k6/x", page) == "https://gw/k6/x");
    CHECK(internal::absolute_link(api, "HTTPS://GW/k6/x?a", page) == "HTTPS://GW/k6/x?a");  // absolute: as written
    CHECK(internal::absolute_link(api, "schedules", std::nullopt) == "https://gw/k6/schedules");
}

namespace {

SchedulePage link_page(std::optional<std::string> next_link, std::size_t items = 1) {
    SchedulePage page;
    page.items.resize(items);
    page.next_link = std::move(next_link);
    return page;
}

// Requests the next page and answers it with `page`; the target that was requested.
std::string fetch(internal::PageCursor& cursor, const internal::Endpoint& api, const SchedulePage& page) {
    auto request = cursor.next_request(api);
    REQUIRE((request && *request));
    cursor.on_page(page);
    return (*request)->target;
}

}  // namespace

TEST_CASE("PageCursor: the query first, then each link once, and nothing after the last page") {
    const auto api = endpoint("https://api.k6.io");
    auto cursor = internal::PageCursor::from_query({20, {}, true}, 100);
    CHECK_FALSE(cursor.next_link(api).has_value());
    auto first = cursor.next_request(api);
    REQUIRE((first && *first));
    CHECK((*first)->target == "/cloud/v6/schedules?$top=20&$count=true");
    SchedulePage page;
    page.count = 45;
    page.next_link = "https://api.k6.io/cloud/v6/schedules?$skip=20&$top=20&$count=true";
    cursor.on_page(page);
    CHECK(cursor.total_count() == 45);
    CHECK(cursor.next_link(api) == page.next_link);
    auto second = cursor.next_request(api);
    REQUIRE((second && *second));
    CHECK((*second)->target == "/cloud/v6/schedules?$skip=20&$top=20&$count=true");
    cursor.on_page(page);  // the same link again
    auto repeated = cursor.next_request(api);
    REQUIRE((repeated && !*repeated));
    CHECK(repeated->error().ec == errc::bad_next_link);
    CHECK(cursor.finished());
    CHECK_FALSE(cursor.next_request(api).has_value());
    CHECK_FALSE(cursor.next_link(api).has_value());  // refused: nothing to resume from

    auto last = internal::PageCursor::from_link("https://api.k6.io/cloud/v6/schedules?$skip=40", 100);
    CHECK(last.next_link(api) == "https://api.k6.io/cloud/v6/schedules?$skip=40");
    REQUIRE(last.next_request(api)->has_value());
    last.on_page(SchedulePage{});
    CHECK(last.finished());
    CHECK_FALSE(last.next_link(api).has_value());
    CHECK_FALSE(last.next_request(api).has_value());

    auto bad_query = internal::PageCursor::from_query({0, {}, false}, 100);
    auto refused = bad_query.next_request(api);
    REQUIRE((refused && !*refused));
    CHECK(refused->error().target == "$top");
    CHECK(bad_query.finished());
}

TEST_CASE("PageCursor: an empty or null @nextLink ends the listing") {
    const auto api = endpoint("https://api.k6.io");
    for (std::optional<std::string> end : {std::optional<std::string>(""), std::optional<std::string>()}) {
        auto cursor = internal::PageCursor::from_query({}, 100);
        fetch(cursor, api, link_page(end, 3));
        CHECK(cursor.finished());
        CHECK_FALSE(cursor.next_request(api).has_value());
        CHECK_FALSE(cursor.next_link(api).has_value());
    }
}

TEST_CASE("PageCursor: a cycle of any length is caught, in memory that does not grow with the listing") {
    const auto api = endpoint("https://api.k6.io");
    const auto link = [](std::size_t n) { return "/cloud/v6/schedules?$skip=" + std::to_string(n); };
    // `lead` distinct pages, then pages 0..period-1 of a cycle, over and over.
    for (std::size_t lead : {0u, 1u, 2u, 5u, 17u, 100u}) {
        for (std::size_t period : {1u, 2u, 3u, 7u, 8u, 9u, 16u, 31u, 100u, 1000u}) {
            CAPTURE(lead);
            CAPTURE(period);
            auto cursor = internal::PageCursor::from_query({}, 100);
            std::size_t fetched = 0;
            const auto nth = [&](std::size_t i) { return i < lead ? link(1'000'000 + i) : link((i - lead) % period); };
            std::optional<expected<internal::RequestSpec>> request;
            std::set<std::string> distinct;
            for (std::size_t i = 0;; ++i) {
                request = cursor.next_request(api);
                REQUIRE(request.has_value());
                if (!*request) break;
                distinct.insert((*request)->target);
                cursor.on_page(link_page("https://api.k6.io" + nth(i)));
                ++fetched;
                REQUIRE(fetched <= 2 * std::max(lead + 2, period) + period);  // Brent's bound
            }
            CHECK(request->error().ec == errc::bad_next_link);
            CHECK(request->error().message.find("followed before") != std::string::npos);
            CHECK(distinct.size() == lead + std::min<std::size_t>(period, fetched - 1 - lead) + 1);
            if (period <= 8) CHECK(fetched == lead + period + 1);  // a short cycle: no page twice
        }
    }
    // A long listing without a repeat goes on (no false alarm), whatever its length.
    auto cursor = internal::PageCursor::from_query({}, 100);
    for (std::size_t i = 0; i < 100'000; ++i) fetch(cursor, api, link_page("https://api.k6.io" + link(i)));
    CHECK_FALSE(cursor.finished());
}

TEST_CASE("PageCursor: max_empty_pages empty pages in a row end the listing, and a page with items resets the count") {
    const auto api = endpoint("https://api.k6.io");
    std::size_t n = 0;
    const auto next = [&n] { return "https://api.k6.io/cloud/v6/schedules?$skip=" + std::to_string(++n); };
    auto cursor = internal::PageCursor::from_query({}, 3);
    fetch(cursor, api, link_page(next(), 0));
    fetch(cursor, api, link_page(next(), 0));
    fetch(cursor, api, link_page(next(), 1));  // progress
    for (int i = 0; i < 3; ++i) fetch(cursor, api, link_page(next(), 0));
    auto refused = cursor.next_request(api);
    REQUIRE((refused && !*refused));
    CHECK(refused->error().kind == ErrorKind::malformed_response);
    CHECK(refused->error().ec == errc::bad_next_link);
    CHECK(refused->error().target == "@nextLink");
    CHECK(refused->error().message.starts_with("3 empty pages in a row"));
    CHECK(cursor.finished());

    auto strict = internal::PageCursor::from_query({}, 0);
    fetch(strict, api, link_page(next(), 2));
    fetch(strict, api, link_page(next(), 0));
    auto at_once = strict.next_request(api);
    REQUIRE((at_once && !*at_once));
    CHECK(at_once->error().message.starts_with("1 empty page in a row"));

    auto last_empty = internal::PageCursor::from_query({}, 1);  // an empty last page is no reason to complain
    fetch(last_empty, api, link_page(std::nullopt, 0));
    CHECK_FALSE(last_empty.next_request(api).has_value());
}

TEST_CASE("PageCursor: a cancelled fetch is asked for again, and a failed one ends the listing and keeps its link") {
    const auto api = endpoint("https://gw/k6");
    auto cursor = internal::PageCursor::from_query({5, {}, false}, 100);
    ApiError cancelled;
    cancelled.kind = ErrorKind::cancelled;
    // The first page, cancelled: the query is asked again.
    auto first = cursor.next_request(api);
    cursor.on_failure(cancelled);
    CHECK_FALSE(cursor.finished());
    CHECK((*cursor.next_request(api))->target == (*first)->target);
    cursor.on_page(link_page("?$skip=5&$top=5"));
    CHECK(cursor.next_link(api) == "https://gw/k6/cloud/v6/schedules?$skip=5&$top=5");
    // The second page, cancelled twice: the same request each time, and no false repeat.
    for (int i = 0; i < 2; ++i) {
        auto again = cursor.next_request(api);
        REQUIRE((again && *again));
        CHECK((*again)->request_target(api) == "/k6/cloud/v6/schedules?$skip=5&$top=5");
        cursor.on_failure(cancelled);
        CHECK_FALSE(cursor.finished());
        CHECK(cursor.next_link(api) == "https://gw/k6/cloud/v6/schedules?$skip=5&$top=5");
    }
    fetch(cursor, api, link_page("schedules?$skip=10&$top=5"));
    // The third page fails: the listing is over, its link stays, resolved against its page.
    REQUIRE(cursor.next_request(api)->has_value());
    ApiError server_error;
    server_error.kind = ErrorKind::api;
    server_error.status = 500;
    cursor.on_failure(server_error);
    CHECK(cursor.finished());
    CHECK_FALSE(cursor.next_request(api).has_value());
    CHECK(cursor.next_link(api) == "https://gw/k6/cloud/v6/schedules?$skip=10&$top=5");
    // Resuming from it asks for that page.
    auto resumed = internal::PageCursor::from_link(*cursor.next_link(api), 100);
    CHECK((*resumed.next_request(api))->target == "/k6/cloud/v6/schedules?$skip=10&$top=5");
}

TEST_CASE("decide_retry: which errors are retried, for how long, and when it stops") {
    RetryPolicy policy;  // 3 retries, 200 ms doubling up to 10 s
    auto api = [](unsigned status, std::optional<seconds> retry_after = {}) {
        ApiError e;
        e.kind = ErrorKind::api;
        e.status = status;
        e.retry_after = retry_after;
        return e;
    };
    auto failure = [](ErrorKind kind) {
        ApiError e;
        e.kind = kind;
        return e;
    };
    auto internal_error_kind = [&] { return failure(ErrorKind::internal); };
    struct Row {
        ApiError error;
        unsigned retries_done;
        double jitter;
        std::optional<milliseconds> wait;
        const char* reason;
    };
    const Row table[] = {
        {api(503), 0, 1.0, milliseconds{200}, ""},
        {api(503), 1, 1.0, milliseconds{400}, ""},
        {api(503), 2, 0.5, milliseconds{400}, ""},  // 800 ms with half jitter
        {api(503), 3, 1.0, std::nullopt, "retries exhausted"},
        {api(500), 0, 0.0, milliseconds{0}, ""},  // full jitter may mean no wait at all
        {api(502), 0, 1.0, milliseconds{200}, ""},
        {api(504), 0, 1.0, milliseconds{200}, ""},
        {api(429), 0, 1.0, milliseconds{200}, ""},
        {api(429, seconds{3}), 0, 0.1, milliseconds{3000}, ""},    // Retry-After wins, no jitter
        {api(429, seconds{10}), 0, 1.0, milliseconds{10000}, ""},  // as long as max_delay allows
        {api(429, seconds{60}), 0, 1.0, std::nullopt,              // longer: stop rather than send too early
         "the server asked to wait 60 s (Retry-After), longer than RetryPolicy::max_delay of 10000 ms"},
        {internal_error_kind(), 0, 1.0, std::nullopt, "the error is not retryable"},
        {api(503, seconds{0}), 2, 1.0, milliseconds{0}, ""},
        {api(400), 0, 1.0, std::nullopt, "the error is not retryable"},
        {api(401), 0, 1.0, std::nullopt, "the error is not retryable"},
        {api(404), 0, 1.0, std::nullopt, "the error is not retryable"},
        {api(409), 0, 1.0, std::nullopt, "the error is not retryable"},
        {failure(ErrorKind::transport), 0, 1.0, milliseconds{200}, ""},
        {failure(ErrorKind::timeout), 1, 1.0, milliseconds{400}, ""},
        {failure(ErrorKind::tls), 0, 1.0, std::nullopt, "the error is not retryable"},
        {failure(ErrorKind::malformed_response), 0, 1.0, std::nullopt, "the error is not retryable"},
        {failure(ErrorKind::cancelled), 0, 1.0, std::nullopt, "the error is not retryable"},
        {failure(ErrorKind::invalid_argument), 0, 1.0, std::nullopt, "the error is not retryable"},
    };
    for (const Row& row : table) {
        CAPTURE(row.error.status);
        CAPTURE(to_string(row.error.kind));
        CAPTURE(row.retries_done);
        const auto decision = internal::decide_retry(row.error, row.retries_done, policy, row.jitter);
        CHECK(decision.wait == row.wait);
        CHECK(std::string(decision.reason) == row.reason);
    }
    // The backoff stops growing at max_delay.
    RetryPolicy many;
    many.max_retries = 50;
    CHECK(internal::decide_retry(api(503), 40, many, 1.0).wait == milliseconds{10000});
    many.max_retries = 0;
    CHECK_FALSE(internal::decide_retry(api(503), 0, many, 1.0).wait.has_value());
}
