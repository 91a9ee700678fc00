// SPDX-License-Identifier: BSL-1.0
// Models <-> JSON (k6/schedules/json.hpp, model.hpp) against every example of the API description.
#include <k6/schedules.hpp>

#include "support/test_data.hpp"

#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>

using namespace k6::schedules;
using namespace std::chrono;
namespace json = boost::json;

namespace {

Timestamp at(const char* text) { return parse_rfc3339(text).value(); }

const json::value& schedule_example(const char* name) { return k6::test::spec_examples().at("schedule").at(name); }
const json::value& request_example(const char* name) { return k6::test::spec_examples().at("request").at(name); }

Schedule decode_schedule(const char* name) {
    auto decoded = from_json<Schedule>(schedule_example(name));
    REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : decoded.error().to_string()));
    return *decoded;
}

// Decoding `text` must fail with malformed_response whose target is `field`.
void check_rejected(const json::value& document, const std::string& field) {
    auto decoded = from_json<Schedule>(document);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().kind == ErrorKind::malformed_response);
    CHECK(decoded.error().ec == errc::malformed_response);
    CHECK(decoded.error().target == field);
    CHECK(decoded.error().message.find(field) != std::string::npos);
}

}  // namespace

TEST_CASE("spec example Hourly decodes into its exact values") {
    const Schedule s = decode_schedule("Hourly");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK_FALSE(s.deactivated);
    CHECK(s.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(s.recurrence_rule.has_value());
    REQUIRE(s.cron.has_value());
    CHECK(s.cron->schedule == "0 0 * * *");
    CHECK(s.cron->time_zone == "UTC");
    CHECK(s.next_run == at("2024-07-17T00:00:00Z"));
    CHECK(s.created_by == "user@example.com");
}

TEST_CASE("spec example 7amOnMonday decodes into its exact values") {
    const Schedule s = decode_schedule("7amOnMonday");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK_FALSE(s.deactivated);
    CHECK(s.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(s.recurrence_rule.has_value());
    CHECK(s.cron == ScheduleCron{"0 7 * * 1", "UTC"});
    CHECK(s.next_run == at("2024-07-22T07:00:00Z"));
    CHECK(s.created_by == "user@example.com");
}

TEST_CASE("spec example EveryTwoHours decodes into its exact values") {
    const Schedule s = decode_schedule("EveryTwoHours");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK_FALSE(s.deactivated);
    CHECK(s.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(s.cron.has_value());
    REQUIRE(s.recurrence_rule.has_value());
    CHECK(s.recurrence_rule->frequency == Frequency::hourly);
    CHECK(s.recurrence_rule->interval == 2);
    CHECK_FALSE(s.recurrence_rule->byday.has_value());
    CHECK_FALSE(s.recurrence_rule->until.has_value());
    CHECK_FALSE(s.recurrence_rule->count.has_value());
    CHECK(s.next_run == at("2024-07-20T01:46:04.021Z"));
    CHECK(s.created_by == "user@example.com");
}

TEST_CASE("spec example WeeklyOnWeekendsStopsAfter10Runs decodes into its exact values") {
    const Schedule s = decode_schedule("WeeklyOnWeekendsStopsAfter10Runs");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK_FALSE(s.deactivated);
    CHECK(s.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(s.cron.has_value());
    REQUIRE(s.recurrence_rule.has_value());
    CHECK(s.recurrence_rule->frequency == Frequency::weekly);
    CHECK(s.recurrence_rule->interval == 1);
    CHECK(s.recurrence_rule->byday == std::vector<Weekday>{Weekday::saturday, Weekday::sunday});
    CHECK_FALSE(s.recurrence_rule->until.has_value());
    CHECK(s.recurrence_rule->count == 10);
    CHECK(s.next_run == at("2024-07-17T08:46:04.021Z"));
    CHECK_FALSE(s.created_by.has_value());
}

TEST_CASE("spec example TriggeredOnceInThePast decodes into its exact values") {
    const Schedule s = decode_schedule("TriggeredOnceInThePast");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK_FALSE(s.deactivated);
    CHECK(s.starts == at("2023-08-01T12:00:00.000Z"));
    CHECK_FALSE(s.recurrence_rule.has_value());
    CHECK_FALSE(s.cron.has_value());
    CHECK_FALSE(s.next_run.has_value());
    CHECK(s.created_by == "user@example.com");
}

TEST_CASE("spec example Deactivated decodes although its rule carries legacy days/ends fields") {
    const Schedule s = decode_schedule("Deactivated");
    CHECK(s.id == ScheduleId{123});
    CHECK(s.load_test_id == LoadTestId{234});
    CHECK(s.deactivated);
    CHECK(s.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(s.cron.has_value());
    REQUIRE(s.recurrence_rule.has_value());
    CHECK(s.recurrence_rule->frequency == Frequency::hourly);
    CHECK(s.recurrence_rule->interval == 2);
    CHECK_FALSE(s.recurrence_rule->byday.has_value());
    CHECK_FALSE(s.recurrence_rule->count.has_value());
    CHECK_FALSE(s.recurrence_rule->until.has_value());
    CHECK(s.next_run == at("2024-07-20T01:46:04.021Z"));
    CHECK(s.created_by == "user@example.com");
}

TEST_CASE("spec list example decodes with @count and @nextLink") {
    auto page = from_json<SchedulePage>(k6::test::spec_examples().at("list").at("OK"));
    REQUIRE(page.has_value());
    CHECK(page->count == 12);
    CHECK(page->next_link == "https://api.k6.io/cloud/v6/schedules?$skip=50&$top=20");
    REQUIRE(page->items.size() == 1);
    CHECK(page->items[0] == decode_schedule("Hourly"));
}

TEST_CASE("a last page has neither @count nor @nextLink, and may be empty") {
    auto page = parse_json<SchedulePage>(R"({"value": []})");
    REQUIRE(page.has_value());
    CHECK(page->items.empty());
    CHECK_FALSE(page->count.has_value());
    CHECK_FALSE(page->next_link.has_value());
}

TEST_CASE("every spec request example decodes, and encodes back to exactly the example") {
    for (const char* name : {"EveryTwoHours", "WeeklyOnWeekendsStopsAfter10Runs", "TriggeredOnce"}) {
        CAPTURE(name);
        const json::value& example = request_example(name);
        auto request = from_json<CreateScheduleRequest>(example);
        REQUIRE(request.has_value());
        CHECK(json::value_from(*request) == example);
        // Same members, same values, same date-time spelling: the text differs at most in key order.
        CHECK(parse_json<CreateScheduleRequest>(to_json(*request)).value() == *request);
    }
}

TEST_CASE("request examples have the expected model values") {
    const auto every_two_hours = from_json<CreateScheduleRequest>(request_example("EveryTwoHours")).value();
    CHECK(every_two_hours.starts == at("2024-07-16T08:46:04.021Z"));
    CHECK_FALSE(every_two_hours.cron.has_value());
    CHECK(every_two_hours.recurrence_rule ==
          RecurrenceRule{Frequency::hourly, 2, std::nullopt, std::nullopt, std::nullopt});

    const auto weekends = from_json<CreateScheduleRequest>(request_example("WeeklyOnWeekendsStopsAfter10Runs")).value();
    CHECK(weekends.recurrence_rule == RecurrenceRule{Frequency::weekly, std::nullopt,
                                                     std::vector{Weekday::saturday, Weekday::sunday}, 10,
                                                     std::nullopt});

    const auto once = from_json<CreateScheduleRequest>(request_example("TriggeredOnce")).value();
    CHECK(once.starts == at("2028-08-01T12:00:00.000Z"));
    CHECK_FALSE(once.recurrence_rule.has_value());
    CHECK_FALSE(once.cron.has_value());
}

TEST_CASE("encoding a request writes only what is set and never a null beside the other rule") {
    CreateScheduleRequest cron_request;
    cron_request.starts = at("2024-07-16T08:46:04.021Z");
    cron_request.cron = ScheduleCron{"0 7 * * 1", "Europe/Berlin"};
    CHECK(to_json(cron_request) ==
          R"({"starts":"2024-07-16T08:46:04.021Z","cron":{"schedule":"0 7 * * 1","time_zone":"Europe/Berlin"}})");

    CreateScheduleRequest full;
    full.starts = at("2024-07-16T08:46:04Z");
    full.recurrence_rule = RecurrenceRule{Frequency::monthly, 3, std::nullopt, 5, at("2025-01-01T00:00:00Z")};
    CHECK(
        to_json(full) ==
        R"({"starts":"2024-07-16T08:46:04.000Z","recurrence_rule":{"frequency":"MONTHLY","interval":3,"count":5,"until":"2025-01-01T00:00:00.000Z"}})");

    CreateScheduleRequest once;
    once.starts = at("2028-08-01T12:00:00Z");
    CHECK(to_json(once) == R"({"starts":"2028-08-01T12:00:00.000Z","recurrence_rule":null})");
}

TEST_CASE("a Schedule round-trips through JSON with every required member present") {
    for (const char* name : {"Hourly", "7amOnMonday", "EveryTwoHours", "WeeklyOnWeekendsStopsAfter10Runs",
                             "TriggeredOnceInThePast", "Deactivated"}) {
        CAPTURE(name);
        const Schedule s = decode_schedule(name);
        const json::value encoded = json::value_from(s);
        for (const char* key :
             {"id", "load_test_id", "starts", "recurrence_rule", "cron", "deactivated", "next_run", "created_by"})
            CHECK(encoded.as_object().contains(key));
        CHECK(from_json<Schedule>(encoded).value() == s);
    }
    SchedulePage page{{decode_schedule("Hourly"), decode_schedule("Deactivated")}, 2, "https://api.k6.io/next"};
    CHECK(parse_json<SchedulePage>(to_json(page)).value() == page);
}

TEST_CASE("boost::json::value_to and try_value_to work with the models") {
    const Schedule s = json::value_to<Schedule>(schedule_example("Hourly"));
    CHECK(s.cron->schedule == "0 0 * * *");
    auto bad = json::try_value_to<Schedule>(json::value(42));
    CHECK(bad.has_error());
    CHECK(bad.error() == errc::malformed_response);
}

TEST_CASE("unknown fields are ignored at every level") {
    json::value doc = schedule_example("WeeklyOnWeekendsStopsAfter10Runs");
    doc.as_object()["future_field"] = json::object{{"nested", true}};
    doc.as_object()["recurrence_rule"].as_object()["wkst"] = "MO";
    auto decoded = from_json<Schedule>(doc);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == decode_schedule("WeeklyOnWeekendsStopsAfter10Runs"));
}

TEST_CASE("a missing required field is malformed_response naming the field") {
    for (const char* field :
         {"id", "load_test_id", "starts", "recurrence_rule", "cron", "deactivated", "next_run", "created_by"}) {
        CAPTURE(field);
        json::value doc = schedule_example("Hourly");
        doc.as_object().erase(field);
        check_rejected(doc, field);
    }
    json::value no_schedule = schedule_example("Hourly");
    no_schedule.as_object()["cron"].as_object().erase("time_zone");
    check_rejected(no_schedule, "cron.time_zone");

    json::value no_frequency = schedule_example("EveryTwoHours");
    no_frequency.as_object()["recurrence_rule"].as_object().erase("frequency");
    check_rejected(no_frequency, "recurrence_rule.frequency");

    auto page = parse_json<SchedulePage>(R"({"@count": 3})");
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().target == "value");
}

TEST_CASE("a wrong type is malformed_response naming the field") {
    struct Case {
        const char* base;
        const char* field;  // top-level member to replace
        json::value value;
        const char* target;  // expected error target
    };
    const Case cases[] = {
        {"Hourly", "id", "123", "id"},
        {"Hourly", "id", 12.5, "id"},
        {"Hourly", "id", nullptr, "id"},
        {"Hourly", "load_test_id", true, "load_test_id"},
        {"Hourly", "starts", 1721119564, "starts"},
        {"Hourly", "starts", "2024-07-16 08:46:04", "starts"},
        {"Hourly", "starts", nullptr, "starts"},
        {"Hourly", "deactivated", "false", "deactivated"},
        {"Hourly", "deactivated", nullptr, "deactivated"},
        {"Hourly", "next_run", "tomorrow", "next_run"},
        {"Hourly", "created_by", 5, "created_by"},
        {"Hourly", "cron", "0 0 * * *", "cron"},
        {"Hourly", "recurrence_rule", json::array{}, "recurrence_rule"},
        {"Hourly", "cron", json::object{{"schedule", 5}, {"time_zone", "UTC"}}, "cron.schedule"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "MINUTELY"}}, "recurrence_rule.frequency"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "hourly"}}, "recurrence_rule.frequency"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "HOURLY"}, {"interval", "2"}},
         "recurrence_rule.interval"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "HOURLY"}, {"interval", nullptr}},
         "recurrence_rule.interval"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "WEEKLY"}, {"byday", "SA"}},
         "recurrence_rule.byday"},
        {"EveryTwoHours", "recurrence_rule",
         json::object{{"frequency", "WEEKLY"}, {"byday", json::array{"SA", "sunday"}}}, "recurrence_rule.byday[1]"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "DAILY"}, {"count", 1.0}},
         "recurrence_rule.count"},
        {"EveryTwoHours", "recurrence_rule", json::object{{"frequency", "DAILY"}, {"until", "2024-13-01T00:00:00Z"}},
         "recurrence_rule.until"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.target);
        CAPTURE(json::serialize(c.value));
        json::value doc = schedule_example(c.base);
        doc.as_object()[c.field] = c.value;
        check_rejected(doc, c.target);
    }
}

TEST_CASE("errors inside a page name the item's index") {
    json::value page = k6::test::spec_examples().at("list").at("OK");
    json::array& items = page.as_object()["value"].as_array();
    items.push_back(schedule_example("EveryTwoHours"));
    items.push_back(schedule_example("EveryTwoHours"));
    items[2].as_object()["recurrence_rule"].as_object()["interval"] = "often";
    auto decoded = from_json<SchedulePage>(page);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().target == "value[2].recurrence_rule.interval");
    CHECK(decoded.error().message == "field value[2].recurrence_rule.interval: expected an integer, got a string");

    page.as_object()["@count"] = "12";
    items[2] = schedule_example("Hourly");
    CHECK(from_json<SchedulePage>(page).error().target == "@count");
}

TEST_CASE("pages parsed through the tree with one ParseScratch reuse one block: a page like the last needs no new memory") {
    json::value page = k6::test::spec_examples().at("list").at("OK");
    json::array& items = page.as_object()["value"].as_array();
    while (items.size() < 200) items.push_back(schedule_example("EveryTwoHours"));
    const std::string text = json::serialize(page);
    const auto expected_page = parse_json<SchedulePage>(text);
    REQUIRE(expected_page.has_value());

    detail::ParseScratch scratch;
    CHECK(scratch.memory().empty());
    const auto first = detail::parse_json_through_tree<SchedulePage>(text, &scratch);
    REQUIRE(first.has_value());
    CHECK(*first == *expected_page);
    // The tree of 200 schedules does not fit the 4 KiB on the stack: the scratch learnt its size.
    const std::span<unsigned char> learnt = scratch.memory();
    REQUIRE(learnt.size() > 4096);

    for (int round = 0; round < 3; ++round) {
        const auto again = detail::parse_json_through_tree<SchedulePage>(text, &scratch);
        REQUIRE(again.has_value());
        CHECK(*again == *expected_page);
        CHECK(scratch.memory().data() == learnt.data());  // the same block, not a new one
        CHECK(scratch.memory().size() == learnt.size());
    }

    // Errors read the same with a scratch, and leave it usable.
    items[7].as_object()["recurrence_rule"].as_object()["interval"] = "often";
    const auto rejected = detail::parse_json_through_tree<SchedulePage>(json::serialize(page), &scratch);
    REQUIRE_FALSE(rejected.has_value());
    CHECK(rejected.error().target == "value[7].recurrence_rule.interval");
    CHECK(detail::parse_json_through_tree<SchedulePage>("{\"value\": [", &scratch).error().kind == ErrorKind::malformed_response);
    CHECK(detail::parse_json_through_tree<SchedulePage>(text, &scratch).value() == *expected_page);
}

TEST_CASE("after one outlier page the ParseScratch block shrinks, and pages of similar sizes keep reusing it") {
    auto page_of = [](std::size_t schedules) {
        json::value page = k6::test::spec_examples().at("list").at("OK");
        json::array& items = page.as_object()["value"].as_array();
        while (items.size() < schedules) items.push_back(schedule_example("EveryTwoHours"));
        return json::serialize(page);
    };
    const std::string huge = page_of(5000), ordinary = page_of(200), similar = page_of(150);

    detail::ParseScratch scratch;
    REQUIRE(detail::parse_json_through_tree<SchedulePage>(huge, &scratch).has_value());
    const std::size_t outlier_block = scratch.memory().size();
    REQUIRE(outlier_block > huge.size());  // about twice the huge page's tree

    // The next page's tree needs a small part of that block: the block shrinks to twice that tree.
    REQUIRE(detail::parse_json_through_tree<SchedulePage>(ordinary, &scratch).has_value());
    const std::span<unsigned char> shrunk = scratch.memory();
    CHECK(shrunk.size() < outlier_block / 4);
    CHECK(shrunk.size() > ordinary.size());

    // Pages of the ordinary size, a bit smaller or the same, keep that one block.
    for (const std::string* page : {&ordinary, &similar, &ordinary, &similar}) {
        const auto decoded = detail::parse_json_through_tree<SchedulePage>(*page, &scratch);
        REQUIRE(decoded.has_value());
        CHECK(scratch.memory().data() == shrunk.data());
        CHECK(scratch.memory().size() == shrunk.size());
    }

    // A page whose tree fits in the parser's own 4 KiB needs no block at all.
    REQUIRE(detail::parse_json_through_tree<SchedulePage>(R"({"value": []})", &scratch).has_value());
    CHECK(scratch.memory().empty());
}

// The streaming page decoder (detail/page_decoder.hpp) takes what it can without a tree; what it
// declines, the tree decoder judges. Both answers must be the tree decoder's.
TEST_CASE("a page is decoded without a tree when it can be, into exactly the tree decoder's page") {
    json::value page = k6::test::spec_examples().at("list").at("OK");
    json::array& items = page.as_object()["value"].as_array();
    for (const char* name : {"Hourly", "7amOnMonday", "EveryTwoHours", "WeeklyOnWeekendsStopsAfter10Runs",
                             "TriggeredOnceInThePast", "Deactivated"})
        items.push_back(schedule_example(name));
    // Unknown members at every level, skipped whatever their shape, and strings with escapes.
    items[1].as_object()["future_field"] = json::parse(R"({"a": [1, 2.5, {"b": null}], "c": "\u00e9"})");
    items[2].as_object()["created_by"] = "r\u00e9my\n@example.com";
    page.as_object()["@extra"] = json::array{1, "two", nullptr};
    const std::string text = json::serialize(page);
    const auto streamed = detail::decode_page_streaming(text);
    REQUIRE(streamed.has_value());  // the fast path is taken, not only the fallback
    const auto tree = detail::parse_json_through_tree<SchedulePage>(text, nullptr);
    REQUIRE(tree.has_value());
    CHECK(*streamed == *tree);
    CHECK(streamed->items.size() == items.size());
    CHECK(parse_json<SchedulePage>(text).value() == *tree);
}

TEST_CASE("pages the streaming decoder declines get the tree decoder's answer: the same error and target") {
    const std::string one = json::serialize(schedule_example("EveryTwoHours"));
    const std::string body = one.substr(0, one.size() - 1);  // without its closing brace
    struct Case {
        std::string text;
        const char* target;  // the tree decoder's, "" for none
    };
    const Case cases[] = {
        {"{\"value\": [" + one + ", " + body + ", \"recurrence_rule\": {\"frequency\": \"DAILY\", \"interval\": null}}]}",
         "value[1].recurrence_rule.interval"},
        {"{\"value\": [" + body + ", \"id\": \"7\", \"starts\": 5}]}", "value[0].id"},  // a repeat: the last wins
        {"{\"value\": [" + body + ", \"id\": 1.5}]}", "value[0].id"},
        {"{\"value\": [" + one + "], \"value\": {}}", "value"},
        {"{\"@count\": 18446744073709551615, \"value\": []}", "@count"},
        {"{\"value\": [" + one + "], \"@nextLink\": 3}", "@nextLink"},
        {"{\"value\": [{\"id\": 1}]}", "value[0].load_test_id"},
        {"{\"value\": [" + one + "]", ""},  // not JSON: cut short
        {"[" + one + "]", ""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        CHECK_FALSE(detail::decode_page_streaming(c.text).has_value());
        const auto tree = detail::parse_json_through_tree<SchedulePage>(c.text, nullptr);
        const auto combined = parse_json<SchedulePage>(c.text);
        REQUIRE_FALSE(tree.has_value());
        REQUIRE_FALSE(combined.has_value());
        CHECK(combined.error().message == tree.error().message);
        CHECK(combined.error().target == tree.error().target);
        CHECK(combined.error().target.value_or("") == c.target);
    }
    // A repeated member the tree accepts (its last value is valid) is declined, then accepted there.
    const std::string repeated = "{\"value\": [" + body + ", \"id\": 99}]}";
    CHECK_FALSE(detail::decode_page_streaming(repeated).has_value());
    CHECK(parse_json<SchedulePage>(repeated).value().items.at(0).id == ScheduleId{99});
}

TEST_CASE("integers out of the int64 range are rejected, not wrapped") {
    auto decoded = parse_json<Schedule>(
        R"({"id": 18446744073709551615, "load_test_id": 1, "starts": "2024-07-16T08:46:04Z", "recurrence_rule": null,
            "cron": null, "deactivated": false, "next_run": null, "created_by": null})");
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().target == "id");
    auto largest = parse_json<Schedule>(
        R"({"id": 9223372036854775807, "load_test_id": 1, "starts": "2024-07-16T08:46:04Z", "recurrence_rule": null,
            "cron": null, "deactivated": false, "next_run": null, "created_by": null})");
    REQUIRE(largest.has_value());
    CHECK(largest->id.value == 9223372036854775807);
}

TEST_CASE("text that is not JSON, or not an object, is malformed_response") {
    for (const char* text : {"", "not json", "{", R"({"id": 1,})", "[]", "null", "\"text\"", R"({"id":1} trailing)"}) {
        CAPTURE(text);
        auto decoded = parse_json<Schedule>(text);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error().kind == ErrorKind::malformed_response);
        CHECK_FALSE(decoded.error().message.empty());
    }
    // Hostile nesting is refused by the parser's depth limit, not by the stack.
    std::string deep(100000, '[');
    CHECK(parse_json<SchedulePage>(deep).error().kind == ErrorKind::malformed_response);
}

TEST_CASE("server text quoted in an error message is bounded and printable") {
    json::value doc = schedule_example("Hourly");
    doc.as_object()["starts"] = std::string("\x1b[31m") + std::string(1000, 'x');
    auto decoded = from_json<Schedule>(doc);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().message.find('\x1b') == std::string::npos);
    CHECK(decoded.error().message.size() < 300);
}

TEST_CASE("ErrorBody decodes ErrorApiModel with and without details") {
    auto full =
        parse_json<ErrorBody>(R"({"code": "validation_error", "message": "Invalid input.", "target": "recurrence_rule",
        "details": [{"code": "invalid", "message": "Must be >= 1.", "target": "recurrence_rule.interval"},
                    {"code": "invalid", "message": "Not allowed.", "target": null}]})");
    REQUIRE(full.has_value());
    CHECK(full->code == "validation_error");
    CHECK(full->message == "Invalid input.");
    CHECK(full->target == "recurrence_rule");
    REQUIRE(full->details.size() == 2);
    CHECK(full->details[0] == ErrorDetails{"invalid", "Must be >= 1.", "recurrence_rule.interval"});
    CHECK(full->details[1] == ErrorDetails{"invalid", "Not allowed.", std::nullopt});
    CHECK(from_json<ErrorBody>(json::value_from(*full)).value() == *full);

    auto minimal = parse_json<ErrorBody>(R"({"code": "not_found", "message": "Not found.", "details": null})");
    REQUIRE(minimal.has_value());
    CHECK_FALSE(minimal->target.has_value());
    CHECK(minimal->details.empty());

    CHECK(parse_json<ErrorBody>(R"({"message": "no code"})").error().target == "code");
    CHECK(parse_json<ErrorBody>(R"({"code": "x", "message": "m", "details": [{"code": "y"}]})").error().target ==
          "details[0].message");
}

TEST_CASE("Frequency and Weekday spell as the API does, case-sensitively") {
    CHECK(to_string(Frequency::hourly) == "HOURLY");
    CHECK(to_string(Frequency::yearly) == "YEARLY");
    CHECK(to_string(Weekday::monday) == "MO");
    CHECK(to_string(Weekday::sunday) == "SU");
    CHECK(parse_frequency("MONTHLY") == Frequency::monthly);
    CHECK_FALSE(parse_frequency("monthly").has_value());
    CHECK(parse_weekday("TH") == Weekday::thursday);
    CHECK_FALSE(parse_weekday("th").has_value());
    CHECK_FALSE(parse_weekday("").has_value());
}
