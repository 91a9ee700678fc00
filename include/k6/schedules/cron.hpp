// SPDX-License-Identifier: BSL-1.0
// Cron expressions as the API accepts them: exactly 5 fields (minute hour day-of-month month
// day-of-week) or one of six aliases. Parsing only; evaluation on a time zone's wall clock is in
// recurrence.hpp, which needs a time-zone database. This header does not.
#ifndef K6_SCHEDULES_CRON_HPP
#define K6_SCHEDULES_CRON_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/text.hpp>

#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

/// @file
/// parse_cron(): cron expressions as the API accepts them. Parsing only; evaluation on a time
/// zone's wall clock is in k6/schedules/recurrence.hpp.

K6_SCHEDULES_BEGIN_NAMESPACE

/// A parsed cron expression (parse_cron()): the values each of the five fields allows, as bit sets.
struct CronExpression {
    std::bitset<60> minutes;        ///< 0-59.
    std::bitset<24> hours;          ///< 0-23.
    std::bitset<32> days_of_month;  ///< 1-31 (bit 0 unused).
    std::bitset<13> months;         ///< 1-12 (bit 0 unused).
    std::bitset<7> days_of_week;    ///< 0-6, Sunday = 0 (7 is accepted as Sunday too).

    /// The day-of-month field does not cover its whole range. A day field is restricted unless
    /// its values cover the whole range, however it is written: croniter replaces such a field by
    /// `*`, so `*/1`, `1-31`, `0-7` (7 is Sunday too) and `SUN-SAT` are unrestricted, while `*/2` is
    /// restricted. When both day fields are restricted a day matches if either does (the Vixie cron
    /// OR rule, as croniter evaluates it).
    bool day_of_month_restricted = false;
    /// The day-of-week field does not cover its whole range (see #day_of_month_restricted).
    bool day_of_week_restricted = false;
    /// The hour field covers all 24 hours (`*`, `*/1`, `0-23`; croniter reads them all as `*`):
    /// local times skipped by a DST change are then not run at all, instead of once at the end of
    /// the gap (see k6/schedules/recurrence.hpp).
    bool every_hour = false;

    /// Whether @p date's day matches the day fields, with the OR rule when both are restricted.
    /// Months are not checked.
    bool matches_day(std::chrono::year_month_day date) const noexcept {
        const bool dom = days_of_month[static_cast<unsigned>(date.day())];
        const bool dow = days_of_week[std::chrono::weekday{std::chrono::sys_days{date}}.c_encoding()];
        if (day_of_month_restricted && day_of_week_restricted) return dom || dow;
        if (day_of_month_restricted) return dom;
        if (day_of_week_restricted) return dow;
        return true;
    }
};

namespace detail {

struct CronField {
    const char* name;
    unsigned min, max;
    const std::array<std::string_view, 13>* names;  // index = value; empty entries unused
};

inline constexpr std::array<std::string_view, 13> month_names{"",    "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                              "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
inline constexpr std::array<std::string_view, 13> weekday_short_names{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

inline constexpr std::array<CronField, 5> cron_fields{{
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, &month_names},
    {"day-of-week", 0, 7, &weekday_short_names},
}};

inline std::expected<unsigned, std::string> parse_cron_value(std::string_view text, const CronField& field) {
    if (text.empty()) return std::unexpected(std::string(field.name) + ": a value is missing");
    if (text.front() >= '0' && text.front() <= '9') {
        unsigned value = 0;
        for (char c : text) {
            if (c < '0' || c > '9' || value > 1000)
                return std::unexpected(std::string(field.name) + ": " + quote_for_message(text) + " is not a number");
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value < field.min || value > field.max)
            return std::unexpected(std::string(field.name) + ": " + std::to_string(value) + " is out of range " +
                                   std::to_string(field.min) + "-" + std::to_string(field.max));
        return value;
    }
    if (field.names) {
        for (unsigned i = 0; i < field.names->size(); ++i)
            if (!(*field.names)[i].empty() && iequals((*field.names)[i], text)) return i;
    }
    return std::unexpected(std::string(field.name) + ": unknown value " + quote_for_message(text));
}

// One field: a comma-separated list of "*", "N", "A-B", each optionally with "/STEP"; "N/STEP" means
// N up to the field's maximum (as croniter reads it). One bit per value, in one 64-bit set for
// every field (none goes past 59): one function, not one per field width.
inline std::expected<void, std::string> parse_cron_field(std::string_view text, const CronField& field,
                                                         std::bitset<64>& out) {
    if (text.empty()) return std::unexpected(std::string(field.name) + ": empty");
    while (true) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        unsigned step = 1;
        const auto slash = item.find('/');
        if (slash != std::string_view::npos) {
            const std::string_view step_text = item.substr(slash + 1);
            unsigned parsed = 0;
            bool ok = !step_text.empty() && step_text.size() <= 4;
            for (char c : step_text) {
                if (c < '0' || c > '9') ok = false;
                parsed = parsed * 10 + static_cast<unsigned>(c - '0');
            }
            if (!ok || parsed == 0)
                return std::unexpected(std::string(field.name) + ": step " + quote_for_message(step_text) +
                                       " must be a number of at least 1");
            step = parsed;
            item = item.substr(0, slash);
        }
        unsigned first = field.min, last = field.max;
        if (item == "*") {
            // whole range
        } else if (const auto dash = item.find('-'); dash != std::string_view::npos) {
            auto a = parse_cron_value(item.substr(0, dash), field);
            if (!a) return std::unexpected(a.error());
            auto b = parse_cron_value(item.substr(dash + 1), field);
            if (!b) return std::unexpected(b.error());
            if (*a > *b)
                return std::unexpected(std::string(field.name) + ": range " + quote_for_message(item) +
                                       " runs backwards");
            first = *a;
            last = *b;
        } else {
            auto a = parse_cron_value(item, field);
            if (!a) return std::unexpected(a.error());
            first = *a;
            if (slash == std::string_view::npos) last = *a;  // "N" alone; "N/STEP" (even "N/1") runs to the maximum
        }
        for (unsigned v = first; v <= last; v += step) out.set(v);
        if (comma == std::string_view::npos) break;
        text = text.substr(comma + 1);
    }
    return {};
}

inline constexpr std::array<std::pair<std::string_view, std::string_view>, 6> cron_aliases{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

}  // namespace detail

/// Parses a cron expression as the API accepts it: exactly 5 fields (minute hour day-of-month month
/// day-of-week), each a comma-separated list of `*`, `N` or `A-B`, each optionally with `/STEP`
/// (`N/STEP` runs from N to the field's maximum); month and weekday names (`JAN`, `MON`, ...; any
/// case); 0 and 7 for Sunday. Or one of the aliases "@yearly", "@annually", "@monthly", "@weekly",
/// "@daily", "@hourly", case-insensitive (croniter lower-cases them); "@midnight", "@reboot" and
/// "@every ..." are not among the API's aliases and are rejected.
/// @return The expression, or a message saying which field is wrong and why.
inline std::expected<CronExpression, std::string> parse_cron(std::string_view text) {
    std::vector<std::string_view> fields;
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) fields.push_back(text.substr(start, i - start));
    }
    if (fields.size() == 1 && fields[0].starts_with('@')) {
        for (const auto& [alias, expansion] : detail::cron_aliases)
            if (detail::iequals(alias, fields[0])) return parse_cron(expansion);
        return std::unexpected("unknown alias " + detail::quote_for_message(fields[0]) +
                               " (allowed: @yearly, @annually, @monthly, @weekly, @daily, @hourly)");
    }
    if (fields.size() != 5)
        return std::unexpected("expected 5 fields (minute hour day-of-month month day-of-week) or an alias, got " +
                               std::to_string(fields.size()));
    std::array<std::bitset<64>, 5> values{};
    for (std::size_t i = 0; i < values.size(); ++i)
        if (auto parsed = detail::parse_cron_field(fields[i], detail::cron_fields[i], values[i]); !parsed)
            return std::unexpected(std::move(parsed.error()));
    CronExpression cron;
    cron.minutes = std::bitset<60>(values[0].to_ullong());
    cron.hours = std::bitset<24>(values[1].to_ullong());
    cron.days_of_month = std::bitset<32>(values[2].to_ullong());
    cron.months = std::bitset<13>(values[3].to_ullong());
    const std::bitset<64>& days_of_week = values[4];  // 0-7; 7 folds into Sunday below
    for (unsigned d = 0; d < 7; ++d) cron.days_of_week[d] = days_of_week[d];
    if (days_of_week[7]) cron.days_of_week[0] = true;
    // Decided by the values, not the text (see CronExpression): bit 0 of days_of_month is never set.
    cron.every_hour = cron.hours.all();
    cron.day_of_month_restricted = cron.days_of_month.count() != 31;
    cron.day_of_week_restricted = !cron.days_of_week.all();
    return cron;
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_CRON_HPP
