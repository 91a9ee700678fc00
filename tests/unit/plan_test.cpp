// SPDX-License-Identifier: BSL-1.0
// Schedules as code without a server: the "k6-schedules/1" document both ways, and plan_changes()
// as a table of current/desired pairs, one row per normalisation rule and per state.
#include <k6/schedules/plan.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace k6::schedules;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

Schedule current(std::int64_t id, std::int64_t load_test, CreateScheduleRequest request, bool deactivated = false,
                 std::optional<Timestamp> next_run = at("2031-01-01T00:00:00Z")) {
    return {ScheduleId{id}, LoadTestId{load_test}, request.starts, request.recurrence_rule, request.cron, deactivated,
            next_run, std::string("someone@example.com")};
}

CreateScheduleRequest cron_request(const char* starts, const char* expression, const char* zone) {
    return {at(starts), std::nullopt, ScheduleCron{expression, zone}};
}

CreateScheduleRequest rule_request(const char* starts, RecurrenceRule rule) { return {at(starts), rule, std::nullopt}; }

// Built member by member: GCC 12 at -O3 warns (maybe-uninitialized) on braced optionals here.
RecurrenceRule weekly(std::optional<std::int64_t> interval, std::optional<std::vector<Weekday>> days) {
    RecurrenceRule rule;
    rule.frequency = Frequency::weekly;
    rule.interval = interval;
    rule.byday = std::move(days);
    return rule;
}

RecurrenceRule daily(std::optional<std::int64_t> interval, std::optional<std::int64_t> count,
                     std::optional<Timestamp> until) {
    RecurrenceRule rule;
    rule.frequency = Frequency::daily;
    rule.interval = interval;
    rule.count = count;
    rule.until = until;
    return rule;
}

std::string actions(const Plan& plan) {
    std::string out;
    for (const Change& c : plan.changes) {
        if (!out.empty()) out += ' ';
        out += to_string(c.action);
        out += ':';
        out += to_string(c.load_test_id);
    }
    return out;
}

}  // namespace

TEST_CASE("plan_changes: every normalisation rule makes an unchanged schedule no change, and a real difference one") {
    using W = Weekday;
    struct Row {
        const char* rule;
        CreateScheduleRequest have;
        CreateScheduleRequest want;
        std::vector<std::string> fields;  // empty: the same schedule
    };
    const std::vector<Row> rows = {
        {"an instant written with +01:00 equals the same instant in Z",
         cron_request("2027-01-04T06:00:00Z", "0 7 * * 1", "UTC"),
         cron_request("2027-01-04T07:00:00+01:00", "0 7 * * 1", "UTC"),
         {}},
        {"a different instant is a change of starts", cron_request("2027-01-04T06:00:00Z", "0 7 * * 1", "UTC"),
         cron_request("2027-01-04T07:00:00Z", "0 7 * * 1", "UTC"), {"starts"}},
        {"an absent interval equals 1", rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{W::monday})),
         rule_request("2027-01-01T00:00:00Z", weekly(std::nullopt, std::vector{W::monday})), {}},
        {"interval 2 is not 1", rule_request("2027-01-01T00:00:00Z", weekly(1, std::nullopt)),
         rule_request("2027-01-01T00:00:00Z", weekly(2, std::nullopt)), {"recurrence_rule.interval"}},
        {"byday compares as a set: order and repeats do not matter",
         rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{W::monday, W::thursday})),
         rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{W::thursday, W::monday, W::monday})), {}},
        {"an empty byday equals an absent one", rule_request("2027-01-01T00:00:00Z", weekly(1, std::nullopt)),
         rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector<W>{})), {}},
        {"another day is a change of byday", rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{W::monday})),
         rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{W::tuesday})), {"recurrence_rule.byday"}},
        {"a cron alias equals what it stands for", cron_request("2027-01-01T00:00:00Z", "0 0 * * *", "UTC"),
         cron_request("2027-01-01T00:00:00Z", "@daily", "UTC"), {}},
        {"day names equal their numbers", cron_request("2027-01-01T00:00:00Z", "0 7 * * 1-5", "Europe/Berlin"),
         cron_request("2027-01-01T00:00:00Z", "0 7 * * MON-FRI", "Europe/Berlin"), {}},
        {"another hour is a change of cron.schedule", cron_request("2027-01-01T00:00:00Z", "0 7 * * *", "UTC"),
         cron_request("2027-01-01T00:00:00Z", "0 8 * * *", "UTC"), {"cron.schedule"}},
        {"another time zone is a change of cron.time_zone", cron_request("2027-01-01T00:00:00Z", "0 7 * * *", "UTC"),
         cron_request("2027-01-01T00:00:00Z", "0 7 * * *", "Europe/Berlin"), {"cron.time_zone"}},
        {"cron to a rule changes both, as wholes", cron_request("2027-01-01T00:00:00Z", "0 7 * * *", "UTC"),
         rule_request("2027-01-01T00:00:00Z", weekly(1, std::nullopt)), {"cron", "recurrence_rule"}},
        {"until compares as an instant",
         rule_request("2027-01-01T00:00:00Z", daily(1, std::nullopt, at("2027-02-01T00:00:00Z"))),
         rule_request("2027-01-01T00:00:00Z",
                      daily(std::nullopt, std::nullopt, at("2027-02-01T01:00:00+01:00"))),
         {}},
        {"count 3 is not count 4", rule_request("2027-01-01T00:00:00Z", daily(1, 3, std::nullopt)),
         rule_request("2027-01-01T00:00:00Z", daily(1, 4, std::nullopt)),
         {"recurrence_rule.count"}},
    };
    for (const Row& row : rows) {
        CAPTURE(row.rule);
        const std::vector<Schedule> have{current(5, 12, row.have)};
        const std::vector<DesiredSchedule> want{{LoadTestId{12}, row.want, false}};
        const Plan plan = plan_changes(want, have);
        if (row.fields.empty()) {
            CHECK(plan.empty());
            CHECK(plan.notes.empty());
            continue;
        }
        REQUIRE(plan.changes.size() == 1);
        const Change& change = plan.changes.front();
        CHECK(change.action == ChangeAction::update);
        CHECK(change.schedule_id == ScheduleId{5});
        REQUIRE(change.before.has_value());
        CHECK(change.before->request == row.have);
        REQUIRE(change.after.has_value());
        CHECK(change.after->request == row.want);
        std::vector<std::string> fields;
        for (const FieldChange& f : change.fields) fields.push_back(f.field);
        CHECK(fields == row.fields);
    }
}

TEST_CASE("plan_changes: the read-only fields id, next_run and created_by are never a change") {
    const auto request = cron_request("2027-01-01T00:00:00Z", "0 7 * * *", "UTC");
    Schedule a = current(5, 12, request);
    a.created_by.reset();
    a.next_run = at("2040-01-01T00:00:00Z");
    const std::vector<DesiredSchedule> want{{LoadTestId{12}, request, false}};
    CHECK(plan_changes(want, std::vector{a}).empty());
}

TEST_CASE("plan_changes: create, update, activate, deactivate, and delete only with prune") {
    const auto nightly = cron_request("2027-01-01T00:00:00Z", "0 2 * * *", "UTC");
    const auto weekly_rule = rule_request("2027-01-01T00:00:00Z", weekly(1, std::vector{Weekday::monday}));
    const std::vector<Schedule> have{
        current(1, 10, nightly),                 // kept as it is
        current(2, 11, nightly),                 // rule changes
        current(3, 12, nightly, true),           // to activate
        current(4, 13, nightly),                 // to deactivate
        current(5, 99, nightly),                 // not in the document
    };
    const std::vector<DesiredSchedule> want{
        {LoadTestId{14}, weekly_rule, true},   // new, deactivated
        {LoadTestId{10}, nightly, false},
        {LoadTestId{11}, weekly_rule, false},
        {LoadTestId{12}, nightly, false},
        {LoadTestId{13}, nightly, true},
    };
    const Plan kept = plan_changes(want, have);
    CHECK(actions(kept) == "update:11 activate:12 deactivate:13 create:14");
    CHECK(kept.unmanaged == 1);
    CHECK(kept.changes.back().note == "created, then deactivated");
    CHECK_FALSE(kept.changes.back().schedule_id.has_value());
    CHECK_FALSE(kept.changes.back().before.has_value());

    const Plan pruned = plan_changes(want, have, {.prune = true});
    CHECK(actions(pruned) == "update:11 activate:12 deactivate:13 create:14 delete:99");
    CHECK(pruned.unmanaged == 0);
    const Change& removal = pruned.changes.back();
    CHECK(removal.schedule_id == ScheduleId{5});
    CHECK_FALSE(removal.after.has_value());
    REQUIRE(removal.before.has_value());
    CHECK(removal.before->request == nightly);

    // An update of a schedule the document wants deactivated says it is deactivated afterwards.
    const std::vector<DesiredSchedule> off{{LoadTestId{11}, weekly_rule, true}};
    const Plan update = plan_changes(off, have);
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0].note == "set replaces schedule 2, then deactivated");
}

TEST_CASE("plan_changes: an expired schedule the document keeps is a note, never a change") {
    const auto once = CreateScheduleRequest{at("2020-01-01T00:00:00Z"), std::nullopt, std::nullopt};
    const std::vector<DesiredSchedule> active{{LoadTestId{12}, once, false}};
    const std::vector<DesiredSchedule> deactivated{{LoadTestId{12}, once, true}};
    const Schedule expired_active = current(5, 12, once, false, std::nullopt);
    const Schedule expired_deactivated = current(5, 12, once, true, std::nullopt);

    // Active and expired, and the document says the same.
    Plan plan = plan_changes(active, std::vector{expired_active});
    CHECK(plan.empty());
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].text == "expired: it will not run again");
    CHECK(plan.notes[0].schedule_id == ScheduleId{5});

    // Deactivated and expired, and the document wants it active: the service would refuse (409).
    plan = plan_changes(active, std::vector{expired_deactivated});
    CHECK(plan.empty());
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].text.find("refuses to activate it (409) unless its rule changes") != std::string::npos);

    // Active and expired, and the document wants it deactivated: nothing the service would do.
    plan = plan_changes(deactivated, std::vector{expired_active});
    CHECK(plan.empty());
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].text.starts_with("expired: it will not run again"));

    // Deactivated, expired, and the document agrees: nothing to say.
    plan = plan_changes(deactivated, std::vector{expired_deactivated});
    CHECK(plan.empty());
    CHECK(plan.notes.empty());

    // A new rule for an expired schedule is an update like any other.
    const std::vector<DesiredSchedule> renewed{
        {LoadTestId{12}, cron_request("2027-01-01T00:00:00Z", "0 2 * * *", "UTC"), false}};
    plan = plan_changes(renewed, std::vector{expired_deactivated});
    CHECK(actions(plan) == "update:12");
}

TEST_CASE("plan_changes: an empty document changes nothing without prune, and deletes everything with it") {
    const auto nightly = cron_request("2027-01-01T00:00:00Z", "0 2 * * *", "UTC");
    const std::vector<Schedule> have{current(1, 10, nightly), current(2, 11, nightly, true)};
    const Plan kept = plan_changes({}, have);
    CHECK(kept.empty());
    CHECK(kept.unmanaged == 2);
    CHECK(actions(plan_changes({}, have, {.prune = true})) == "delete:10 delete:11");
    CHECK(plan_changes({}, {}).empty());
}

TEST_CASE("plan_changes: a load test with two schedules keeps the newest and deletes the other") {
    const auto nightly = cron_request("2027-01-01T00:00:00Z", "0 2 * * *", "UTC");
    const std::vector<Schedule> have{current(9, 10, nightly), current(3, 10, nightly)};
    const std::vector<DesiredSchedule> want{{LoadTestId{10}, nightly, false}};
    const Plan plan = plan_changes(want, have);
    REQUIRE(plan.changes.size() == 1);
    CHECK(plan.changes[0].action == ChangeAction::remove);
    CHECK(plan.changes[0].schedule_id == ScheduleId{3});
}

TEST_CASE("schedule document: written sorted with every member explicit, read back equal, and planned as no change") {
    const std::vector<Schedule> have{
        current(7, 13, rule_request("2027-01-01T00:00:00Z", weekly(std::nullopt, std::vector{Weekday::monday})), true),
        current(5, 12, cron_request("2027-01-04T06:00:00Z", "0 7 * * MON-FRI", "Europe/Berlin")),
        current(6, 14, CreateScheduleRequest{at("2027-03-01T10:00:00Z"), std::nullopt, std::nullopt}),
    };
    const std::string text = write_schedule_document(have);
    CHECK(text ==
          "{\n  \"format\": \"k6-schedules/1\",\n  \"schedules\": [\n"
          "    {\"load_test_id\":12,\"starts\":\"2027-01-04T06:00:00Z\",\"cron\":{\"schedule\":\"0 7 * * "
          "MON-FRI\",\"time_zone\":\"Europe/Berlin\"},\"recurrence_rule\":null,\"deactivated\":false},\n"
          "    {\"load_test_id\":13,\"starts\":\"2027-01-01T00:00:00Z\",\"cron\":null,\"recurrence_rule\":{"
          "\"frequency\":\"WEEKLY\",\"interval\":1,\"byday\":[\"MO\"],\"count\":null,\"until\":null},\"deactivated\":"
          "true},\n"
          "    {\"load_test_id\":14,\"starts\":\"2027-03-01T10:00:00Z\",\"cron\":null,\"recurrence_rule\":null,"
          "\"deactivated\":false}\n  ]\n}\n");
    auto read = parse_schedule_document(text);
    REQUIRE_MESSAGE(read.has_value(), read.error().to_string());
    REQUIRE(read->size() == 3);
    CHECK((*read)[0].load_test_id == LoadTestId{12});
    CHECK((*read)[1].deactivated);
    CHECK(plan_changes(*read, have).empty());
    CHECK(write_schedule_document(std::vector<Schedule>{}) ==
          "{\n  \"format\": \"k6-schedules/1\",\n  \"schedules\": []\n}\n");
}

TEST_CASE("schedule document: the issue's example reads with its defaults filled in") {
    const auto read = parse_schedule_document(R"({
  "format": "k6-schedules/1",
  "schedules": [
    {"load_test_id": 12, "starts": "2027-01-04T07:00:00+01:00",
     "cron": {"schedule": "0 7 * * MON-FRI", "time_zone": "Europe/Berlin"}},
    {"load_test_id": 13, "starts": "2027-01-01T00:00:00Z",
     "recurrence_rule": {"frequency": "WEEKLY", "byday": ["MO", "TH"]}, "deactivated": true},
    {"load_test_id": 14, "starts": "2027-01-01T00:00:00Z", "cron": {"schedule": "@daily"}}
  ]
})");
    REQUIRE_MESSAGE(read.has_value(), read.error().to_string());
    REQUIRE(read->size() == 3);
    CHECK((*read)[0].request.starts == at("2027-01-04T06:00:00Z"));
    CHECK_FALSE((*read)[0].deactivated);
    CHECK((*read)[1].deactivated);
    CHECK((*read)[1].request.recurrence_rule->byday == std::vector{Weekday::monday, Weekday::thursday});
    CHECK((*read)[2].request.cron->time_zone == "UTC");  // absent: the service's default
}

TEST_CASE("schedule document: every error is refused with where it is, before anything could be sent") {
    struct Row {
        const char* what;
        std::string text;
        std::string message;  // a part of the error message
        std::string target;
    };
    const std::string head = R"({"format": "k6-schedules/1", "schedules": [)";
    const std::vector<Row> rows = {
        {"invalid JSON gives line and column", "{\n  \"format\": \"k6-schedules/1\",\n  \"schedules\": [,]\n}",
         "line 3, column 17: invalid JSON", ""},
        {"trailing text", R"({"format": "k6-schedules/1", "schedules": []} x)", "invalid JSON", ""},
        {"not an object", "[]", "expected an object", ""},
        {"unknown format", R"({"format": "k6-schedules/2", "schedules": []})", "\"k6-schedules/2\" is not supported",
         "format"},
        {"missing format", R"({"schedules": []})", "format: required field is missing", "format"},
        {"unknown top-level key", R"({"format": "k6-schedules/1", "schedules": [], "extra": 1})",
         "unknown key \"extra\"", ""},
        {"an unknown key names the entry and the key",
         head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z"},
                   {"load_test_id": 13, "starts": "2027-01-01T00:00:00Z", "cronn": {"schedule": "@daily"}}]})",
         "schedules[1] (load test 13): unknown key \"cronn\"", "schedules[1]"},
        {"an unknown key inside cron", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "cron": {"schedule": "@daily", "timezone": "UTC"}}]})",
         "schedules[0] (load test 12), cron: unknown key \"timezone\"", "schedules[0].cron"},
        {"an unknown key inside recurrence_rule", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "recurrence_rule": {"frequency": "DAILY", "bydays": ["MO"]}}]})",
         "unknown key \"bydays\"", "schedules[0].recurrence_rule"},
        {"a wrong type", head + R"({"load_test_id": "12", "starts": "2027-01-01T00:00:00Z"}]})",
         "expected an integer, got a string", "schedules[0].load_test_id"},
        {"a naive starts", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00"}]})",
         "expected an RFC 3339 date-time", "schedules[0].starts"},
        {"a load test id that is not positive", head + R"({"load_test_id": 0, "starts": "2027-01-01T00:00:00Z"}]})",
         "expected a positive load test id", "schedules[0].load_test_id"},
        {"a duplicate load test", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z"},
                   {"load_test_id": 12, "starts": "2027-02-01T00:00:00Z"}]})",
         "load test 12 already has a schedule in schedules[0]", "schedules[1].load_test_id"},
        {"an invalid cron expression", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "cron": {"schedule": "0 25 * * *"}}]})",
         "schedules[0] (load test 12): cron.schedule", "schedules[0].cron.schedule"},
        {"an unknown time zone", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "cron": {"schedule": "@daily", "time_zone": "Mars/Olympus"}}]})",
         "Mars/Olympus", "schedules[0].cron.time_zone"},
        {"both cron and a rule", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "cron": {"schedule": "@daily"}, "recurrence_rule": {"frequency": "DAILY"}}]})",
         "only one of cron and recurrence_rule", "schedules[0]"},
        {"byday with DAILY", head + R"({"load_test_id": 12, "starts": "2027-01-01T00:00:00Z",
                   "recurrence_rule": {"frequency": "DAILY", "byday": ["MO"]}}]})",
         "byday can only be set with frequency WEEKLY", "schedules[0].recurrence_rule.byday"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.what);
        const auto read = parse_schedule_document(row.text);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().kind == ErrorKind::invalid_argument);
        CHECK(read.error().message.starts_with("schedule document: "));
        CHECK_MESSAGE(read.error().message.find(row.message) != std::string::npos, read.error().message);
        CHECK(read.error().target.value_or("") == row.target);
    }
}

TEST_CASE("plan_changes: 10,000 schedules written another way plan as no change, and 10,000 new hours as 10,000 updates") {
    std::vector<Schedule> have;
    std::vector<DesiredSchedule> same, changed;
    for (std::int64_t i = 1; i <= 10'000; ++i) {
        const auto request = cron_request("2027-01-01T00:00:00Z", "0 7 * * MON-FRI", "Europe/Berlin");
        have.push_back(current(i, i, request));
        same.push_back({LoadTestId{i}, cron_request("2027-01-01T01:00:00+01:00", "0 7 * * 1-5", "Europe/Berlin"), false});
        changed.push_back({LoadTestId{i}, cron_request("2027-01-01T00:00:00Z", "0 8 * * 1-5", "Europe/Berlin"), false});
    }
    CHECK(plan_changes(same, have).empty());
    CHECK(plan_changes(changed, have).changes.size() == 10'000);
}
