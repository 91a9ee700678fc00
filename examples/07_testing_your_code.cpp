// SPDX-License-Identifier: BSL-1.0
// Testing your own code with k6::schedules::testing::FakeApi: no network, no emulator process, no
// files. The code under test makes sure that every load test of a list has a nightly schedule, and
// that it is active; its doctest cases run it against a FakeApi each: the happy path, a 503 storm
// that the retries absorb, a 409 on an expired schedule, and the exact requests it sends.
//
// Build: link k6::schedules_testing (it brings k6::schedules_compiled) and doctest. Run: ./07_testing_your_code
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <k6/schedules.hpp>
#include <k6/schedules/testing.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace k6s = k6::schedules;

// ---- The code under test: what a service of yours might do. ------------------------------------

// Every load test of `load_tests` gets a nightly run at 02:00 UTC from `starts` on, unless it has a
// schedule already; a deactivated one is activated. Returns the ids of the schedules, in order;
// stops at the first error.
asio::awaitable<k6s::expected<std::vector<k6s::ScheduleId>>> ensure_nightly(const k6s::Client& client,
                                                                            std::vector<k6s::LoadTestId> load_tests,
                                                                            k6s::Timestamp starts) {
    std::vector<k6s::ScheduleId> ids;
    for (const auto load_test : load_tests) {
        auto current = co_await client.async_get_load_test_schedule(load_test, asio::use_awaitable);
        if (!current && current.error().status == 404) {
            k6s::CreateScheduleRequest nightly{starts, k6s::RecurrenceRule{k6s::Frequency::daily, 1, {}, {}, {}}, {}};
            current = co_await client.async_set_load_test_schedule(load_test, nightly, asio::use_awaitable);
        } else if (current && current->deactivated) {
            if (auto activated = co_await client.async_activate_schedule(current->id, asio::use_awaitable); !activated)
                co_return std::unexpected(activated.error());
        }
        if (!current) co_return std::unexpected(current.error());
        ids.push_back(current->id);
    }
    co_return ids;
}

// ---- Its tests. ----------------------------------------------------------------------------------

namespace {

k6s::Timestamp at(const char* text) { return k6s::parse_rfc3339(text).value(); }

// Runs the code under test on an io_context of the test's own until it is done.
k6s::expected<std::vector<k6s::ScheduleId>> run_ensure_nightly(const k6s::testing::FakeApi& api,
                                                               std::vector<k6s::LoadTestId> load_tests) {
    asio::io_context io;
    k6s::ClientOptions options = api.client_options();
    options.retry.initial_delay = std::chrono::milliseconds(1);  // quick retries: the test need not wait
    k6s::Client client(io, options);
    auto result = asio::co_spawn(io, ensure_nightly(client, std::move(load_tests), at("2030-01-01T02:00:00Z")),
                                 asio::use_future);
    io.run();
    return result.get();
}

k6s::testing::FakeApiOptions on_new_years_eve() {
    k6s::testing::FakeApiOptions options;
    options.now = at("2029-12-31T12:00:00Z");  // next_run and expiry are computed from this clock
    return options;
}

}  // namespace

TEST_CASE("every load test ends with an active nightly schedule, existing ones kept") {
    k6s::testing::FakeApi api(on_new_years_eve());
    const auto paused = api.add_schedule(k6s::LoadTestId{2}, {at("2029-01-01T03:00:00Z"), {},
                                                              k6s::ScheduleCron{"0 3 * * *", "UTC"}},
                                         /*deactivated=*/true);

    auto ids = run_ensure_nightly(api, {k6s::LoadTestId{1}, k6s::LoadTestId{2}});
    REQUIRE_MESSAGE(ids.has_value(), ids.error().to_string());
    REQUIRE(ids->size() == 2);
    CHECK((*ids)[1] == paused.id);  // kept, not replaced

    const auto schedules = api.schedules();
    REQUIRE(schedules.size() == 2);
    for (const auto& schedule : schedules) CHECK_FALSE(schedule.deactivated);
    const auto created = std::find_if(schedules.begin(), schedules.end(),
                                      [](const k6s::Schedule& s) { return s.load_test_id == k6s::LoadTestId{1}; });
    REQUIRE(created != schedules.end());
    CHECK(created->next_run == at("2030-01-01T02:00:00Z"));
}

TEST_CASE("a storm of 503 answers is absorbed by the client's retries") {
    k6s::testing::FakeApi api(on_new_years_eve());
    api.fail_next(503, 3);  // the default policy retries three times

    auto ids = run_ensure_nightly(api, {k6s::LoadTestId{1}});
    REQUIRE_MESSAGE(ids.has_value(), ids.error().to_string());
    CHECK(api.schedules().size() == 1);
}

TEST_CASE("an expired schedule cannot be activated: the code reports the API's 409") {
    k6s::testing::FakeApi api(on_new_years_eve());
    k6s::CreateScheduleRequest once{at("2029-06-01T02:00:00Z"), {}, {}};  // one run, long past
    api.add_schedule(k6s::LoadTestId{4}, once, /*deactivated=*/true);

    auto ids = run_ensure_nightly(api, {k6s::LoadTestId{4}});
    REQUIRE_FALSE(ids.has_value());
    CHECK(ids.error().status == 409);
    CHECK(ids.error().kind == k6s::ErrorKind::api);
}

TEST_CASE("the code sends exactly one GET per load test, and a POST only where a schedule is missing") {
    k6s::testing::FakeApi api(on_new_years_eve());
    api.add_schedule(k6s::LoadTestId{2}, {at("2029-01-01T03:00:00Z"), {}, k6s::ScheduleCron{"0 3 * * *", "UTC"}});

    REQUIRE(run_ensure_nightly(api, {k6s::LoadTestId{1}, k6s::LoadTestId{2}}).has_value());
    std::vector<std::string> sent;
    for (const auto& request : api.requests()) sent.push_back(request.method + " " + request.target);
    CHECK(sent == std::vector<std::string>{"GET /cloud/v6/load_tests/1/schedule", "POST /cloud/v6/load_tests/1/schedule",
                                           "GET /cloud/v6/load_tests/2/schedule"});
    CHECK(api.requests()[1].header("Authorization") == "Bearer [redacted]");  // recorded without the token
    CHECK(api.requests()[1].body.find(R"("frequency":"DAILY")") != std::string::npos);
}
