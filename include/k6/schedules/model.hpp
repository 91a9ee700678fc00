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

/// @file
/// The API's schemas as plain value types: Schedule, CreateScheduleRequest, RecurrenceRule,
/// ScheduleCron, SchedulePage, AuthenticationResponse (ErrorBody and ErrorDetails are in
/// k6/schedules/error.hpp).

K6_SCHEDULES_BEGIN_NAMESPACE

/// Schema Frequency: the unit of a recurrence interval.
enum class Frequency {
    hourly,   ///< "HOURLY"
    daily,    ///< "DAILY"
    weekly,   ///< "WEEKLY"
    monthly,  ///< "MONTHLY"
    yearly,   ///< "YEARLY"
};

/// Schema Weekday.
enum class Weekday {
    monday,     ///< "MO"
    tuesday,    ///< "TU"
    wednesday,  ///< "WE"
    thursday,   ///< "TH"
    friday,     ///< "FR"
    saturday,   ///< "SA"
    sunday,     ///< "SU"
};

/// The API's spelling of each Frequency, indexed by its value.
inline constexpr std::array<std::string_view, 5> frequency_names{"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
/// The API's spelling of each Weekday, indexed by its value (Monday first).
inline constexpr std::array<std::string_view, 7> weekday_names{"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

/// The API's spelling of @p f: "HOURLY", "DAILY", ...
constexpr std::string_view to_string(Frequency f) noexcept { return frequency_names[static_cast<std::size_t>(f)]; }
/// The API's spelling of @p d: "MO", "TU", ...
constexpr std::string_view to_string(Weekday d) noexcept { return weekday_names[static_cast<std::size_t>(d)]; }

/// Parses the API's spelling of a frequency, exactly and case-sensitively (the API rejects
/// "daily"); std::nullopt for anything else.
constexpr std::optional<Frequency> parse_frequency(std::string_view s) noexcept {
    for (std::size_t i = 0; i < frequency_names.size(); ++i)
        if (frequency_names[i] == s) return static_cast<Frequency>(i);
    return std::nullopt;
}
/// Parses the API's spelling of a weekday, exactly and case-sensitively (the API rejects "mo");
/// std::nullopt for anything else.
constexpr std::optional<Weekday> parse_weekday(std::string_view s) noexcept {
    for (std::size_t i = 0; i < weekday_names.size(); ++i)
        if (weekday_names[i] == s) return static_cast<Weekday>(i);
    return std::nullopt;
}

/// Schema ScheduleCron: a 5-field cron expression or an alias, on the wall clock of `time_zone`
/// (see parse_cron() for the syntax).
struct ScheduleCron {
    std::string schedule{};   ///< "0 7 * * 1", "@daily", ... (at most 256 characters)
    std::string time_zone{};  ///< An IANA time zone name: "UTC", "Europe/Berlin", ... (at most 128 characters)

    /// Member-wise equality.
    friend bool operator==(const ScheduleCron&, const ScheduleCron&) = default;
};

/// Schema ScheduleRecurrenceRule: an RFC 5545 RRULE subset with DTSTART = `starts`.
/// Absent optional members are left out of requests, so the server applies its defaults.
struct RecurrenceRule {
    Frequency frequency = Frequency::daily;       ///< The unit of the interval (FREQ).
    std::optional<std::int64_t> interval{};       ///< Units between runs (INTERVAL), >= 1; absent means 1.
    std::optional<std::vector<Weekday>> byday{};  ///< The days of a week that run (BYDAY); Frequency::weekly only.
    std::optional<std::int64_t> count{};          ///< The total number of runs, counted from `starts` (COUNT), >= 1.
    std::optional<Timestamp> until{};             ///< The last instant that may run, inclusive (UNTIL).

    /// #interval, or 1 when it is absent.
    std::int64_t effective_interval() const noexcept { return interval.value_or(1); }

    /// Member-wise equality.
    friend bool operator==(const RecurrenceRule&, const RecurrenceRule&) = default;
};

/// Schema CreateScheduleRequest: the body of "set a schedule for the load test"
/// (BasicClient::async_set_load_test_schedule). At most one of `cron` and `recurrence_rule`;
/// neither means a single run at `starts`. validate_structure() and validate() check it.
struct CreateScheduleRequest {
    Timestamp starts{};                               ///< The first possible run (DTSTART of a rule).
    std::optional<RecurrenceRule> recurrence_rule{};  ///< Runs by an RFC 5545 rule.
    std::optional<ScheduleCron> cron{};               ///< Runs by a cron expression in a time zone.

    /// Member-wise equality.
    friend bool operator==(const CreateScheduleRequest&, const CreateScheduleRequest&) = default;
};

/// Schema ScheduleApiModel (title "Schedule"): a load test's schedule as the API returns it.
struct Schedule {
    ScheduleId id{};                                  ///< The schedule's id.
    LoadTestId load_test_id{};                        ///< The load test it runs.
    Timestamp starts{};                               ///< The first possible run.
    std::optional<RecurrenceRule> recurrence_rule{};  ///< Runs by an RFC 5545 rule, if set.
    std::optional<ScheduleCron> cron{};               ///< Runs by a cron expression, if set.
    bool deactivated = false;                         ///< True when deactivated: it does not run.
    std::optional<Timestamp> next_run{};              ///< The next run; absent once the schedule has expired.
    std::optional<std::string> created_by{};          ///< E-mail of the creator, when known.

    /// Member-wise equality.
    friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// Schema ScheduleListResponse: one page of "list all schedules".
struct SchedulePage {
    std::vector<Schedule> items{};           ///< The schedules of the page ("value").
    std::optional<std::int64_t> count{};     ///< The total ("@count"), present when asked for with ListQuery::count.
    std::optional<std::string> next_link{};  ///< The next page ("@nextLink"), absent on the last page.

    /// Member-wise equality.
    friend bool operator==(const SchedulePage&, const SchedulePage&) = default;
};

/// Schema AuthenticationResponse: what `GET /cloud/v6/auth` (BasicClient::async_authenticate)
/// answers for a token and a stack URL. Both ids are positive; the decoder refuses anything else.
struct AuthenticationResponse {
    std::int64_t stack_id = 0;            ///< The Grafana stack the URL names: what X-Stack-Id carries.
    std::int64_t default_project_id = 0;  ///< The stack's default k6 project.

    /// Member-wise equality.
    friend bool operator==(const AuthenticationResponse&, const AuthenticationResponse&) = default;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_MODEL_HPP
