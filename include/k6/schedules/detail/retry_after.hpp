// SPDX-License-Identifier: BSL-1.0
// Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Sans-io, so it is tested as a table.
#ifndef K6_SCHEDULES_DETAIL_RETRY_AFTER_HPP
#define K6_SCHEDULES_DETAIL_RETRY_AFTER_HPP

#include <k6/schedules/detail/config.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The wait the header asks for, relative to `now`; a date in the past means zero; junk means
// "no hint" (nullopt). Huge values are capped at a day; callers cap further at their max delay.
inline std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                             std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    constexpr seconds cap = hours{24};
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;

    if (value.front() >= '0' && value.front() <= '9') {
        long long total = 0;
        for (char c : value) {
            if (c < '0' || c > '9') return std::nullopt;
            if (total < cap.count()) total = total * 10 + (c - '0');
        }
        return std::min(seconds{total}, cap);
    }

    // IMF-fixdate, the only form senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
    if (value.size() != 29 || value[3] != ',' || value[4] != ' ' || value[7] != ' ' || value[11] != ' ' ||
        value[16] != ' ' || value[19] != ':' || value[22] != ':' || value.substr(25) != " GMT")
        return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len) -> int {
        int n = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (value[i] < '0' || value[i] > '9') return -1;
            n = n * 10 + (value[i] - '0');
        }
        return n;
    };
    constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned i = 0; i < months.size(); ++i)
        if (value.substr(8, 3) == months[i]) month = i + 1;
    const int day_number = number(5, 2), year_number = number(12, 4);
    const int hour = number(17, 2), minute = number(20, 2), second = number(23, 2);
    if (month == 0 || day_number < 0 || year_number < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60)
        return std::nullopt;
    const year_month_day date{year{year_number}, std::chrono::month{month}, day{static_cast<unsigned>(day_number)}};
    if (!date.ok()) return std::nullopt;
    const auto at = sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
    // In whole seconds: `at - now` would convert `at` to the clock's nanoseconds, which overflows
    // for dates after 2262 (found by tests/fuzz). `at` is whole seconds, so this is ceil(at - now).
    const seconds wait = at - floor<seconds>(now);
    if (wait <= seconds{0}) return seconds{0};
    return std::min(wait, cap);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_RETRY_AFTER_HPP
