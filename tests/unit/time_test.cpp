// SPDX-License-Identifier: BSL-1.0
// RFC 3339 parsing and printing (k6/schedules/time.hpp).
#include <k6/schedules.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace k6::schedules;
using namespace std::chrono;

namespace {
Timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return Timestamp{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}
}  // namespace

TEST_CASE("parse_rfc3339 accepts Z, lower-case separators and numeric offsets") {
    CHECK(parse_rfc3339("2024-07-16T08:46:04.021Z").value() == utc(2024, 7, 16, 8, 46, 4, 21));
    CHECK(parse_rfc3339("2024-07-22T07:00:00Z").value() == utc(2024, 7, 22, 7));
    CHECK(parse_rfc3339("2024-07-22t07:00:00z").value() == utc(2024, 7, 22, 7));
    CHECK(parse_rfc3339("2024-07-16T10:46:04.021+02:00").value() == utc(2024, 7, 16, 8, 46, 4, 21));
    CHECK(parse_rfc3339("2024-07-16T03:16:04-05:30").value() == utc(2024, 7, 16, 8, 46, 4));
    CHECK(parse_rfc3339("2024-07-16T08:46:04-00:00").value() == utc(2024, 7, 16, 8, 46, 4));
    // An offset can move the instant across midnight, month and year ends.
    CHECK(parse_rfc3339("2024-12-31T23:30:00-01:00").value() == utc(2025, 1, 1, 0, 30));
    CHECK(parse_rfc3339("2025-01-01T00:30:00+01:00").value() == utc(2024, 12, 31, 23, 30));
}

TEST_CASE("parse_rfc3339 keeps milliseconds and truncates finer fractions") {
    CHECK(parse_rfc3339("2024-07-16T08:46:04.5Z").value() == utc(2024, 7, 16, 8, 46, 4, 500));
    CHECK(parse_rfc3339("2024-07-16T08:46:04.02Z").value() == utc(2024, 7, 16, 8, 46, 4, 20));
    CHECK(parse_rfc3339("2024-07-16T08:46:04.000Z").value() == utc(2024, 7, 16, 8, 46, 4));
    CHECK(parse_rfc3339("2024-07-16T08:46:04.021999Z").value() == utc(2024, 7, 16, 8, 46, 4, 21));
    CHECK(parse_rfc3339("2024-07-16T08:46:04.123456789012Z").value() == utc(2024, 7, 16, 8, 46, 4, 123));
}

TEST_CASE("parse_rfc3339 handles leap days and the ends of the representable range") {
    CHECK(parse_rfc3339("2024-02-29T12:00:00Z").value() == utc(2024, 2, 29, 12));
    CHECK(parse_rfc3339("2000-02-29T00:00:00Z").has_value());
    CHECK(parse_rfc3339("0000-01-01T00:00:00Z").value() == utc(0, 1, 1));
    CHECK(parse_rfc3339("9999-12-31T23:59:59.999Z").value() == utc(9999, 12, 31, 23, 59, 59, 999));
    CHECK(parse_rfc3339("1969-12-31T23:59:59.999Z").value() == Timestamp{milliseconds{-1}});
}

TEST_CASE("parse_rfc3339 rejects invalid input with a reason") {
    const char* invalid[] = {
        "",
        "2024-07-16",                 // date only
        "2024-07-16T08:46:04",        // naive: no offset
        "2024-07-16T08:46:04.021",    // naive with fraction
        "2024-07-16 08:46:04Z",       // space separator
        "2024-13-01T00:00:00Z",       // month 13
        "2023-02-29T00:00:00Z",       // not a leap year
        "2024-04-31T00:00:00Z",       // April has 30 days
        "2024-07-16T24:00:00Z",       // hour 24
        "2024-07-16T23:60:00Z",       // minute 60
        "2016-12-31T23:59:60Z",       // leap second
        "2024-07-16T08:46:04.Z",      // dot without digits
        "2024-07-16T08:46:04+2:00",   // short offset
        "2024-07-16T08:46:04+0200",   // offset without colon
        "2024-07-16T08:46:04+24:00",  // offset hour out of range
        "2024-07-16T08:46:04ZZ",      // trailing garbage
        "2024-07-16T08:46:04Z ",      // trailing space
        " 2024-07-16T08:46:04Z",      // leading space
        "24-07-16T08:46:04Z",         // two-digit year
        "2024-7-16T08:46:04Z",        // one-digit month
        "+2024-07-16T08:46:04Z",      // sign
        "2024-07-16T08:46Z",          // no seconds
        "２０２４-07-16T08:46:04Z",   // non-ASCII digits
    };
    for (const char* text : invalid) {
        CAPTURE(text);
        const auto parsed = parse_rfc3339(text);
        CHECK_FALSE(parsed.has_value());
        if (!parsed) CHECK_FALSE(parsed.error().empty());
    }
    CHECK(parse_rfc3339("2024-07-16T08:46:04").error() == "missing time zone offset ('Z' or +HH:MM)");
    CHECK(parse_rfc3339("2016-12-31T23:59:60Z").error() == "leap seconds are not supported");
}

TEST_CASE("format_rfc3339 prints UTC with Z and three fraction digits") {
    CHECK(format_rfc3339(utc(2024, 7, 16, 8, 46, 4, 21)) == "2024-07-16T08:46:04.021Z");
    CHECK(format_rfc3339(utc(2024, 7, 22, 7)) == "2024-07-22T07:00:00.000Z");
    CHECK(format_rfc3339(Timestamp{}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_rfc3339(Timestamp{milliseconds{-1}}) == "1969-12-31T23:59:59.999Z");
    CHECK(format_rfc3339(utc(9999, 12, 31, 23, 59, 59, 999)) == "9999-12-31T23:59:59.999Z");
    // Out of RFC 3339's range: clamped rather than printing something unparseable.
    CHECK(format_rfc3339(utc(10000, 1, 1)) == "9999-12-31T23:59:59.999Z");
    CHECK(format_rfc3339(utc(-1, 1, 1)) == "0000-01-01T00:00:00.000Z");
}

TEST_CASE("format and parse round-trip every millisecond pattern") {
    for (int ms : {0, 1, 9, 10, 99, 100, 999}) {
        const Timestamp t = utc(2031, 3, 30, 1, 2, 3, ms);
        CAPTURE(ms);
        CHECK(parse_rfc3339(format_rfc3339(t)).value() == t);
    }
    // And a sweep over several decades, one odd step at a time.
    for (Timestamp t = utc(1990, 1, 1); t < utc(2060, 1, 1); t += hours{24 * 97} + milliseconds{12'345'678}) {
        REQUIRE(parse_rfc3339(format_rfc3339(t)).value() == t);
    }
}
