// SPDX-License-Identifier: BSL-1.0
// The emulator (examples/emulator): each rule of the Schedules API it implements, its data file,
// and its fault injection, over real HTTP(S) on 127.0.0.1.
#include <k6/schedules.hpp>

#include "support/raw_http.hpp"
#include "support/test_server.hpp"

#include <k6/schedules/testing.hpp>
#include <k6/schedules/testing/detail/emulator.hpp>

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::schedules::testing::detail;
namespace loopback = k6::loopback;
namespace http = boost::beast::http;
using k6::test::raw_request;
using k6::test::run;

namespace {

constexpr const char* token = "emulator-test-token";
constexpr std::int64_t stack = 77;

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

emu::EmulatorOptions defaults() {
    emu::EmulatorOptions options;
    options.token = token;
    options.stack_id = stack;
    options.load_tests = *emu::parse_id_list("1-20");
    options.tls = false;
    options.now = [] { return at("2025-01-15T12:00:00Z"); };
    return options;
}

// The emulator as FakeApi serves it (k6::schedules_testing), over plain HTTP: every test of a rule
// of the API runs against the library that users' tests use. Tests of what only the emulator
// program has (its data file, --generate, fault flags) use Running below.
testing::FakeApiOptions fake_defaults() {
    testing::FakeApiOptions options;
    options.tls = false;
    options.token = token;
    options.stack_id = stack;
    options.stack_url = "https://emulator.grafana.net";
    options.load_tests = 20;
    options.now = at("2025-01-15T12:00:00Z");
    return options;
}

struct Fake {
    explicit Fake(testing::FakeApiOptions options = fake_defaults()) : api(std::move(options)) {}
    ClientOptions client_options() const {
        ClientOptions o = api.client_options();
        o.request_validator = nullptr;  // let the emulator judge every request
        o.retry.max_retries = 0;        // and see every answer it gives
        return o;
    }
    std::uint16_t port() const {
        return static_cast<std::uint16_t>(std::stoi(api.url().substr(api.url().rfind(':') + 1)));
    }
    k6::test::RawResponse raw(http::verb method, const std::string& target, const std::string& body = {},
                              std::vector<std::pair<std::string, std::string>> headers = authorized()) {
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return raw_request(port(), method, target, headers, body);
    }
    static std::vector<std::pair<std::string, std::string>> authorized() {
        return {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Id", std::to_string(stack)}};
    }
    testing::FakeApi api;
};

// An emulator behind a plain-HTTP server, as `k6-schedules-emulator --http` runs it.
struct Running {
    explicit Running(emu::EmulatorOptions options = defaults())
        : emulator(std::move(options)),
          server(plain(), [this](const loopback::Request& request) { return emulator.handle(request); }) {
        server.start();
    }
    static loopback::ServerOptions plain() {
        loopback::ServerOptions o;
        o.tls = false;
        return o;
    }
    ClientOptions client_options() const {
        ClientOptions o;
        o.api_url = server.url();
        o.token = token;
        o.stack_id = stack;
        o.request_validator = nullptr;  // let the emulator judge every request
        o.retry.max_retries = 0;        // and see every answer it gives
        return o;
    }
    k6::test::RawResponse raw(http::verb method, const std::string& target, const std::string& body = {},
                              std::vector<std::pair<std::string, std::string>> headers = authorized()) {
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return raw_request(server.port(), method, target, headers, body);
    }
    static std::vector<std::pair<std::string, std::string>> authorized() {
        return {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Id", std::to_string(stack)}};
    }
    emu::Emulator emulator;
    loopback::HttpServer server;
};

CreateScheduleRequest hourly(const char* starts = "2025-01-15T08:30:00Z") {
    return {at(starts), RecurrenceRule{Frequency::hourly, 2, {}, {}, {}}, {}};
}

void check_error_body(const k6::test::RawResponse& r, unsigned status, const char* code) {
    CHECK(r.status == status);
    const auto body = r.json();
    REQUIRE(body.is_object());
    CHECK(body.at("error").at("code") == code);
    CHECK(body.at("error").at("message").is_string());
}

}  // namespace

TEST_CASE("emulator: a missing or wrong bearer token is 401, a missing or foreign stack 400/403") {
    Fake e;
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules", {}, {{"X-Stack-Id", "77"}}), 401, "unauthenticated");
    check_error_body(
        e.raw(http::verb::get, "/cloud/v6/schedules", {}, {{"Authorization", "Bearer nope"}, {"X-Stack-Id", "77"}}),
        401, "unauthenticated");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules", {},
                           {{"Authorization", std::string("Basic ") + token}, {"X-Stack-Id", "77"}}),
                     401, "unauthenticated");
    auto no_stack =
        e.raw(http::verb::get, "/cloud/v6/schedules", {}, {{"Authorization", std::string("Bearer ") + token}});
    check_error_body(no_stack, 400, "validation_error");
    CHECK(no_stack.json().at("error").at("target") == "X-Stack-Id");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules", {},
                           {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Id", "seventy"}}),
                     400, "validation_error");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules", {},
                           {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Id", "78"}}),
                     403, "permission_denied");
    CHECK(e.raw(http::verb::get, "/cloud/v6/schedules").status == 200);
}

TEST_CASE("emulator: GET /cloud/v6/auth answers its stack id for its stack URL, 401 for a bad token, 403 for another URL") {
    testing::FakeApiOptions options = fake_defaults();
    options.stack_url = "https://emulated.grafana.net";
    options.default_project_id = 31;
    Fake e(options);
    const std::string bearer = std::string("Bearer ") + token;
    auto ok = e.raw(http::verb::get, "/cloud/v6/auth", {},
                    {{"Authorization", bearer}, {"X-Stack-Url", "https://emulated.grafana.net"}});
    REQUIRE(ok.status == 200);
    CHECK(ok.json() == boost::json::parse(R"({"stack_id": 77, "default_project_id": 31})"));
    // Scheme and host are case-insensitive, and a trailing slash names the same stack.
    CHECK(e.raw(http::verb::get, "/cloud/v6/auth", {},
                {{"Authorization", bearer}, {"X-Stack-Url", "HTTPS://Emulated.Grafana.net/"}})
              .status == 200);
    check_error_body(e.raw(http::verb::get, "/cloud/v6/auth", {},
                           {{"Authorization", "Bearer nope"}, {"X-Stack-Url", "https://emulated.grafana.net"}}),
                     401, "unauthenticated");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/auth", {},
                           {{"Authorization", bearer}, {"X-Stack-Url", "https://other.grafana.net"}}),
                     403, "permission_denied");
    auto no_url = e.raw(http::verb::get, "/cloud/v6/auth", {}, {{"Authorization", bearer}});
    check_error_body(no_url, 400, "validation_error");
    CHECK(no_url.json().at("error").at("target") == "X-Stack-Url");
    check_error_body(e.raw(http::verb::post, "/cloud/v6/auth", {},
                           {{"Authorization", bearer}, {"X-Stack-Url", "https://emulated.grafana.net"}}),
                     405, "method_not_allowed");

    // Through the client: async_authenticate, and a client that knows its stack only by URL.
    asio::io_context io;
    ClientOptions by_url = e.client_options();
    by_url.stack_id = 0;
    by_url.stack_url = "https://emulated.grafana.net";
    Client client(io, by_url);
    auto auth = run(io, client.async_authenticate("https://emulated.grafana.net"));
    REQUIRE_MESSAGE(auth.has_value(), auth.error().to_string());
    CHECK(*auth == AuthenticationResponse{stack, 31});
    auto created = run(io, client.async_set_load_test_schedule(LoadTestId{1}, hourly()));
    REQUIRE_MESSAGE(created.has_value(), created.error().to_string());
    auto forbidden = run(io, client.async_authenticate("https://other.grafana.net"));
    REQUIRE_FALSE(forbidden.has_value());
    CHECK(forbidden.error().ec == make_error_code(errc::forbidden));
}

TEST_CASE("emulator: GET /cloud/v6/auth knows https://emulator.grafana.net and answers default project 1 by default") {
    Fake e;
    auto ok = e.raw(http::verb::get, "/cloud/v6/auth", {},
                    {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Url", "https://emulator.grafana.net"}});
    REQUIRE(ok.status == 200);
    CHECK(ok.json() == boost::json::parse(R"({"stack_id": 77, "default_project_id": 1})"));
}

TEST_CASE("emulator: set, get, list, delete through the client, and set overwrites the load test's schedule") {
    Fake e;
    asio::io_context io;
    Client client(io, e.client_options());
    auto first = run(io, client.async_set_load_test_schedule(LoadTestId{3}, hourly()));
    REQUIRE_MESSAGE(first.has_value(), first.error().to_string());
    CHECK(first->load_test_id == LoadTestId{3});
    CHECK(first->recurrence_rule->interval == 2);
    CHECK(first->next_run == at("2025-01-15T12:30:00Z"));  // from the fixed clock
    CHECK_FALSE(first->deactivated);
    CHECK(first->created_by.has_value());

    CreateScheduleRequest cron{at("2025-01-01T00:00:00Z"), {}, ScheduleCron{"0 7 * * 1", "Europe/Berlin"}};
    auto second = run(io, client.async_set_load_test_schedule(LoadTestId{3}, cron));
    REQUIRE(second.has_value());
    CHECK(second->id != first->id);
    CHECK(second->next_run == at("2025-01-20T06:00:00Z"));
    CHECK(run(io, client.async_get_schedule(first->id)).error().status == 404);
    CHECK(run(io, client.async_get_load_test_schedule(LoadTestId{3}))->id == second->id);
    auto page = run(io, client.async_list_schedules());
    REQUIRE(page.has_value());
    CHECK(page->items.size() == 1);

    CHECK(run(io, client.async_delete_schedule(second->id)).has_value());
    CHECK(run(io, client.async_delete_schedule(second->id)).error().status == 404);
    CHECK(run(io, client.async_get_load_test_schedule(LoadTestId{3})).error().status == 404);
}

TEST_CASE("emulator: unknown ids are 404") {
    Fake e;
    asio::io_context io;
    Client client(io, e.client_options());
    CHECK(run(io, client.async_get_load_test_schedule(LoadTestId{999})).error().ec == errc::not_found);
    CHECK(run(io, client.async_set_load_test_schedule(LoadTestId{999}, hourly())).error().ec == errc::not_found);
    const ApiError errors[] = {
        run(io, client.async_get_schedule(ScheduleId{42})).error(),
        run(io, client.async_delete_schedule(ScheduleId{42})).error(),
        run(io, client.async_activate_schedule(ScheduleId{42})).error(),
        run(io, client.async_deactivate_schedule(ScheduleId{42})).error(),
    };
    for (const ApiError& error : errors) {
        CHECK(error.status == 404);
        CHECK(error.code == "not_found");
    }
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules/abc"), 404, "not_found");
}

TEST_CASE("emulator: validation errors are 400 naming the field") {
    Fake e;
    struct Case {
        const char* body;
        const char* target;  // nullptr: no target (the request as a whole)
    };
    const Case cases[] = {
        {R"({"starts": "2025-01-01T00:00:00Z", "cron": {"schedule": "0 0 * * *", "time_zone": "UTC"},
             "recurrence_rule": {"frequency": "DAILY"}})",
         nullptr},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": {"frequency": "DAILY", "byday": ["MO"]}})",
         "recurrence_rule.byday"},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": {"frequency": "DAILY", "interval": 0}})",
         "recurrence_rule.interval"},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": {"frequency": "DAILY", "count": 0}})",
         "recurrence_rule.count"},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": {"frequency": "MINUTELY"}})",
         "recurrence_rule.frequency"},
        {R"({"starts": "2025-01-01T00:00:00Z", "cron": {"schedule": "0 0 * * * *", "time_zone": "UTC"}})",
         "cron.schedule"},
        {R"({"starts": "2025-01-01T00:00:00Z", "cron": {"schedule": "@midnight", "time_zone": "UTC"}})",
         "cron.schedule"},
        {R"({"starts": "2025-01-01T00:00:00Z", "cron": {"schedule": "0 0 * * *", "time_zone": "Mars/Base"}})",
         "cron.time_zone"},
        {R"({"starts": "2025-01-01T00:00:00Z", "cron": {"schedule": "0 0 * * *"}})", "cron.time_zone"},
        {R"({"starts": "2025-01-01T00:00:00"})", "starts"},
        {R"({"recurrence_rule": null})", "starts"},
        {R"({"starts": 5})", "starts"},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": {"frequency": "DAILY", "interval": "2"}})",
         "recurrence_rule.interval"},
        {R"({"starts": "2025-01-01T00:00:00Z", "recurrence_rule": [1]})", "recurrence_rule"},
        {R"(not json)", nullptr},
        {R"([1, 2])", nullptr},
    };
    for (const Case& c : cases) {
        CAPTURE(std::string(c.body));
        auto r = e.raw(http::verb::post, "/cloud/v6/load_tests/1/schedule", c.body);
        check_error_body(r, 400, "validation_error");
        const auto body = r.json();
        const auto& error = body.at("error").as_object();
        if (c.target)
            CHECK(error.at("target") == c.target);
        else
            CHECK((!error.contains("target") || error.at("target").is_null()));
    }
    // $top beyond the API's maximum, and other bad query values.
    for (const char* query : {"?$top=1001", "?$top=0", "?$top=x", "?$skip=-1", "?$count=maybe"}) {
        CAPTURE(std::string(query));
        check_error_body(e.raw(http::verb::get, std::string("/cloud/v6/schedules") + query), 400, "validation_error");
    }
}

TEST_CASE("emulator: activate and deactivate, and what an expired schedule allows") {
    Fake e;
    asio::io_context io;
    Client client(io, e.client_options());
    auto live = run(io, client.async_set_load_test_schedule(LoadTestId{1}, hourly()));
    REQUIRE(live.has_value());
    CHECK(run(io, client.async_deactivate_schedule(live->id)).has_value());
    CHECK(run(io, client.async_get_schedule(live->id))->deactivated);
    CHECK(run(io, client.async_activate_schedule(live->id)).has_value());
    CHECK_FALSE(run(io, client.async_get_schedule(live->id))->deactivated);

    // A single run in the past: expired (next_run null).
    CreateScheduleRequest once{at("2024-06-01T00:00:00Z"), {}, {}};
    auto expired = run(io, client.async_set_load_test_schedule(LoadTestId{2}, once));
    REQUIRE(expired.has_value());
    CHECK_FALSE(expired->next_run.has_value());
    auto refused = run(io, client.async_activate_schedule(expired->id));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().status == 409);
    CHECK(refused.error().ec == errc::conflict);
    CHECK(run(io, client.async_deactivate_schedule(expired->id)).has_value());  // 204, no change
    CHECK_FALSE(run(io, client.async_get_schedule(expired->id))->deactivated);
}

TEST_CASE("emulator: listing with $top, $skip, $count and an absolute @nextLink from the Host header") {
    Fake e;
    asio::io_context io;
    Client client(io, e.client_options());
    for (std::int64_t lt = 1; lt <= 12; ++lt)
        REQUIRE(run(io, client.async_set_load_test_schedule(LoadTestId{lt}, hourly())));
    auto first = e.raw(http::verb::get, "/cloud/v6/schedules?$top=5&$count=true");
    REQUIRE(first.status == 200);
    const auto doc = first.json();
    CHECK(doc.at("value").as_array().size() == 5);
    CHECK(doc.at("@count") == 12);
    CHECK(doc.at("@nextLink").as_string() ==
          "http://127.0.0.1:" + std::to_string(e.port()) + "/cloud/v6/schedules?$skip=5&$top=5&$count=true");
    auto other_host =
        e.raw(http::verb::get, "/cloud/v6/schedules?$top=5", {},
              {{"Authorization", std::string("Bearer ") + token}, {"X-Stack-Id", "77"}, {"Host", "emu.test:1234"}});
    CHECK(other_host.json().at("@nextLink") == "http://emu.test:1234/cloud/v6/schedules?$skip=5&$top=5");
    auto last = e.raw(http::verb::get, "/cloud/v6/schedules?$skip=10&$top=5");
    CHECK(last.json().at("value").as_array().size() == 2);
    CHECK_FALSE(last.json().as_object().contains("@nextLink"));
    CHECK_FALSE(last.json().as_object().contains("@count"));
    // $top defaults to 1000: everything on one page.
    CHECK(e.raw(http::verb::get, "/cloud/v6/schedules").json().at("value").as_array().size() == 12);
    // And the Pager reads it all.
    auto all = run(io, client.async_list_all_schedules(ListQuery{5, {}, false}));
    REQUIRE(all.has_value());
    CHECK(all->size() == 12);
}

TEST_CASE("emulator: bad input gets the right 4xx with the error body, never a crash") {
    Fake e;
    check_error_body(e.raw(http::verb::get, "/nowhere"), 404, "not_found");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/load_tests/1/schedule/extra"), 404, "not_found");
    check_error_body(e.raw(http::verb::put, "/cloud/v6/schedules/1"), 405, "method_not_allowed");
    check_error_body(e.raw(http::verb::delete_, "/cloud/v6/schedules"), 405, "method_not_allowed");
    check_error_body(e.raw(http::verb::get, "/cloud/v6/schedules/1/activate"), 405, "method_not_allowed");
    const auto huge = e.raw(http::verb::post, "/cloud/v6/load_tests/1/schedule", std::string(2 << 20, ' '));
    CHECK(huge.status == 413);
    CHECK(huge.json().at("error").at("code") == "payload_too_large");
    CHECK(e.raw(http::verb::get, "/cloud/v6/schedules").status == 200);  // still serving
}

TEST_CASE("emulator: with a data file, schedules survive a restart and the file is replaced atomically") {
    const auto dir = k6::test::Pki::get().directory / "emulator-data";
    std::filesystem::create_directories(dir);
    const auto file = dir / "schedules.json";
    std::filesystem::remove(file);
    auto options = defaults();
    options.data_file = file;
    ScheduleId kept{};
    {
        Running e(options);
        asio::io_context io;
        Client client(io, e.client_options());
        auto a = run(io, client.async_set_load_test_schedule(LoadTestId{1}, hourly()));
        auto b = run(io, client.async_set_load_test_schedule(LoadTestId{2}, hourly()));
        REQUIRE((a && b));
        kept = b->id;
        REQUIRE(run(io, client.async_deactivate_schedule(b->id)));
        REQUIRE(run(io, client.async_delete_schedule(a->id)));
        // Every change is on disk already, as one complete JSON document, with no temporary left.
        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(boost::json::parse(text).at("schedules").as_array().size() == 1);
        CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
    }
    Running restarted(options);
    asio::io_context io;
    Client client(io, restarted.client_options());
    auto again = run(io, client.async_get_schedule(kept));
    REQUIRE(again.has_value());
    CHECK(again->deactivated);
    CHECK(again->load_test_id == LoadTestId{2});
    auto fresh = run(io, client.async_set_load_test_schedule(LoadTestId{5}, hourly()));
    REQUIRE(fresh.has_value());
    CHECK(fresh->id.value > kept.value);  // ids are not reused after a restart

    std::ofstream(file) << "{ not json";
    CHECK_THROWS_WITH_AS(emu::Emulator{options}, doctest::Contains("not JSON"), std::runtime_error);
}

TEST_CASE("emulator: --generate makes varied schedules that keep the API's rules and decode and the seed decides them") {
    auto options = defaults();
    options.load_tests = *emu::parse_id_list("1-3000");
    options.generate = 2500;
    options.generate_seed = 3;
    const Timestamp now = options.now();
    Running e(options);
    asio::io_context io;
    Client client(io, e.client_options());
    auto all = run(io, client.async_list_all_schedules(ListQuery{.top = 1000}));
    REQUIRE(all.has_value());  // every page decoded, every field as the models require
    CHECK(all->size() == 2500);
    CHECK(e.raw(http::verb::get, "/cloud/v6/schedules?$top=1&$count=true").json().at("@count") == 2500);

    std::set<Frequency> frequencies;
    std::set<std::string> zones;
    int invalid = 0, wrong_next_run = 0, deactivated_expired = 0, one_off = 0, deactivated = 0, expired = 0;
    for (const Schedule& s : all.value()) {
        const CreateScheduleRequest request{s.starts, s.recurrence_rule, s.cron};
        invalid += !validate(request).has_value();
        const auto recurrence = Recurrence::compile(request);
        if (!recurrence) continue;
        wrong_next_run += s.next_run != recurrence->next_run(now);  // as for a schedule set by a client
        if (s.recurrence_rule) frequencies.insert(s.recurrence_rule->frequency);
        if (s.cron) zones.insert(s.cron->time_zone);
        one_off += !s.recurrence_rule && !s.cron;
        deactivated += s.deactivated;
        expired += !s.next_run;
        deactivated_expired += s.deactivated && !s.next_run;
    }
    CHECK(invalid == 0);
    CHECK(wrong_next_run == 0);
    CHECK(frequencies.size() == 5);
    CHECK(zones.size() >= 10);
    CHECK(zones.contains("America/Argentina/Buenos_Aires"));
    CHECK(one_off > 0);
    CHECK(deactivated > 0);
    CHECK(expired > 0);
    CHECK(deactivated_expired == 0);  // the API deactivates only schedules that still run

    // The same seed and clock: the same schedules; another seed: others.
    Running same(options);
    Client same_client(io, same.client_options());
    auto same_all = run(io, same_client.async_list_all_schedules(ListQuery{.top = 1000}));
    REQUIRE(same_all.has_value());
    CHECK(*same_all == *all);
    options.generate_seed = 4;
    Running other(options);
    Client other_client(io, other.client_options());
    auto other_all = run(io, other_client.async_list_all_schedules(ListQuery{.top = 1000}));
    REQUIRE(other_all.has_value());
    CHECK(*other_all != *all);

    // More than the free load tests: refused, naming the flag.
    options.generate = 3001;
    CHECK_THROWS_WITH_AS(emu::Emulator{options}, doctest::Contains("--generate 3001"), std::runtime_error);
}

TEST_CASE("emulator faults: 500/503, 429 with Retry-After, latency, Connection: close") {
    auto options = defaults();
    options.faults.error_rate = 1;
    {
        Running e(options);
        for (int i = 0; i < 10; ++i) {
            const auto r = e.raw(http::verb::get, "/cloud/v6/schedules");
            CHECK((r.status == 500 || r.status == 503));
        }
    }
    options.faults = {};
    options.faults.throttle_rate = 1;
    options.faults.retry_after = "7";
    {
        Running e(options);
        const auto r =
            e.raw(http::verb::post, "/cloud/v6/load_tests/1/schedule", R"({"starts": "2025-06-01T00:00:00Z"})");
        check_error_body(r, 429, "too_many_requests");
        CHECK(r.headers[http::field::retry_after] == "7");
    }
    options.faults = {};
    options.faults.latency = 150ms;
    options.faults.close_connections = true;
    {
        Running e(options);
        const auto start = std::chrono::steady_clock::now();
        const auto r = e.raw(http::verb::get, "/cloud/v6/schedules");
        CHECK(std::chrono::steady_clock::now() - start >= 150ms);
        CHECK(r.status == 200);
        CHECK(r.headers[http::field::connection] == "close");
    }
}

TEST_CASE("emulator faults: a refused request is not applied, and a reset one is") {
    auto options = defaults();
    options.faults.error_rate = 0.5;
    options.faults.seed = 7;
    Running e(options);
    asio::io_context io;
    Client client(io, e.client_options());
    int applied_answers = 0;
    for (std::int64_t lt = 1; lt <= 20; ++lt) {
        auto r = run(io, client.async_set_load_test_schedule(LoadTestId{lt}, hourly()));
        applied_answers += r.has_value();
        if (!r) CHECK((r.error().status == 500 || r.error().status == 503));
    }
    CHECK(applied_answers > 0);
    CHECK(applied_answers < 20);
    // Exactly the acknowledged ones exist.
    auto listed = e.raw(http::verb::get, "/cloud/v6/schedules");
    CHECK(static_cast<int>(listed.json().at("value").as_array().size()) == applied_answers);

    auto resetting = defaults();
    resetting.faults.reset_rate = 1;
    Running r(resetting);
    asio::io_context io2;
    Client c2(io2, r.client_options());
    auto cut = run(io2, c2.async_set_load_test_schedule(LoadTestId{4}, hourly()));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().kind == ErrorKind::transport);
    // The answer was cut, but the change happened: that is what a retrying client must cope with.
    CHECK(r.emulator.handle({"GET", "/cloud/v6/load_tests/4/schedule", Running::authorized(), "", 1, 0}).status == 200);
}

TEST_CASE("emulator: next_run follows the fixed clock") {
    auto options = defaults();
    options.now = [] { return at("2025-01-20T06:30:00Z"); };
    Running e(options);
    asio::io_context io;
    Client client(io, e.client_options());
    CreateScheduleRequest cron{at("2025-01-01T00:00:00Z"), {}, ScheduleCron{"0 7 * * MON", "Europe/Berlin"}};
    auto s = run(io, client.async_set_load_test_schedule(LoadTestId{9}, cron));
    REQUIRE(s.has_value());
    CHECK(s->next_run == at("2025-01-27T06:00:00Z"));  // 07:00 Berlin on the 20th has just passed
}
