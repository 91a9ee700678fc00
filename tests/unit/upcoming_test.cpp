// SPDX-License-Identifier: BSL-1.0
// UpcomingRuns (k6/schedules/recurrence.hpp): the runs of a listing within a window, merged in time
// order, with overlapping runs of different load tests marked. Most cases compare the stream with a
// brute-force reference built here from Recurrence::next_runs(): every run of every schedule,
// sorted, and every pair of runs compared.
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <ranges>
#include <span>
#include <string>
#include <tuple>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

Schedule once(std::int64_t id, std::int64_t load_test, Timestamp starts) {
    Schedule s;
    s.id = ScheduleId{id};
    s.load_test_id = LoadTestId{load_test};
    s.starts = starts;
    return s;
}

Schedule by_cron(std::int64_t id, std::int64_t load_test, const char* schedule, const char* zone,
                 const char* starts = "2020-01-01T00:00:00Z") {
    Schedule s = once(id, load_test, at(starts));
    s.cron = ScheduleCron{schedule, zone};
    return s;
}

Schedule by_rule(std::int64_t id, std::int64_t load_test, const char* starts, RecurrenceRule rule) {
    Schedule s = once(id, load_test, at(starts));
    s.recurrence_rule = std::move(rule);
    return s;
}

UpcomingRuns create(std::span<const Schedule> schedules, Timestamp from, Timestamp to) {
    auto upcoming = UpcomingRuns::create(schedules, from, to);
    REQUIRE_MESSAGE(upcoming.has_value(), (upcoming ? "" : upcoming.error().to_string()));
    return std::move(*upcoming);
}

std::vector<UpcomingRun> drain(UpcomingRuns& upcoming) {
    std::vector<UpcomingRun> out;
    while (auto run = upcoming.next()) out.push_back(*run);
    return out;
}

std::vector<UpcomingRun> upcoming_runs(std::span<const Schedule> schedules, Timestamp from, Timestamp to) {
    auto upcoming = create(schedules, from, to);
    return drain(upcoming);
}

// Every run of `schedule` in (after, last], a next_runs() call at a time.
std::vector<Timestamp> runs_between(const Schedule& schedule, Timestamp after, Timestamp last) {
    std::vector<Timestamp> out;
    for (;;) {
        const auto batch = next_runs(schedule, after, 256).value();
        for (Timestamp t : batch) {
            if (t > last) return out;
            out.push_back(t);
        }
        if (batch.size() < 256) return out;
        after = batch.back();
    }
}

// The reference: every run of every active schedule in (from - 60 s, to + 60 s), sorted by (time,
// schedule id, position in the listing); the runs in (from, to] are returned, each compared with
// all the runs within a minute of it.
std::vector<UpcomingRun> brute_force(std::span<const Schedule> schedules, Timestamp from, Timestamp to) {
    struct Run {
        Timestamp at;
        ScheduleId schedule;
        std::size_t position;
        LoadTestId load_test;
    };
    std::vector<Run> all;
    for (std::size_t i = 0; i < schedules.size(); ++i) {
        if (schedules[i].deactivated) continue;
        for (Timestamp t : runs_between(schedules[i], from - 60s, to + 60s - 1ms))
            all.push_back({t, schedules[i].id, i, schedules[i].load_test_id});
    }
    std::ranges::sort(all, {}, [](const Run& r) { return std::tuple{r.at, r.schedule, r.position}; });
    std::vector<UpcomingRun> out;
    for (const Run& r : all) {
        if (r.at <= from || r.at > to) continue;
        const bool overlaps = std::ranges::any_of(all, [&](const Run& other) {
            const auto distance = r.at > other.at ? r.at - other.at : other.at - r.at;
            return other.load_test != r.load_test && distance < 60s;
        });
        out.push_back({r.at, r.schedule, r.load_test, overlaps});
    }
    return out;
}

void check_equal(const std::vector<UpcomingRun>& got, const std::vector<UpcomingRun>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CAPTURE(format_rfc3339(want[i].at));
        CAPTURE(want[i].schedule.value);
        REQUIRE(got[i] == want[i]);
    }
}

}  // namespace

TEST_CASE("upcoming: cron, rrule and one-off schedules merge into the order of all their runs sorted, across DST") {
    // The window covers the spring-forward and fall-back changes of New York and Berlin, and Lord
    // Howe's half-hour one; several schedules share load tests, several share minutes.
    const std::vector<Schedule> schedules = {
        by_cron(11, 1, "30 2 * * *", "America/New_York"),
        by_cron(12, 2, "30 1 * * *", "America/New_York"),
        by_cron(13, 3, "0 */6 * * *", "Europe/Berlin"),
        by_cron(14, 1, "30 2 * * *", "Europe/Berlin"),
        by_cron(15, 4, "15 2 * * *", "Australia/Lord_Howe"),
        by_cron(16, 2, "*/20 1-3 * * SUN", "Europe/London"),
        by_rule(21, 3, "2024-02-01T06:30:00Z", {Frequency::daily, {}, {}, {}, {}}),
        by_rule(22, 5, "2024-02-01T06:30:30Z", {Frequency::hourly, 7, {}, 300, {}}),
        by_rule(23, 4, "2024-01-31T07:00:00.500Z", {Frequency::monthly, {}, {}, {}, {}}),
        by_rule(24, 1, "2024-03-04T01:00:00Z",
                {Frequency::weekly, {}, std::vector{Weekday::sunday, Weekday::monday}, {}, {}}),
        once(31, 2, at("2024-03-10T07:00:00Z")),  // with schedule 11's run after the gap, another load test
        once(32, 1, at("2024-03-31T01:00:30Z")),  // 30 s after schedule 14's, the same load test
        once(33, 6, at("2024-11-03T05:29:01Z")),  // 59 s before schedule 12's first 01:30
    };
    const Timestamp from = at("2024-02-15T00:00:00Z");
    const Timestamp to = at("2024-11-15T00:00:00Z");
    const auto want = brute_force(schedules, from, to);
    CHECK(want.size() > 300);                                        // the reference is not trivially short...
    CHECK(std::ranges::count_if(want, &UpcomingRun::overlaps) > 3);  // ...and some runs overlap
    check_equal(upcoming_runs(schedules, from, to), want);
}

TEST_CASE("upcoming: runs strictly after from and at or before to, as next_runs counts after") {
    const std::vector<Schedule> schedules = {by_cron(1, 1, "* * * * *", "UTC"), once(2, 2, at("2025-01-01T10:00:00Z")),
                                             once(3, 3, at("2025-01-01T10:05:00Z"))};
    const Timestamp from = at("2025-01-01T10:00:00Z");
    const Timestamp to = at("2025-01-01T10:05:00Z");
    const auto runs = upcoming_runs(schedules, from, to);
    REQUIRE(!runs.empty());
    CHECK(runs.front().at == from + 1min);  // the runs at `from` itself are out
    CHECK(runs.back().at == to);            // the runs at `to` are in
    CHECK(std::ranges::none_of(runs, [](const UpcomingRun& r) { return r.schedule == ScheduleId{2}; }));
    CHECK(std::ranges::count(runs, ScheduleId{3}, &UpcomingRun::schedule) == 1);
    check_equal(runs, brute_force(schedules, from, to));

    // An empty window is an empty stream; a reversed one is an error naming `to`.
    CHECK(upcoming_runs(schedules, from, from).empty());
    CHECK(upcoming_runs(schedules, from, from + 1ms).empty());
    const auto reversed = UpcomingRuns::create(schedules, to, from);
    REQUIRE_FALSE(reversed.has_value());
    CHECK(reversed.error().kind == ErrorKind::invalid_argument);
    CHECK(reversed.error().target == "to");
}

TEST_CASE("upcoming: the extremes of Timestamp as bounds do not overflow") {
    const std::vector<Schedule> schedules = {once(1, 1, at("2025-01-01T10:00:00Z")),
                                             by_rule(2, 2, "2025-01-01T10:00:30Z", {Frequency::daily, {}, {}, 3, {}})};
    const auto runs = upcoming_runs(schedules, Timestamp::min(), Timestamp::max());
    REQUIRE(runs.size() == 4);
    CHECK(runs[0].schedule == ScheduleId{1});
    CHECK(runs[0].overlaps);
    CHECK(runs[1].overlaps);
    CHECK_FALSE(runs[3].overlaps);
}

TEST_CASE("upcoming: deactivated schedules are skipped, mark nothing, and are not compiled") {
    std::vector<Schedule> schedules = {by_cron(1, 1, "0 * * * *", "UTC"), by_cron(2, 2, "0 * * * *", "UTC"),
                                       by_cron(3, 3, "0 * * * *", "Nowhere/Land")};
    schedules[1].deactivated = true;
    schedules[2].deactivated = true;  // invalid, but it will not run: no error
    const auto runs = upcoming_runs(schedules, at("2025-01-01T00:00:00Z"), at("2025-01-01T05:00:00Z"));
    CHECK(runs.size() == 5);
    for (const UpcomingRun& r : runs) {
        CHECK(r.schedule == ScheduleId{1});
        CHECK_FALSE(r.overlaps);  // schedule 2's load test would compete, but it does not run
    }
}

TEST_CASE("upcoming: overlaps marks runs of different load tests less than 60 s apart, never the same load test") {
    const Timestamp t = at("2025-06-01T12:00:00Z");
    auto marks = [&](std::vector<Schedule> schedules) {
        std::vector<bool> out;
        for (const UpcomingRun& r : upcoming_runs(schedules, t - 1h, t + 1h)) out.push_back(r.overlaps);
        return out;
    };
    using v = std::vector<bool>;
    // The same minute, different load tests: both.
    CHECK(marks({by_cron(1, 1, "0 12 * * *", "UTC"), by_cron(2, 2, "0 12 * * *", "UTC")}) == v{true, true});
    // The same minute, the same load test (two schedules): neither.
    CHECK(marks({by_cron(1, 7, "0 12 * * *", "UTC"), by_cron(2, 7, "0 12 * * *", "UTC")}) == v{false, false});
    // 59 s apart: both; 59.999 s: both; 60 s: neither.
    CHECK(marks({once(1, 1, t), once(2, 2, t + 59s)}) == v{true, true});
    CHECK(marks({once(1, 1, t), once(2, 2, t + 59999ms)}) == v{true, true});
    CHECK(marks({once(1, 1, t), once(2, 2, t + 60s)}) == v{false, false});
    // Not transitive: 1 and 3 are of one load test and 100 s apart; 2 is between them, 50 s from each.
    CHECK(marks({once(1, 1, t), once(2, 2, t + 50s), once(3, 1, t + 100s)}) == v{true, true, true});
    // 2 reaches 3 (50 s) but not 1 (80 s): 1 stays unmarked although 3, of its load test, is marked.
    CHECK(marks({once(1, 1, t), once(3, 1, t + 30s), once(2, 2, t + 80s)}) == v{false, true, true});
    // A run of the same load test in between does not hide the one of another test.
    CHECK(marks({once(1, 1, t), once(2, 2, t + 20s), once(3, 2, t + 40s), once(4, 2, t + 70s)}) ==
          v{true, true, true, false});
}

TEST_CASE("upcoming: a run just outside the window still marks the runs inside it") {
    const Timestamp from = at("2025-06-01T12:00:00Z");
    const Timestamp to = at("2025-06-01T13:00:00Z");
    const std::vector<Schedule> schedules = {once(1, 1, from + 30s), once(2, 2, from - 20s), once(3, 3, to),
                                             once(4, 4, to + 59s), once(5, 5, from + 10min)};
    const auto runs = upcoming_runs(schedules, from, to);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0] == UpcomingRun{from + 30s, ScheduleId{1}, LoadTestId{1}, true});
    CHECK(runs[1] == UpcomingRun{from + 10min, ScheduleId{5}, LoadTestId{5}, false});
    CHECK(runs[2] == UpcomingRun{to, ScheduleId{3}, LoadTestId{3}, true});
}

TEST_CASE("upcoming: overlap marks agree with comparing every pair, for random runs of a few load tests") {
    std::mt19937_64 random{20250601};
    const Timestamp base = at("2025-06-01T12:00:00Z");
    for (int round = 0; round < 200; ++round) {
        CAPTURE(round);
        std::vector<Schedule> schedules;
        const int count = std::uniform_int_distribution<int>{0, 12}(random);
        for (int i = 0; i < count; ++i) {
            // Within 5 minutes, at whole seconds or milliseconds, of 1 to 3 load tests; ids repeat.
            const auto offset = std::uniform_int_distribution<std::int64_t>{0, 300}(random)*1000 -
                                (i % 3 == 0 ? std::uniform_int_distribution<std::int64_t>{0, 999}(random) : 0);
            schedules.push_back(once(std::uniform_int_distribution<std::int64_t>{1, 8}(random),
                                     std::uniform_int_distribution<std::int64_t>{1, 3}(random),
                                     base + std::chrono::milliseconds{offset}));
            schedules.back().deactivated = std::uniform_int_distribution<int>{0, 9}(random) == 0;
        }
        const Timestamp from = base + std::chrono::seconds{std::uniform_int_distribution<int>{-10, 100}(random)};
        const Timestamp to = from + std::chrono::seconds{std::uniform_int_distribution<int>{0, 300}(random)};
        check_equal(upcoming_runs(schedules, from, to), brute_force(schedules, from, to));
    }
}

TEST_CASE("upcoming: runs at the same instant come by schedule id, then by position in the listing") {
    const Timestamp t = at("2025-06-01T12:00:00Z");
    const std::vector<Schedule> schedules = {once(9, 1, t), once(3, 2, t), once(7, 3, t), once(3, 4, t),
                                             by_cron(5, 5, "0 12 * * *", "UTC")};
    const auto runs = upcoming_runs(schedules, t - 1min, t);
    std::vector<std::pair<std::int64_t, std::int64_t>> order;
    for (const UpcomingRun& r : runs) order.emplace_back(r.schedule.value, r.load_test.value);
    CHECK(order == std::vector<std::pair<std::int64_t, std::int64_t>>{{3, 2}, {3, 4}, {5, 5}, {7, 3}, {9, 1}});
    // The same listing in any order gives the same runs, bar the two schedules with id 3.
    auto reversed = schedules;
    std::ranges::reverse(reversed);
    auto again = upcoming_runs(reversed, t - 1min, t);
    REQUIRE(again.size() == runs.size());
    std::swap(again[0], again[1]);
    CHECK(again == runs);
}

TEST_CASE("upcoming: an empty listing, or one whose schedules end before the window, is an empty stream") {
    auto empty = create({}, at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"));
    CHECK_FALSE(empty.next().has_value());
    CHECK_FALSE(empty.next().has_value());  // and stays so
    CHECK(empty.begin() == empty.end());
    CHECK(empty.buffered() == 0);
    const std::vector<Schedule> ended = {once(1, 1, at("2024-01-01T00:00:00Z")),
                                         by_rule(2, 2, "2024-01-01T00:00:00Z", {Frequency::daily, {}, {}, 10, {}}),
                                         by_cron(3, 3, "0 0 30 2 *", "UTC")};
    CHECK(upcoming_runs(ended, at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z")).empty());
}

TEST_CASE("upcoming: an invalid active schedule fails create() with its id in the message") {
    std::vector<Schedule> schedules = {by_cron(1, 1, "0 * * * *", "UTC"), by_cron(42, 2, "0 * * * *", "Nowhere/Land")};
    auto upcoming = UpcomingRuns::create(schedules, at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"));
    REQUIRE_FALSE(upcoming.has_value());
    CHECK(upcoming.error().kind == ErrorKind::invalid_argument);
    CHECK(upcoming.error().target == "cron.time_zone");
    CHECK(upcoming.error().message.starts_with("schedule 42: "));
    CHECK(upcoming.error().message.find("Nowhere/Land") != std::string::npos);

    schedules[1] = by_cron(43, 2, "0 * * *", "UTC");
    upcoming = UpcomingRuns::create(schedules, at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"));
    REQUIRE_FALSE(upcoming.has_value());
    CHECK(upcoming.error().target == "cron.schedule");
    CHECK(upcoming.error().message.starts_with("schedule 43: "));
}

TEST_CASE("upcoming: a range-for yields what next() does") {
    const std::vector<Schedule> schedules = {
        by_cron(1, 1, "*/10 * * * *", "Europe/Berlin"),
        by_rule(2, 2, "2025-01-01T00:05:00Z", {Frequency::hourly, {}, {}, {}, {}})};
    static_assert(std::ranges::input_range<UpcomingRuns>);
    const Timestamp from = at("2025-01-01T00:00:00Z");
    const Timestamp to = at("2025-01-03T00:00:00Z");
    auto upcoming = create(schedules, from, to);
    std::vector<UpcomingRun> iterated;
    for (const UpcomingRun& run : upcoming) iterated.push_back(run);
    CHECK(iterated.size() == 288 + 48);
    CHECK(iterated == upcoming_runs(schedules, from, to));
}

TEST_CASE("upcoming: 100k runs of many schedules stream in order with a buffer bounded by the schedules") {
    // 60 schedules, three of them every minute, for over 100k runs in 12 days; hourly COUNT rules
    // with tens of thousands of runs before the window.
    std::vector<Schedule> schedules;
    const char* zones[] = {"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"};
    for (std::int64_t i = 0; i < 60; ++i) {
        const char* zone = zones[i % 5];
        if (i % 20 == 0)
            schedules.push_back(by_cron(i + 1, i % 7, "* * * * *", zone));
        else if (i % 3 == 0)
            schedules.push_back(by_cron(i + 1, i % 7, "*/5 * * * *", zone));
        else if (i % 3 == 1)
            schedules.push_back(by_cron(i + 1, i % 7, "7,37 * * * 1-5", zone));
        else
            schedules.push_back(by_rule(i + 1, i % 7, "2020-01-01T00:00:30Z", {Frequency::hourly, 1, {}, 100000, {}}));
    }
    const Timestamp from = at("2024-10-25T00:00:00Z");
    const Timestamp to = at("2024-11-06T00:00:00Z");  // the European and the US fall-back
    auto upcoming = create(schedules, from, to);

    std::vector<std::vector<Timestamp>> per_schedule(schedules.size() + 1);
    std::size_t total = 0, most_buffered = 0;
    std::optional<UpcomingRun> previous;
    while (auto run = upcoming.next()) {
        ++total;
        most_buffered = std::max(most_buffered, upcoming.buffered());
        if (previous) REQUIRE(std::tuple{previous->at, previous->schedule} < std::tuple{run->at, run->schedule});
        per_schedule[static_cast<std::size_t>(run->schedule.value)].push_back(run->at);
        previous = run;
    }
    CHECK(total > 100000);
    // At most a batch of 64 per schedule and a minute of look-ahead (at most two runs a schedule).
    CHECK(most_buffered <= schedules.size() * (64 + 2));
    for (const Schedule& s : schedules) {
        CAPTURE(s.id.value);
        CHECK(per_schedule[static_cast<std::size_t>(s.id.value)] == runs_between(s, from, to));
    }
}
