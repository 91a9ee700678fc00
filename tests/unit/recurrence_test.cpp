// SPDX-License-Identifier: BSL-1.0
// The recurrence engine (k6/schedules/recurrence.hpp): rules, cron, leap years, DST in several
// zones, and schedules that never or hardly ever run.
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

using namespace k6::schedules;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

std::vector<Timestamp> at_all(std::initializer_list<const char*> texts) {
    std::vector<Timestamp> out;
    for (const char* t : texts) out.push_back(at(t));
    return out;
}

CreateScheduleRequest cron(const char* schedule, const char* zone, const char* starts = "2020-01-01T00:00:00Z") {
    return {at(starts), std::nullopt, ScheduleCron{schedule, zone}};
}

CreateScheduleRequest rule(const char* starts, RecurrenceRule r) { return {at(starts), std::move(r), std::nullopt}; }

std::vector<Timestamp> runs(const CreateScheduleRequest& request, const char* after, std::size_t n) {
    auto result = next_runs(request, at(after), n);
    REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().to_string()));
    return *result;
}

}  // namespace

TEST_CASE("a schedule without a rule runs once, at starts") {
    const CreateScheduleRequest once{at("2028-08-01T12:00:00.250Z"), std::nullopt, std::nullopt};
    CHECK(runs(once, "2024-01-01T00:00:00Z", 5) == at_all({"2028-08-01T12:00:00.250Z"}));
    CHECK(runs(once, "2028-08-01T12:00:00.249Z", 5).size() == 1);
    CHECK(runs(once, "2028-08-01T12:00:00.250Z", 5).empty());  // strictly after
    CHECK(next_run(once, at("2030-01-01T00:00:00Z")).value() == std::nullopt);
}

TEST_CASE("every alias runs when its expansion says") {
    const char* after = "2025-06-15T10:20:00Z";
    CHECK(runs(cron("@hourly", "UTC"), after, 2) == at_all({"2025-06-15T11:00:00Z", "2025-06-15T12:00:00Z"}));
    CHECK(runs(cron("@daily", "UTC"), after, 2) == at_all({"2025-06-16T00:00:00Z", "2025-06-17T00:00:00Z"}));
    CHECK(runs(cron("@weekly", "UTC"), after, 2) == at_all({"2025-06-22T00:00:00Z", "2025-06-29T00:00:00Z"}));
    CHECK(runs(cron("@monthly", "UTC"), after, 2) == at_all({"2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z"}));
    CHECK(runs(cron("@yearly", "UTC"), after, 2) == at_all({"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"}));
    CHECK(runs(cron("@annually", "UTC"), after, 2) == runs(cron("@yearly", "UTC"), after, 2));
}

TEST_CASE("cron: starts is a lower bound, inclusive, and runs are strictly after `after`") {
    CHECK(runs(cron("*/15 * * * *", "UTC", "2030-01-01T00:15:00Z"), "2025-01-01T00:00:00Z", 2) ==
          at_all({"2030-01-01T00:15:00Z", "2030-01-01T00:30:00Z"}));
    CHECK(runs(cron("*/15 * * * *", "UTC"), "2025-03-03T10:15:00Z", 1) == at_all({"2025-03-03T10:30:00Z"}));
    CHECK(runs(cron("*/15 * * * *", "UTC"), "2025-03-03T10:14:59.999Z", 1) == at_all({"2025-03-03T10:15:00Z"}));
}

TEST_CASE("leap years: daily, monthly clamp, yearly from Feb 29, and cron on Feb 29") {
    CHECK(runs(rule("2024-02-28T06:00:00Z", {Frequency::daily, {}, {}, {}, {}}), "2024-02-28T06:00:00Z", 2) ==
          at_all({"2024-02-29T06:00:00Z", "2024-03-01T06:00:00Z"}));
    // MONTHLY from the 31st clamps to the last day and comes back: no drift.
    CHECK(runs(rule("2024-01-31T09:00:00Z", {Frequency::monthly, {}, {}, {}, {}}), "2024-01-31T09:00:00Z", 5) ==
          at_all({"2024-02-29T09:00:00Z", "2024-03-31T09:00:00Z", "2024-04-30T09:00:00Z", "2024-05-31T09:00:00Z",
                  "2024-06-30T09:00:00Z"}));
    CHECK(runs(rule("2025-01-29T00:00:00Z", {Frequency::monthly, 1, {}, {}, {}}), "2025-01-29T00:00:00Z", 2) ==
          at_all({"2025-02-28T00:00:00Z", "2025-03-29T00:00:00Z"}));
    // MONTHLY every 12 months from Feb 29 is clamped too (the documented rule is about months).
    CHECK(runs(rule("2024-02-29T00:00:00Z", {Frequency::monthly, 12, {}, {}, {}}), "2024-02-29T00:00:00Z", 2) ==
          at_all({"2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z"}));
    // YEARLY from Feb 29 runs in leap years only, and 2100 is not one.
    CHECK(runs(rule("2096-02-29T12:00:00Z", {Frequency::yearly, {}, {}, {}, {}}), "2096-02-29T12:00:00Z", 2) ==
          at_all({"2104-02-29T12:00:00Z", "2108-02-29T12:00:00Z"}));
    // ...and the years skipped do not count toward count.
    CHECK(runs(rule("2024-02-29T00:00:00Z", {Frequency::yearly, {}, {}, 3, {}}), "2020-01-01T00:00:00Z", 10) ==
          at_all({"2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
    CHECK(runs(cron("0 0 29 2 *", "UTC"), "2096-03-01T00:00:00Z", 2) ==
          at_all({"2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z"}));
}

TEST_CASE("rules: count from starts, until inclusive, fractions kept, byday weeks from Monday") {
    const auto every_two_hours = rule("2024-07-16T08:46:04.021Z", {Frequency::hourly, 2, {}, 3, {}});
    CHECK(runs(every_two_hours, "2024-07-16T09:00:00Z", 10) ==
          at_all({"2024-07-16T10:46:04.021Z", "2024-07-16T12:46:04.021Z"}));
    const auto until = rule("2025-01-01T09:30:00Z", {Frequency::daily, {}, {}, {}, at("2025-01-03T09:30:00Z")});
    CHECK(runs(until, "2025-01-01T00:00:00Z", 10) ==
          at_all({"2025-01-01T09:30:00Z", "2025-01-02T09:30:00Z", "2025-01-03T09:30:00Z"}));
    // Starts on a Tuesday, byday SA,SU: the Tuesday is not a run and not counted.
    const auto weekends = rule("2024-07-16T08:46:04.021Z",
                               {Frequency::weekly, {}, std::vector{Weekday::sunday, Weekday::saturday}, 3, {}});
    CHECK(runs(weekends, "2024-07-01T00:00:00Z", 10) ==
          at_all({"2024-07-20T08:46:04.021Z", "2024-07-21T08:46:04.021Z", "2024-07-27T08:46:04.021Z"}));
    // Every other week on Monday and Friday, started on a Wednesday.
    const auto biweekly =
        rule("2025-01-08T07:00:00Z", {Frequency::weekly, 2, std::vector{Weekday::monday, Weekday::friday}, {}, {}});
    CHECK(runs(biweekly, "2025-01-01T00:00:00Z", 4) ==
          at_all({"2025-01-10T07:00:00Z", "2025-01-20T07:00:00Z", "2025-01-24T07:00:00Z", "2025-02-03T07:00:00Z"}));
    // Jumping far ahead gives the same runs as walking there.
    auto walked = runs(biweekly, "2025-01-01T00:00:00Z", 600);
    CHECK(runs(biweekly, "2030-06-01T00:00:00Z", 3) ==
          std::vector<Timestamp>(std::upper_bound(walked.begin(), walked.end(), at("2030-06-01T00:00:00Z")),
                                 std::upper_bound(walked.begin(), walked.end(), at("2030-06-01T00:00:00Z")) + 3));
}

TEST_CASE("DST in America/New_York: a skipped time runs at the gap's end, a repeated one twice") {
    CHECK(runs(cron("30 2 * * *", "America/New_York"), "2024-03-09T12:00:00Z", 3) ==
          at_all({"2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z", "2024-03-12T06:30:00Z"}));
    CHECK(runs(cron("30 1 * * *", "America/New_York"), "2024-11-02T12:00:00Z", 3) ==
          at_all({"2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z", "2024-11-04T06:30:00Z"}));
    // With the hour field "*", skipped times are skipped: no run for 02:30 on the change day.
    CHECK(runs(cron("30 * * * *", "America/New_York"), "2024-03-10T06:00:00Z", 3) ==
          at_all({"2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z", "2024-03-10T08:30:00Z"}));
}

TEST_CASE("DST: an hour field covering every hour (*/1, 0-23) skips nonexistent times as * does, like croniter") {
    for (const std::string schedule : {"30 */1 * * *", "30 0-23 * * *", "30 0-1,2-23 * * *"}) {
        CAPTURE(schedule);
        CHECK(runs(cron(schedule.c_str(), "America/New_York"), "2024-03-10T06:00:00Z", 3) ==
              at_all({"2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z", "2024-03-10T08:30:00Z"}));
    }
    // Leaving out one hour keeps the rule for fixed hours: 02:30 runs once, at 03:00 EDT.
    CHECK(runs(cron("30 0-22 * * *", "America/New_York"), "2024-03-10T06:00:00Z", 3) ==
          at_all({"2024-03-10T06:30:00Z", "2024-03-10T07:00:00Z", "2024-03-10T07:30:00Z"}));
}

TEST_CASE("DST in Europe/Berlin and Europe/London") {
    CHECK(runs(cron("30 2 * * *", "Europe/Berlin"), "2024-03-30T12:00:00Z", 2) ==
          at_all({"2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"}));
    CHECK(runs(cron("30 2 * * *", "Europe/Berlin"), "2024-10-26T12:00:00Z", 3) ==
          at_all({"2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z", "2024-10-28T01:30:00Z"}));
    CHECK(runs(cron("0 9 1 * *", "Europe/London"), "2024-02-15T00:00:00Z", 3) ==
          at_all({"2024-03-01T09:00:00Z", "2024-04-01T08:00:00Z", "2024-05-01T08:00:00Z"}));
}

TEST_CASE("DST in the southern hemisphere and in half-hour steps") {
    // Australia/Sydney: DST from the first Sunday of October to the first Sunday of April.
    CHECK(runs(cron("0 12 * * *", "Australia/Sydney"), "2024-04-05T00:00:00Z", 3) ==
          at_all({"2024-04-05T01:00:00Z", "2024-04-06T01:00:00Z", "2024-04-07T02:00:00Z"}));
    // Lord Howe moves by 30 minutes at 02:00: 02:15 does not exist and runs at 02:30 (+11).
    CHECK(runs(cron("15 2 * * *", "Australia/Lord_Howe"), "2024-10-05T00:00:00Z", 2) ==
          at_all({"2024-10-05T15:30:00Z", "2024-10-06T15:15:00Z"}));
    // Asia/Kolkata has no DST and a half-hour offset.
    CHECK(runs(cron("@daily", "Asia/Kolkata"), "2024-12-30T00:00:00Z", 2) ==
          at_all({"2024-12-30T18:30:00Z", "2024-12-31T18:30:00Z"}));
}

TEST_CASE("DST rules keep applying after 2037, where the zone files stop listing transitions") {
    CHECK(runs(cron("0 9 * * *", "America/New_York"), "2050-07-01T00:00:00Z", 1) == at_all({"2050-07-01T13:00:00Z"}));
    CHECK(runs(cron("0 9 * * *", "America/New_York"), "2050-12-01T00:00:00Z", 1) == at_all({"2050-12-01T14:00:00Z"}));
    CHECK(runs(cron("30 1 * * *", "America/New_York"), "2050-11-05T12:00:00Z", 2) ==
          at_all({"2050-11-06T05:30:00Z", "2050-11-06T06:30:00Z"}));
    CHECK(runs(cron("0 12 * * *", "Australia/Sydney"), "2060-01-10T00:00:00Z", 1) == at_all({"2060-01-10T01:00:00Z"}));
}

TEST_CASE("schedules that never match, or end, return promptly instead of looping") {
    for (const char* never : {"0 0 30 2 *", "0 0 31 2,4,6,9,11 *", "0 0 31 APR *", "0 0 30,31 FEB *"}) {
        CAPTURE(never);
        CHECK(runs(cron(never, "UTC"), "2025-01-01T00:00:00Z", 10).empty());
        CHECK(runs(cron(never, "America/New_York"), "2025-01-01T00:00:00Z", 10).empty());
    }
    // Runs stop at the end of year 9999, which RFC 3339 can still write.
    CHECK(runs(cron("@yearly", "UTC"), "9998-06-01T00:00:00Z", 10) == at_all({"9999-01-01T00:00:00Z"}));
    CHECK(runs(rule("9999-12-31T00:00:00Z", {Frequency::hourly, {}, {}, {}, {}}), "9999-12-31T22:30:00Z", 10) ==
          at_all({"9999-12-31T23:00:00Z"}));
    // Huge intervals and counts neither overflow nor loop.
    constexpr auto huge = std::numeric_limits<std::int64_t>::max();
    for (Frequency f :
         {Frequency::hourly, Frequency::daily, Frequency::weekly, Frequency::monthly, Frequency::yearly}) {
        CAPTURE(to_string(f));
        const auto r = rule("2025-01-01T00:00:00Z", {f, huge, {}, huge, {}});
        CHECK(runs(r, "2024-01-01T00:00:00Z", 5) == at_all({"2025-01-01T00:00:00Z"}));
        CHECK(runs(r, "2025-01-01T00:00:00Z", 5).empty());
    }
    CHECK(runs(rule("2025-01-01T00:00:00Z",
                    {Frequency::weekly, huge, std::vector{Weekday::wednesday, Weekday::sunday}, {}, {}}),
               "2024-01-01T00:00:00Z", 5) == at_all({"2025-01-01T00:00:00Z", "2025-01-05T00:00:00Z"}));
    CHECK(runs(rule("2020-01-01T00:00:00Z", {Frequency::daily, {}, {}, {}, at("2019-01-01T00:00:00Z")}),
               "2000-01-01T00:00:00Z", 5)
              .empty());
}

TEST_CASE("a thousand runs come out in strictly increasing order for every kind of schedule") {
    const CreateScheduleRequest schedules[] = {
        cron("* * * * *", "UTC"),
        cron("*/7 1-5 * * MON-FRI", "America/New_York"),
        cron("15 2 * * *", "Australia/Lord_Howe"),
        cron("0 0 29 2 *", "Europe/Berlin"),
        rule("2024-01-31T10:00:00.5Z", {Frequency::monthly, 1, {}, {}, {}}),
        rule("2024-02-29T10:00:00Z", {Frequency::yearly, 1, {}, {}, {}}),
        rule("2025-01-07T14:00:00Z", {Frequency::weekly, 3, std::vector{Weekday::monday, Weekday::sunday}, {}, {}}),
        rule("2025-01-07T14:00:00Z", {Frequency::hourly, 5, {}, 700, {}}),
    };
    for (const auto& s : schedules) {
        const auto list = runs(s, "2025-01-01T00:00:00Z", 1000);
        CHECK(list.size() >= 700);
        for (std::size_t i = 1; i < list.size(); ++i) REQUIRE(list[i - 1] < list[i]);
        // Asking again from any run continues exactly where the list goes on.
        if (list.size() > 500) CHECK(runs(s, format_rfc3339(list[499]).c_str(), 1).front() == list[500]);
    }
}

TEST_CASE("validate: a known IANA zone is required, names are case-sensitive") {
    CHECK(validate(cron("0 7 * * 1", "Europe/Berlin")).has_value());
    CHECK(validate(cron("0 7 * * 1", "Etc/UTC")).has_value());
    for (const char* bad : {"Mars/Olympus_Mons", "utc", "Europe/berlin", "../../etc/passwd", "UTC "}) {
        CAPTURE(bad);
        auto valid = validate(cron("0 7 * * 1", bad));
        REQUIRE_FALSE(valid.has_value());
        CHECK(valid.error().target == "cron.time_zone");
        CHECK(valid.error().kind == ErrorKind::invalid_argument);
    }
    CHECK(validate(cron("0 7 * * 1 *", "Mars/Olympus_Mons")).error().target == "cron.schedule");
    CHECK(next_runs(cron("0 7 * * 1", "Nowhere/Land"), at("2025-01-01T00:00:00Z"), 1).error().target ==
          "cron.time_zone");
}

TEST_CASE("format_rfc3339 on a zone's wall clock reads back as the same instant, offset seconds and range ends too") {
    using namespace std::chrono_literals;
    const auto zone = [](const char* name) { return TimeZone::locate(name).value(); };
    // Africa/Monrovia was 44 minutes 30 seconds behind UTC until 1972; RFC 3339 writes minutes only.
    const Timestamp in_1971 = at("1971-06-01T12:00:00Z");
    REQUIRE(zone("Africa/Monrovia").utc_offset(in_1971) == -(44min + 30s));
    CHECK(format_rfc3339(in_1971, zone("Africa/Monrovia")) == "1971-06-01T11:16:00.000-00:44");
    CHECK(parse_rfc3339(format_rfc3339(in_1971, zone("Africa/Monrovia"))).value() == in_1971);
    // A wall time past 9999 or before 0000 cannot be written: the UTC form says the same instant.
    const Timestamp last_half_hour = at("9999-12-31T23:30:00Z");
    CHECK(format_rfc3339(last_half_hour, zone("Europe/Berlin")) == "9999-12-31T23:30:00.000Z");
    CHECK(format_rfc3339(at("9999-12-31T22:30:00Z"), zone("Europe/Berlin")) == "9999-12-31T23:30:00.000+01:00");
    const Timestamp year_zero = at("0000-01-01T00:00:00Z");
    REQUIRE(zone("America/New_York").utc_offset(year_zero) < 0s);
    CHECK(format_rfc3339(year_zero, zone("America/New_York")) == "0000-01-01T00:00:00.000Z");
    CHECK(format_rfc3339(at("2026-12-01T06:00:00Z"), zone("Europe/Berlin")) == "2026-12-01T07:00:00.000+01:00");
    CHECK(format_rfc3339(at("2026-12-01T06:00:00Z"), zone("UTC")) == "2026-12-01T06:00:00.000Z");
    for (const char* name : {"Africa/Monrovia", "America/New_York", "America/St_Johns", "Asia/Kolkata",
                             "Pacific/Kiritimati", "Europe/Berlin", "Asia/Kathmandu"}) {
        for (const char* text : {"0000-01-01T00:00:00Z", "0000-01-01T12:00:00.001Z", "1850-03-04T05:06:07.008Z",
                                 "1971-12-31T23:59:59.999Z", "2025-03-30T01:30:00Z", "9999-12-31T12:00:00Z",
                                 "9999-12-31T23:59:59.999Z"}) {
            CAPTURE(name);
            CAPTURE(text);
            CHECK(parse_rfc3339(format_rfc3339(at(text), zone(name))).value() == at(text));
        }
    }
}

TEST_CASE("Recurrence compiles a Schedule from the API as well") {
    Schedule s;
    s.starts = at("2024-07-16T08:46:04.021Z");
    s.recurrence_rule = RecurrenceRule{Frequency::hourly, 2, {}, {}, {}};
    auto compiled = Recurrence::compile(s);
    REQUIRE(compiled.has_value());
    CHECK(compiled->next_run(at("2024-07-20T00:00:00Z")) == at("2024-07-20T00:46:04.021Z"));
    CHECK(next_run(s, at("2024-07-20T00:00:00Z")).value() == at("2024-07-20T00:46:04.021Z"));
    CHECK(compiled->next_runs(at("2024-07-20T00:00:00Z"), 0).empty());
}
