// SPDX-License-Identifier: BSL-1.0
// The API's schemas as plain value types (tag `schedules` of the k6 Cloud OpenAPI description).
#ifndef K6_SCHEDULES_MODEL_HPP
#define K6_SCHEDULES_MODEL_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/time.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE

// Schema Frequency: the unit of a recurrence interval.
enum class Frequency { hourly, daily, weekly, monthly, yearly };

// Schema Weekday.
enum class Weekday { monday, tuesday, wednesday, thursday, friday, saturday, sunday };

inline constexpr std::array<std::string_view, 5> frequency_names{"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
inline constexpr std::array<std::string_view, 7> weekday_names{"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

// The API spelling: "HOURLY", "MO", ...
constexpr std::string_view to_string(Frequency f) noexcept { return frequency_names[static_cast<std::size_t>(f)]; }
constexpr std::string_view to_string(Weekday d) noexcept { return weekday_names[static_cast<std::size_t>(d)]; }

// Exact, case-sensitive: the API rejects "daily" and "mo".
constexpr std::optional<Frequency> parse_frequency(std::string_view s) noexcept {
    for (std::size_t i = 0; i < frequency_names.size(); ++i)
        if (frequency_names[i] == s) return static_cast<Frequency>(i);
    return std::nullopt;
}
constexpr std::optional<Weekday> parse_weekday(std::string_view s) noexcept {
    for (std::size_t i = 0; i < weekday_names.size(); ++i)
        if (weekday_names[i] == s) return static_cast<Weekday>(i);
    return std::nullopt;
}

// Schema ScheduleCron: a 5-field cron expression or an alias, on the wall clock of `time_zone`.
struct ScheduleCron {
    std::string schedule{};   // "0 7 * * 1", "@daily", ... (max 256 characters)
    std::string time_zone{};  // IANA name, "UTC", "Europe/Berlin", ... (max 128 characters)

    friend bool operator==(const ScheduleCron&, const ScheduleCron&) = default;
};

// Schema ScheduleRecurrenceRule: an RFC 5545 RRULE subset with DTSTART = `starts`.
// Absent optional members are left out of requests, so the server applies its defaults.
struct RecurrenceRule {
    Frequency frequency = Frequency::daily;
    std::optional<std::int64_t> interval{};       // >= 1; absent means 1
    std::optional<std::vector<Weekday>> byday{};  // WEEKLY only
    std::optional<std::int64_t> count{};          // total number of runs, >= 1
    std::optional<Timestamp> until{};             // inclusive upper bound

    std::int64_t effective_interval() const noexcept { return interval.value_or(1); }

    friend bool operator==(const RecurrenceRule&, const RecurrenceRule&) = default;
};

// Schema CreateScheduleRequest: the body of "set a schedule for the load test".
// At most one of `cron` and `recurrence_rule`; neither means a single run at `starts`.
struct CreateScheduleRequest {
    Timestamp starts{};
    std::optional<RecurrenceRule> recurrence_rule{};
    std::optional<ScheduleCron> cron{};

    friend bool operator==(const CreateScheduleRequest&, const CreateScheduleRequest&) = default;
};

// Schema ScheduleApiModel (title "Schedule").
struct Schedule {
    ScheduleId id{};
    LoadTestId load_test_id{};
    Timestamp starts{};
    std::optional<RecurrenceRule> recurrence_rule{};
    std::optional<ScheduleCron> cron{};
    bool deactivated = false;
    std::optional<Timestamp> next_run{};      // absent once the schedule has expired
    std::optional<std::string> created_by{};  // e-mail of the creator, when known

    friend bool operator==(const Schedule&, const Schedule&) = default;
};

// Schema ScheduleListResponse: one page of "list all schedules".
struct SchedulePage {
    std::vector<Schedule> items{};           // "value"
    std::optional<std::int64_t> count{};     // "@count", present when requested with $count
    std::optional<std::string> next_link{};  // "@nextLink", absent on the last page

    friend bool operator==(const SchedulePage&, const SchedulePage&) = default;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_MODEL_HPP
