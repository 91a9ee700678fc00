// SPDX-License-Identifier: BSL-1.0
// async_apply(): a plan carried out by the real client against FakeApi over HTTPS on 127.0.0.1,
// and the state read back is what the document says.
#include <k6/schedules.hpp>
#include <k6/schedules/apply.hpp>
#include <k6/schedules/testing.hpp>

#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using k6::test::run;
using testing::FakeApi;
using testing::FakeApiOptions;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

CreateScheduleRequest daily_at(const char* starts) { return {at(starts), RecurrenceRule{Frequency::daily}, {}}; }

FakeApiOptions at_2030() {
    FakeApiOptions options;
    options.now = at("2030-01-01T00:00:00Z");
    return options;
}

std::vector<DesiredSchedule> sorted_state(FakeApi& api) {
    std::vector<DesiredSchedule> state;
    for (const Schedule& s : api.schedules()) state.push_back(desired_from(s));
    std::sort(state.begin(), state.end(),
              [](const DesiredSchedule& a, const DesiredSchedule& b) { return a.load_test_id < b.load_test_id; });
    return state;
}

}  // namespace

TEST_CASE("async_apply: every kind of change is carried out, the state read back is the document, and the next plan is empty") {
    FakeApi api(at_2030());
    api.add_schedule(LoadTestId{1}, daily_at("2030-01-02T02:00:00Z"));                       // kept
    api.add_schedule(LoadTestId{2}, daily_at("2030-01-02T02:00:00Z"));                       // updated
    api.add_schedule(LoadTestId{3}, daily_at("2030-01-02T02:00:00Z"), true);                 // activated
    api.add_schedule(LoadTestId{4}, daily_at("2030-01-02T02:00:00Z"));                       // deactivated
    const Schedule pruned = api.add_schedule(LoadTestId{5}, daily_at("2030-01-02T02:00:00Z"));  // deleted
    const std::vector<DesiredSchedule> document{
        {LoadTestId{1}, daily_at("2030-01-02T03:00:00+01:00"), false},  // the same instant
        {LoadTestId{2}, {at("2030-01-02T00:00:00Z"), std::nullopt, ScheduleCron{"0 7 * * MON-FRI", "Europe/Berlin"}},
         true},
        {LoadTestId{3}, daily_at("2030-01-02T02:00:00Z"), false},
        {LoadTestId{4}, daily_at("2030-01-02T02:00:00Z"), true},
        {LoadTestId{6}, daily_at("2030-02-01T00:00:00Z"), true},
        {LoadTestId{7}, daily_at("2030-02-01T00:00:00Z"), false},
    };
    asio::io_context io;
    Client client(io, api.client_options());
    auto listing = run(io, client.async_list_all_schedules());
    REQUIRE(listing.has_value());
    const Plan plan = plan_changes(document, *listing, {.prune = true});
    REQUIRE(plan.changes.size() == 6);  // update 2, activate 3, deactivate 4, delete 5, create 6 and 7

    const auto results = run(io, async_apply(client, plan.changes));
    REQUIRE(results.size() == plan.changes.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        CAPTURE(i);
        REQUIRE_MESSAGE(results[i].has_value(), results[i].error().to_string());
    }
    CHECK(results[3].value() == pruned.id);  // delete: the schedule deleted

    const auto state = sorted_state(api);
    REQUIRE(state.size() == 6);
    for (std::size_t i = 0; i < state.size(); ++i) {
        CAPTURE(i);
        CHECK(state[i].load_test_id == document[i].load_test_id);
        CHECK(state[i].deactivated == document[i].deactivated);
        CHECK(same_schedule(state[i].request, document[i].request));
    }
    auto again = run(io, client.async_list_all_schedules());
    REQUIRE(again.has_value());
    CHECK(plan_changes(document, *again, {.prune = true}).empty());
}

TEST_CASE("async_apply: a change that fails gets its own error, the others succeed, and applying again converges") {
    FakeApi api(at_2030());
    std::vector<DesiredSchedule> document;
    for (std::int64_t id = 1; id <= 20; ++id) document.push_back({LoadTestId{id}, daily_at("2030-01-02T02:00:00Z"), id % 2 == 0});
    asio::io_context io;
    ClientOptions options = api.client_options();
    options.retry.max_retries = 0;
    Client client(io, options);
    const Plan first = plan_changes(document, run(io, client.async_list_all_schedules()).value());
    REQUIRE(first.changes.size() == 20);
    api.fail_next(503, 3);
    const auto results = run(io, async_apply(client, first.changes, {.max_in_flight = 4}));
    REQUIRE(results.size() == 20);
    const auto failed = std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.has_value(); });
    CHECK(failed >= 1);
    CHECK(failed <= 3);
    for (const auto& r : results)
        if (!r) CHECK(r.error().status == 503);

    const Plan second = plan_changes(document, run(io, client.async_list_all_schedules()).value());
    CHECK(second.changes.size() == static_cast<std::size_t>(failed));
    const auto retried = run(io, async_apply(client, second.changes));
    for (const auto& r : retried) CHECK_MESSAGE(r.has_value(), r.error().to_string());
    CHECK(plan_changes(document, run(io, client.async_list_all_schedules()).value()).empty());
}

TEST_CASE("async_apply: no change completes with no result and sends nothing") {
    FakeApi api(at_2030());
    asio::io_context io;
    Client client(io, api.client_options());
    const auto results = run(io, async_apply(client, std::vector<Change>{}));
    CHECK(results.empty());
    CHECK(api.requests().empty());
}
