// SPDX-License-Identifier: BSL-1.0
// RFC 3339 date-times <-> std::chrono::sys_time<milliseconds>, the precision the API uses.
#ifndef K6_SCHEDULES_TIME_HPP
#define K6_SCHEDULES_TIME_HPP

#include <k6/schedules/detail/config.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

/// @file
/// Timestamp, and RFC 3339 date-times both ways.

K6_SCHEDULES_BEGIN_NAMESPACE

/// Every date-time of the API: an instant in UTC with millisecond precision.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

namespace detail {

constexpr bool parse_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) noexcept {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

inline void append_digits(std::string& out, long long value, int width) {
    char buffer[24];
    int n = 0;
    do {
        buffer[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0 || n < width);
    while (n > 0) out.push_back(buffer[--n]);
}

}  // namespace detail

/// Parses an RFC 3339 `date-time`: "2024-07-16T08:46:04.021Z", "2024-07-16T10:46:04+02:00",
/// lower-case "t"/"z" allowed. The offset is required (a naive local time is an error, as the API
/// wants timezone-aware values). Fractions finer than a millisecond are truncated. A leap second
/// (":60") cannot be represented by std::chrono::sys_time and is rejected.
/// @param text The whole text; nothing may follow the date-time.
/// @return The instant, or a short static reason suitable for messages ("the date does not exist").
constexpr std::expected<Timestamp, std::string_view> parse_rfc3339(std::string_view text) noexcept {
    using namespace std::chrono;
    using unexpected = std::unexpected<std::string_view>;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!detail::parse_digits(text, 0, 4, year) || text.size() < 5 || text[4] != '-' ||
        !detail::parse_digits(text, 5, 2, month) || text.size() < 8 || text[7] != '-' ||
        !detail::parse_digits(text, 8, 2, day))
        return unexpected("expected a date as YYYY-MM-DD");
    if (text.size() < 11 || (text[10] != 'T' && text[10] != 't'))
        return unexpected("expected 'T' between date and time");
    if (!detail::parse_digits(text, 11, 2, hour) || text.size() < 14 || text[13] != ':' ||
        !detail::parse_digits(text, 14, 2, minute) || text.size() < 17 || text[16] != ':' ||
        !detail::parse_digits(text, 17, 2, second))
        return unexpected("expected a time as HH:MM:SS");
    const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return unexpected("the date does not exist");
    if (hour > 23 || minute > 59) return unexpected("the time of day is out of range");
    if (second == 60) return unexpected("leap seconds are not supported");
    if (second > 59) return unexpected("the time of day is out of range");

    std::size_t pos = 19;
    milliseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t first = pos;
        int scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += milliseconds{(text[pos] - '0') * scale};
            scale /= 10;
            ++pos;
        }
        if (pos == first) return unexpected("expected digits after '.'");
    }
    if (pos >= text.size()) return unexpected("missing time zone offset ('Z' or +HH:MM)");
    minutes offset{0};
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        int offset_hours = 0, offset_minutes = 0;
        if (!detail::parse_digits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !detail::parse_digits(text, pos + 4, 2, offset_minutes))
            return unexpected("expected a time zone offset as +HH:MM or -HH:MM");
        if (offset_hours > 23 || offset_minutes > 59) return unexpected("the time zone offset is out of range");
        offset = hours{offset_hours} + minutes{offset_minutes};
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return unexpected("missing time zone offset ('Z' or +HH:MM)");
    }
    if (pos != text.size()) return unexpected("unexpected characters after the date-time");
    return Timestamp{sys_days{date}} + hours{hour} + minutes{minute} + seconds{second} + fraction - offset;
}

namespace detail {

// The instants RFC 3339 can write: its years have four digits.
inline constexpr Timestamp rfc3339_first{std::chrono::sys_days{std::chrono::year{0} / 1 / 1}};
inline constexpr Timestamp rfc3339_last{std::chrono::sys_days{std::chrono::year{9999} / 12 / 31} +
                                        std::chrono::days{1} - std::chrono::milliseconds{1}};

constexpr bool rfc3339_writable(Timestamp t) noexcept { return t >= rfc3339_first && t <= rfc3339_last; }

// "YYYY-MM-DDTHH:MM:SS.mmm" of the wall time `wall`, which must be rfc3339_writable.
inline void append_date_time(std::string& out, Timestamp wall) {
    using namespace std::chrono;
    const auto day_start = floor<days>(wall);
    const year_month_day date{day_start};
    const hh_mm_ss<milliseconds> time{wall - day_start};
    append_digits(out, static_cast<int>(date.year()), 4);
    out.push_back('-');
    append_digits(out, static_cast<unsigned>(date.month()), 2);
    out.push_back('-');
    append_digits(out, static_cast<unsigned>(date.day()), 2);
    out.push_back('T');
    append_digits(out, time.hours().count(), 2);
    out.push_back(':');
    append_digits(out, time.minutes().count(), 2);
    out.push_back(':');
    append_digits(out, time.seconds().count(), 2);
    out.push_back('.');
    append_digits(out, time.subseconds().count(), 3);
}

}  // namespace detail

/// Formats @p t as RFC 3339 in UTC with exactly three fraction digits ("2024-07-16T08:46:04.021Z"),
/// the form of the API's request examples. Years outside 0000-9999 cannot be written in RFC 3339;
/// they are clamped to that range's ends, which no API value reaches.
inline std::string format_rfc3339(Timestamp t) {
    t = std::clamp(t, detail::rfc3339_first, detail::rfc3339_last);
    std::string out;
    out.reserve(24);
    detail::append_date_time(out, t);
    out.push_back('Z');
    return out;
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_TIME_HPP
