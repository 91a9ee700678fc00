// SPDX-License-Identifier: BSL-1.0
// Cron parsing (k6/schedules/cron.hpp) and the checks that need no time-zone database
// (k6/schedules/validation.hpp).
#include <k6/schedules.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace k6::schedules;

namespace {

CronExpression cron(const char* text) {
    auto parsed = parse_cron(text);
    REQUIRE_MESSAGE(parsed.has_value(), text << ": " << (parsed ? "" : parsed.error()));
    return *parsed;
}

bool same(const CronExpression& a, const CronExpression& b) {
    return a.minutes == b.minutes && a.hours == b.hours && a.days_of_month == b.days_of_month && a.months == b.months &&
           a.days_of_week == b.days_of_week && a.day_of_month_restricted == b.day_of_month_restricted &&
           a.day_of_week_restricted == b.day_of_week_restricted && a.every_hour == b.every_hour;
}

CreateScheduleRequest with_cron(std::string schedule, std::string zone = "UTC") {
    CreateScheduleRequest r;
    r.starts = parse_rfc3339("2025-01-01T00:00:00Z").value();
    r.cron = ScheduleCron{std::move(schedule), std::move(zone)};
    return r;
}

CreateScheduleRequest with_rule(RecurrenceRule rule) {
    CreateScheduleRequest r;
    r.starts = parse_rfc3339("2025-01-01T00:00:00Z").value();
    r.recurrence_rule = std::move(rule);
    return r;
}

}  // namespace

TEST_CASE("each of the six aliases means its five fields, in any letter case") {
    CHECK(same(cron("@yearly"), cron("0 0 1 1 *")));
    CHECK(same(cron("@annually"), cron("0 0 1 1 *")));
    CHECK(same(cron("@monthly"), cron("0 0 1 * *")));
    CHECK(same(cron("@weekly"), cron("0 0 * * 0")));
    CHECK(same(cron("@daily"), cron("0 0 * * *")));
    CHECK(same(cron("@hourly"), cron("0 * * * *")));
    CHECK(same(cron("@DAILY"), cron("@daily")));
    CHECK(same(cron("  @Hourly  "), cron("@hourly")));
    for (const char* other : {"@midnight", "@reboot", "@every 5m", "@every", "@", "@dailyx"}) {
        CAPTURE(other);
        CHECK_FALSE(parse_cron(other).has_value());
    }
    CHECK(parse_cron("@midnight").error().find("unknown alias") != std::string::npos);
}

TEST_CASE("fields: lists, ranges, steps, names, and Sunday as 0 or 7") {
    const auto c = cron("5/15 0,12 1-10/3 JAN-mar mon-FRI");
    CHECK(c.minutes.count() == 4);
    CHECK((c.minutes[5] && c.minutes[20] && c.minutes[35] && c.minutes[50]));
    CHECK(c.hours.count() == 2);
    CHECK((c.hours[0] && c.hours[12]));
    CHECK(c.days_of_month.count() == 4);
    CHECK((c.days_of_month[1] && c.days_of_month[4] && c.days_of_month[7] && c.days_of_month[10]));
    CHECK(c.months.count() == 3);
    CHECK((c.months[1] && c.months[2] && c.months[3]));
    CHECK(c.days_of_week.count() == 5);
    CHECK_FALSE(c.days_of_week[0]);
    CHECK_FALSE(c.days_of_week[6]);

    CHECK(same(cron("0 0 * * 7"), cron("0 0 * * 0")));
    CHECK(same(cron("0 0 * * SUN"), cron("0 0 * * 0")));
    CHECK(cron("0 0 * * 5-7").days_of_week.count() == 3);
    CHECK(cron("0 0 * * 0-7").days_of_week.count() == 7);
    CHECK(cron("*/15 * * * *").minutes.count() == 4);
    CHECK(cron("0 */6 * * *").hours.count() == 4);
    // "N/STEP" runs from N to the maximum, with a step of 1 too (croniter reads "5/1" as "5-31/1").
    CHECK(cron("0 0 5/1 * *").days_of_month.count() == 27);
    CHECK(cron("0 0 * * 5/1").days_of_week.count() == 3);  // Friday, Saturday and 7 = Sunday
    CHECK(same(cron("0 0 1/1 * *"), cron("0 0 * * *")));
    CHECK(cron("0\t0  *   *\t*").minutes.count() == 1);
}

TEST_CASE("a field written * is unrestricted, and two restricted day fields combine with OR") {
    const auto plain = cron("0 0 * * *");
    CHECK_FALSE(plain.day_of_month_restricted);
    CHECK_FALSE(plain.day_of_week_restricted);
    CHECK_FALSE(plain.every_hour);
    CHECK(cron("0 * * * *").every_hour);
    using namespace std::chrono;
    const auto both = cron("0 12 1,15 * SUN");
    CHECK(both.day_of_month_restricted);
    CHECK(both.day_of_week_restricted);
    CHECK(both.matches_day(2025y / June / 1));   // the 1st, a Sunday
    CHECK(both.matches_day(2025y / June / 8));   // a Sunday
    CHECK(both.matches_day(2025y / June / 15));  // the 15th
    CHECK_FALSE(both.matches_day(2025y / June / 9));
}

TEST_CASE("a day field whose values cover the whole range is unrestricted, as croniter reads it") {
    // Day-of-month 1-31 in any spelling: only the day-of-week counts.
    for (const std::string text :
         {"0 0 */1 * MON", "0 0 1-31 * MON", "0 0 1/1 * MON", "0 0 1-15,16-31 * MON", "0 0 *,5 * MON"}) {
        CAPTURE(text);
        const auto c = cron(text.c_str());
        CHECK_FALSE(c.day_of_month_restricted);
        CHECK(c.day_of_week_restricted);
    }
    // Day-of-week Sunday to Saturday in any spelling, 7 being Sunday too: only the day-of-month counts.
    for (const std::string text : {"0 0 13 * */1", "0 0 13 * 0-7", "0 0 13 * 0-6", "0 0 13 * 1-7", "0 0 13 * SUN-SAT",
                                   "0 0 13 * 7,1-6", "0 0 13 * 0/1", "0 0 13 * *,MON"}) {
        CAPTURE(text);
        const auto c = cron(text.c_str());
        CHECK(c.day_of_month_restricted);
        CHECK_FALSE(c.day_of_week_restricted);
    }
    using namespace std::chrono;
    const auto mondays = cron("0 0 */1 * MON");  // Mondays only, not every day
    CHECK(mondays.matches_day(2025y / June / 2));
    CHECK_FALSE(mondays.matches_day(2025y / June / 3));
    const auto thirteenth = cron("0 0 13 * */1");  // the 13th only, not every day
    CHECK(thirteenth.matches_day(2025y / June / 13));
    CHECK_FALSE(thirteenth.matches_day(2025y / June / 16));
    const auto odd_days = cron("0 0 */2 * 0-7");  // odd days only
    CHECK(odd_days.matches_day(2025y / June / 3));
    CHECK_FALSE(odd_days.matches_day(2025y / June / 4));
    CHECK(same(cron("0 0 */1 * */1"), cron("0 0 * * *")));
    CHECK(same(cron("0 0 1-31 * 0-7"), cron("0 0 * * *")));
}

TEST_CASE("a day field that leaves out any value stays restricted, as croniter reads it") {
    for (const std::string text : {"0 0 */2 * 1", "0 0 1-30 * 1-6", "0 0 2-31 * */2", "0 0 */2 * 1-6"}) {
        CAPTURE(text);
        const auto c = cron(text.c_str());
        CHECK(c.day_of_month_restricted);
        CHECK(c.day_of_week_restricted);
    }
    using namespace std::chrono;
    const auto stepped = cron("0 0 */2 * 1");  // odd days or Mondays
    CHECK(stepped.matches_day(2025y / June / 3));
    CHECK(stepped.matches_day(2025y / June / 16));
    CHECK_FALSE(stepped.matches_day(2025y / June / 4));
}

TEST_CASE("an hour field whose values cover every hour counts as * for DST gaps, as croniter reads it") {
    for (const std::string text :
         {"0 */1 * * *", "0 0-23 * * *", "30 0-11,12-23 * * *", "0 *,5 * * *", "0 0/1 * * *"}) {
        CAPTURE(text);
        CHECK(cron(text.c_str()).every_hour);
    }
    for (const std::string text : {"0 */2 * * *", "0 1-23 * * *", "0 0-22 * * *", "0 5 * * *"}) {
        CAPTURE(text);
        CHECK_FALSE(cron(text.c_str()).every_hour);
    }
}

TEST_CASE("parser errors say which field is wrong and why") {
    struct Case {
        const char* text;
        const char* says;
    };
    const Case cases[] = {
        {"", "got 0"},
        {"0 0 * *", "got 4"},
        {"0 0 * * * *", "got 6"},
        {"0 0 * * * * *", "got 7"},
        {"60 * * * *", "minute: 60 is out of range 0-59"},
        {"* 24 * * *", "hour: 24 is out of range 0-23"},
        {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
        {"* * 32 * *", "day-of-month: 32 is out of range 1-31"},
        {"* * * 13 *", "month: 13 is out of range 1-12"},
        {"* * * 0 *", "month: 0 is out of range 1-12"},
        {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
        {"0 0 * * FOO", "day-of-week: unknown value \"FOO\""},
        {"0 0 * JANUARY *", "month: unknown value \"JANUARY\""},
        {"0 0 * * MON-FOO", "unknown value \"FOO\""},
        {"*/0 * * * *", "step \"0\" must be a number of at least 1"},
        {"*/ * * * *", "step \"\" must be a number of at least 1"},
        {"*/x * * * *", "step \"x\""},
        {"30-10 * * * *", "range \"30-10\" runs backwards"},
        {"1- * * * *", "a value is missing"},
        {"-5 * * * *", "a value is missing"},
        {"1,,2 * * * *", "a value is missing"},
        {"? * * * *", "unknown value \"?\""},
        {"L * * * *", "unknown value \"L\""},
        {"99999999999 * * * *", "is not a number"},
        {"0 0 * * MON#2", "unknown value"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        auto parsed = parse_cron(c.text);
        REQUIRE_FALSE(parsed.has_value());
        CHECK_MESSAGE(parsed.error().find(c.says) != std::string::npos, parsed.error());
    }
}

TEST_CASE("validate_structure names the field, as the service does") {
    struct Case {
        CreateScheduleRequest request;
        const char* target;
    };
    CreateScheduleRequest both = with_cron("0 0 * * *");
    both.recurrence_rule = RecurrenceRule{Frequency::daily, {}, {}, {}, {}};
    const Case cases[] = {
        {both, ""},
        {with_cron("0 0 * * * *"), "cron.schedule"},
        {with_cron("@every 5m"), "cron.schedule"},
        {with_cron(std::string(257, '*')), "cron.schedule"},
        {with_cron("0 0 * * *", ""), "cron.time_zone"},
        {with_cron("0 0 * * *", std::string(129, 'A')), "cron.time_zone"},
        {with_rule({Frequency::daily, 0, {}, {}, {}}), "recurrence_rule.interval"},
        {with_rule({Frequency::daily, -3, {}, {}, {}}), "recurrence_rule.interval"},
        {with_rule({Frequency::daily, {}, {}, 0, {}}), "recurrence_rule.count"},
        {with_rule({Frequency::daily, {}, std::vector{Weekday::monday}, {}, {}}), "recurrence_rule.byday"},
        {with_rule({Frequency::monthly, {}, std::vector{Weekday::friday}, {}, {}}), "recurrence_rule.byday"},
        {with_rule({Frequency::hourly, {}, std::vector{Weekday::friday}, {}, {}}), "recurrence_rule.byday"},
        {with_rule({Frequency::yearly, {}, std::vector{Weekday::friday}, {}, {}}), "recurrence_rule.byday"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.target);
        auto valid = validate_structure(c.request);
        REQUIRE_FALSE(valid.has_value());
        CHECK(valid.error().kind == ErrorKind::invalid_argument);
        CHECK(valid.error().target == c.target);
        CHECK_FALSE(valid.error().message.empty());
    }
    CreateScheduleRequest far;
    far.starts = Timestamp{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1}};
    CHECK(validate_structure(far).error().target == "starts");

    CHECK(validate_structure(with_cron("0 7 * * 1", "Europe/Berlin")).has_value());
    CHECK(validate_structure(with_rule({Frequency::weekly, 2, std::vector{Weekday::saturday}, 10, {}})).has_value());
    CHECK(validate_structure(with_rule({Frequency::daily, {}, std::vector<Weekday>{}, {}, {}})).has_value());
    CreateScheduleRequest once;
    once.starts = parse_rfc3339("2028-08-01T12:00:00Z").value();
    CHECK(validate_structure(once).has_value());
}
