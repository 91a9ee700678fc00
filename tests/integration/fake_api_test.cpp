// SPDX-License-Identifier: BSL-1.0
// k6::schedules::testing::FakeApi, the seam users' tests use: every promise of its documentation,
// through the real client over real HTTP(S) on 127.0.0.1.
#include <k6/schedules.hpp>
#include <k6/schedules/testing.hpp>

#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using k6::test::run;
using testing::FakeApi;
using testing::FakeApiOptions;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

CreateScheduleRequest nightly(const char* starts = "2030-01-01T02:00:00Z") {
    return {at(starts), RecurrenceRule{Frequency::daily, 1, {}, {}, {}}, {}};
}

// Quick retries, so that scripted failures cost milliseconds.
ClientOptions quick(ClientOptions options) {
    options.retry.initial_delay = 1ms;
    options.retry.max_delay = 5ms;
    options.proxy_from_environment = false;
    return options;
}

std::set<std::string> temporary_entries() {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
        names.insert(entry.path().filename().string());
    return names;
}

}  // namespace

TEST_CASE("FakeApi: a client made from client_options() talks to it over verified HTTPS, and no file is written") {
    const auto before = temporary_entries();
    FakeApi api;
    CHECK(api.url().starts_with("https://127.0.0.1:"));
    CHECK(api.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    asio::io_context io;
    Client client(io, api.client_options());
    auto page = run(io, client.async_list_schedules());
    REQUIRE_MESSAGE(page.has_value(), page.error().to_string());
    CHECK(page->items.empty());
    CHECK(temporary_entries() == before);

    // Verification is on: a client that does not trust the fake's CA is refused.
    ClientOptions untrusting = api.client_options();
    untrusting.tls_context.reset();
    Client stranger(io, untrusting);
    auto refused = run(io, stranger.async_list_schedules());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::tls);
}

TEST_CASE("FakeApi: add_schedule seeds what the client then reads, and an invalid request throws") {
    FakeApiOptions options;
    options.now = at("2030-01-01T00:00:00Z");
    FakeApi api(options);
    const Schedule added = api.add_schedule(LoadTestId{7}, nightly());
    CHECK(added.load_test_id == LoadTestId{7});
    CHECK(added.next_run == at("2030-01-01T02:00:00Z"));
    const Schedule other = api.add_schedule(LoadTestId{5000}, nightly(), true);  // a load test beyond load_tests
    CHECK(other.deactivated);

    asio::io_context io;
    Client client(io, api.client_options());
    auto got = run(io, client.async_get_schedule(added.id));
    REQUIRE_MESSAGE(got.has_value(), got.error().to_string());
    CHECK(*got == added);
    CHECK(run(io, client.async_get_load_test_schedule(LoadTestId{5000}))->id == other.id);
    CHECK(api.schedules() == std::vector<Schedule>{added, other});

    CreateScheduleRequest invalid = nightly();
    invalid.recurrence_rule->interval = 0;
    CHECK_THROWS_AS(api.add_schedule(LoadTestId{8}, invalid), std::invalid_argument);
}

TEST_CASE("FakeApi: set_now moves next_run, and activating a schedule that has expired is 409") {
    FakeApiOptions options;
    options.now = at("2030-01-01T00:00:00Z");
    FakeApi api(options);
    CreateScheduleRequest twice = nightly();
    twice.recurrence_rule->count = 2;
    const Schedule schedule = api.add_schedule(LoadTestId{1}, twice, true);

    asio::io_context io;
    Client client(io, api.client_options());
    api.set_now(at("2030-01-01T12:00:00Z"));
    CHECK(run(io, client.async_get_schedule(schedule.id))->next_run == at("2030-01-02T02:00:00Z"));
    api.set_now(at("2030-01-03T00:00:00Z"));
    CHECK_FALSE(run(io, client.async_get_schedule(schedule.id))->next_run.has_value());
    auto refused = run(io, client.async_activate_schedule(schedule.id));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().status == 409);
}

TEST_CASE("FakeApi: fail_next answers that status with the API's error body, which retries absorb or report") {
    FakeApi api;
    asio::io_context io;
    Client client(io, quick(api.client_options()));
    api.fail_next(503, 3);
    auto absorbed = run(io, client.async_list_schedules());
    REQUIRE_MESSAGE(absorbed.has_value(), absorbed.error().to_string());
    CHECK(api.requests().size() == 4);

    api.fail_next(404);
    auto failed = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().status == 404);
    CHECK(failed.error().code == "not_found");

    // A failed request is not applied.
    api.fail_next(500, 4);
    CHECK_FALSE(run(io, client.async_set_load_test_schedule(LoadTestId{1}, nightly())).has_value());
    CHECK(api.schedules().empty());
}

TEST_CASE("FakeApi: throttle_next sends Retry-After, delay_next holds an answer back, reset_next cuts the connection") {
    FakeApi api;
    asio::io_context io;
    ClientOptions options = quick(api.client_options());
    options.retry.max_delay = 2s;  // a Retry-After longer than max_delay ends the retries
    Client client(io, options);

    api.throttle_next("1", 1);
    const auto start = std::chrono::steady_clock::now();
    auto throttled = run(io, client.async_list_schedules());
    REQUIRE_MESSAGE(throttled.has_value(), throttled.error().to_string());
    CHECK(std::chrono::steady_clock::now() - start >= 900ms);  // the client waited as told
    CHECK(api.requests().size() == 2);

    api.delay_next(2s);
    auto late = run(io, client.with({.attempt_timeout = 200ms}).async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().status == 404);  // the delayed attempt timed out, and its retry got the answer
    CHECK(api.requests().size() == 4);

    api.clear_requests();
    api.reset_next(1);
    auto after_reset = run(io, client.async_list_schedules());
    REQUIRE_MESSAGE(after_reset.has_value(), after_reset.error().to_string());
    CHECK(api.requests().size() == 2);
}

TEST_CASE("FakeApi: random faults follow their seed and are counted") {
    testing::Faults faults;
    faults.error_rate = 0.5;
    faults.seed = 11;
    FakeApiOptions options;
    options.faults = faults;
    FakeApi api(options);
    asio::io_context io;
    ClientOptions client_options = quick(api.client_options());
    client_options.retry.max_retries = 0;
    Client client(io, client_options);
    int failures = 0;
    for (int i = 0; i < 20; ++i) failures += run(io, client.async_list_schedules()).has_value() ? 0 : 1;
    CHECK(api.fault_counts().answers == 20);
    CHECK(api.fault_counts().errors == static_cast<std::uint64_t>(failures));
    CHECK(failures > 0);
    CHECK(failures < 20);

    api.set_faults({});
    for (int i = 0; i < 5; ++i) CHECK(run(io, client.async_list_schedules()).has_value());
    CHECK(api.fault_counts().errors == 0);
}

TEST_CASE("FakeApi: on() answers a route with any status and body, ahead of the emulator") {
    FakeApi api;
    api.on("GET", "/cloud/v6/schedules/9", [](const k6::loopback::Request&) {
        k6::loopback::Response response;
        response.status = 200;
        response.headers = {{"Content-Type", "application/json"}};
        response.body = R"({"id": "nine"})";
        return response;
    });
    asio::io_context io;
    Client client(io, api.client_options());
    auto malformed = run(io, client.async_get_schedule(ScheduleId{9}));
    REQUIRE_FALSE(malformed.has_value());
    CHECK(malformed.error().kind == ErrorKind::malformed_response);
    CHECK(run(io, client.async_get_schedule(ScheduleId{8})).error().status == 404);  // other routes: the emulator

    api.clear_routes();
    CHECK(run(io, client.async_get_schedule(ScheduleId{9})).error().status == 404);
}

TEST_CASE("FakeApi: requests() records method, target, headers and body, with the token redacted") {
    FakeApi api;
    asio::io_context io;
    Client client(io, api.client_options());
    REQUIRE(run(io, client.async_set_load_test_schedule(LoadTestId{3}, nightly())).has_value());
    const auto requests = api.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/cloud/v6/load_tests/3/schedule");
    CHECK(requests[0].header("Authorization") == "Bearer [redacted]");
    CHECK(requests[0].header("X-Stack-Id") == "1");
    CHECK(requests[0].body.find("\"starts\"") != std::string::npos);
    for (const auto& [name, value] : requests[0].headers) CHECK(value.find(api.token()) == std::string::npos);
}

TEST_CASE("FakeApi: on an executor the test runs, client and fake share one thread") {
    asio::io_context io;
    FakeApiOptions options;
    options.tls = false;
    std::optional<expected<Schedule>> got;
    {
        FakeApi api(io.get_executor(), options);
        CHECK(api.url().starts_with("http://127.0.0.1:"));
        const Schedule added = api.add_schedule(LoadTestId{2}, nightly());
        Client client(io, api.client_options());
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                got = co_await client.async_get_schedule(added.id, asio::use_awaitable);
                client.close();
            },
            asio::detached);
        io.run_for(10s);
        REQUIRE(got.has_value());
        REQUIRE_MESSAGE(got->has_value(), got->error().to_string());
        CHECK((*got)->id == added.id);
        io.restart();
    }
    // The fake's connections wind down on the test's io_context once the fake is gone.
    io.run_for(5s);
    CHECK(io.stopped());
}

TEST_CASE("FakeApi: GET /cloud/v6/auth resolves its stack URL for a client that has only the URL") {
    FakeApiOptions options;
    options.stack_id = 31;
    FakeApi api(options);
    asio::io_context io;
    ClientOptions by_url = api.client_options();
    by_url.stack_id = 0;
    by_url.stack_url = options.stack_url;
    Client client(io, by_url);
    REQUIRE(run(io, client.async_list_schedules()).has_value());
    CHECK(api.requests().front().target == "/cloud/v6/auth");
    CHECK(api.requests().back().header("X-Stack-Id") == "31");
}
