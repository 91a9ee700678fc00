// SPDX-License-Identifier: BSL-1.0
// Checks of a CreateScheduleRequest that need no time-zone database: what the API rejects with
// 400 and a `target` naming the field. recurrence.hpp adds the one check that does (a known zone).
#ifndef K6_SCHEDULES_VALIDATION_HPP
#define K6_SCHEDULES_VALIDATION_HPP

#include <k6/schedules/cron.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/model.hpp>

#include <chrono>
#include <string>

/// @file
/// validate_structure(): the checks of a CreateScheduleRequest that need no time-zone database.

K6_SCHEDULES_BEGIN_NAMESPACE

/// The longest ScheduleCron::schedule the API accepts, in characters (from the OpenAPI description).
inline constexpr std::size_t max_cron_schedule_length = 256;
/// The longest ScheduleCron::time_zone the API accepts, in characters (from the OpenAPI description).
inline constexpr std::size_t max_time_zone_length = 128;

/// Checks @p request the way the service does, except whether cron.time_zone names a zone of the
/// IANA database (validate() in k6/schedules/recurrence.hpp checks that too): `starts` in the years
/// 0000-9999, at most one of cron and recurrence_rule, a valid cron expression or alias
/// (parse_cron()), a time zone name that is not empty, the schema's length limits, `interval` and
/// `count` >= 1, `byday` only with Frequency::weekly. (A Timestamp is always timezone-aware;
/// parse_json() is what rejects a naive or malformed `starts`.) The default
/// ClientOptions::request_validator.
/// @return Nothing, or an ErrorKind::invalid_argument error (errc::invalid_argument) whose `target`
/// is the dotted field: "starts", "cron.schedule", "cron.time_zone",
/// "recurrence_rule.interval|count|byday", or "" when the request as a whole is wrong (both cron
/// and recurrence_rule set).
inline expected<void> validate_structure(const CreateScheduleRequest& request) {
    using namespace std::chrono;
    if (request.starts < Timestamp{sys_days{year{0} / 1 / 1}} ||
        request.starts >= Timestamp{sys_days{year{10000} / 1 / 1}})
        return detail::invalid_argument("starts must lie in the years 0000-9999 (RFC 3339)", "starts");
    if (request.cron && request.recurrence_rule)
        return detail::invalid_argument("only one of cron and recurrence_rule can be set", "");
    if (const auto& cron = request.cron) {
        if (cron->schedule.size() > max_cron_schedule_length)
            return detail::invalid_argument("cron.schedule is longer than 256 characters", "cron.schedule");
        if (auto parsed = parse_cron(cron->schedule); !parsed)
            return detail::invalid_argument("cron.schedule: " + parsed.error(), "cron.schedule");
        if (cron->time_zone.empty())
            return detail::invalid_argument("cron.time_zone is empty; name an IANA time zone such as UTC",
                                            "cron.time_zone");
        if (cron->time_zone.size() > max_time_zone_length)
            return detail::invalid_argument("cron.time_zone is longer than 128 characters", "cron.time_zone");
    }
    if (const auto& rule = request.recurrence_rule) {
        if (rule->interval && *rule->interval < 1)
            return detail::invalid_argument(
                "recurrence_rule.interval must be at least 1, got " + std::to_string(*rule->interval),
                "recurrence_rule.interval");
        if (rule->count && *rule->count < 1)
            return detail::invalid_argument(
                "recurrence_rule.count must be at least 1, got " + std::to_string(*rule->count),
                "recurrence_rule.count");
        // An empty list sets no day, so it is treated like an absent one.
        if (rule->byday && !rule->byday->empty() && rule->frequency != Frequency::weekly)
            return detail::invalid_argument("recurrence_rule.byday can only be set with frequency WEEKLY, not " +
                                                std::string(to_string(rule->frequency)),
                                            "recurrence_rule.byday");
    }
    return {};
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_VALIDATION_HPP
