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
    CHECK(cron("0\t0  *   *\t*").minutes.count() == 1);
}

TEST_CASE("a field other than * is restricted, so both day fields combine with OR") {
    const auto plain = cron("0 0 * * *");
    CHECK_FALSE(plain.day_of_month_restricted);
    CHECK_FALSE(plain.day_of_week_restricted);
    CHECK_FALSE(plain.every_hour);
    CHECK(cron("0 * * * *").every_hour);
    const auto stepped = cron("0 0 */2 * 1");
    CHECK(stepped.day_of_month_restricted);  // croniter: "*/2" is a restriction
    CHECK(stepped.day_of_week_restricted);
    CHECK_FALSE(cron("0 */1 * * *").every_hour);
    using namespace std::chrono;
    const auto both = cron("0 12 1,15 * SUN");
    CHECK(both.matches_day(2025y / June / 1));   // the 1st, a Sunday
    CHECK(both.matches_day(2025y / June / 8));   // a Sunday
    CHECK(both.matches_day(2025y / June / 15));  // the 15th
    CHECK_FALSE(both.matches_day(2025y / June / 9));
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
