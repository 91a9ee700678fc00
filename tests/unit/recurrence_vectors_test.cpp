// SPDX-License-Identifier: BSL-1.0
// The recurrence engine against tests/data/recurrence_vectors.json: reference runs computed by
// python-dateutil and croniter (tests/data/recurrence_vectors.md describes every decision).
// documented, standard and inferred cases must pass; ambiguous ones are reported.
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include "support/test_data.hpp"

#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace k6::schedules;
namespace json = boost::json;

namespace {

struct Outcome {
    bool matches = true;
    std::string why;
};

Timestamp instant(const json::value& v) { return parse_rfc3339(std::string(v.as_string())).value(); }

std::vector<Timestamp> instants(const json::value& list) {
    std::vector<Timestamp> out;
    for (const auto& v : list.as_array()) out.push_back(instant(v));
    return out;
}

std::string show(const std::vector<Timestamp>& runs) {
    std::string out = "[";
    for (const auto& r : runs) out += (out.size() > 1 ? ", " : "") + format_rfc3339(r);
    return out + "]";
}

// Decoding (which rejects naive or malformed date-times and unknown enum values) and then validate()
// together are what the service does with a request body.
expected<CreateScheduleRequest> accept(const json::value& body) {
    auto request = from_json<CreateScheduleRequest>(body);
    if (!request) return request;
    if (auto valid = validate(*request); !valid) return std::unexpected(valid.error());
    return request;
}

Outcome evaluate(const json::object& c) {
    const json::object& expected = c.at("expected").as_object();
    auto request = accept(c.at("request"));
    if (!expected.at("valid").as_bool()) {
        if (request) return {false, "accepted an invalid request"};
        const std::string field = request.error().target.value_or("");
        for (const auto& acceptable : expected.at("acceptable_error_fields").as_array())
            if (acceptable.as_string() == field) return {};
        return {false, "rejected, but named field \"" + field + "\": " + request.error().message};
    }
    if (!request) return {false, "rejected a valid request: " + request.error().to_string()};
    const Timestamp now = instant(c.at("now"));
    const auto k = static_cast<std::size_t>(c.at("k").as_int64());
    const auto want = instants(expected.at("next"));
    const auto got = next_runs(*request, now, k).value();
    if (got != want) return {false, "next runs " + show(got) + ", expected " + show(want)};
    const auto first = next_run(*request, now).value();
    const auto& want_first = expected.at("next_run");
    if (want_first.is_null() ? first.has_value() : first != instant(want_first))
        return {false, "next_run differs: " + (first ? format_rfc3339(*first) : std::string("null"))};
    if (expected.at("complete").as_bool() && next_runs(*request, now, k + 10).value().size() != want.size())
        return {false, "the schedule should end after " + std::to_string(want.size()) + " runs"};
    return {};
}

}  // namespace

TEST_CASE("every documented, standard and inferred reference case matches") {
    const json::value vectors = json::parse(k6::test::read_data_file("recurrence_vectors.json"));
    const json::array& cases = vectors.at("cases").as_array();
    REQUIRE(cases.size() == static_cast<std::size_t>(vectors.at("count").as_int64()));
    int required = 0, ambiguous = 0, ambiguous_matching = 0;
    for (const auto& value : cases) {
        const json::object& c = value.as_object();
        const std::string id(c.at("id").as_string());
        const std::string confidence(c.at("confidence").as_string());
        const Outcome outcome = evaluate(c);
        if (confidence == "ambiguous") {
            ++ambiguous;
            ambiguous_matching += outcome.matches;
            if (!outcome.matches) MESSAGE("ambiguous case " << id << " differs: " << outcome.why);
            continue;
        }
        ++required;
        CAPTURE(id);
        CHECK_MESSAGE(outcome.matches, id << ": " << outcome.why);
    }
    MESSAGE(required << " required cases checked; " << ambiguous_matching << " of " << ambiguous
                     << " ambiguous cases match the reference's choice");
    CHECK(required + ambiguous == static_cast<int>(cases.size()));
}
