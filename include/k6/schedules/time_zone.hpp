// SPDX-License-Identifier: BSL-1.0
#ifndef K6_SCHEDULES_TIME_ZONE_HPP
#define K6_SCHEDULES_TIME_ZONE_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/detail/time_zone.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/time.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

/// @file
/// Instants on the wall clock of a time zone, for people to read: TimeZone and
/// format_rfc3339(Timestamp, const TimeZone&). Needs the same time-zone database as
/// recurrence.hpp (which includes this header).

K6_SCHEDULES_BEGIN_NAMESPACE

/// A zone of the IANA time-zone database, located once, to show instants on its wall clock. A
/// value type; its const members may be called from several threads at once.
class TimeZone {
public:
    /// The zone called @p name ("Europe/Berlin", "UTC"; names are case-sensitive), or, for
    /// "local", the zone of this machine: the TZ environment variable when it names a zone of the
    /// database, else the system's setting (/etc/localtime).
    /// @return The zone, or an ErrorKind::invalid_argument error (target "time_zone") when the
    /// database has no such zone.
    static expected<TimeZone> locate(std::string_view name) {
        if (name == "local") return local();
        auto zone = detail::TimeZone::locate(name);
        if (!zone)
            return detail::invalid_argument(
                detail::quote_for_message(name) + " is not a time zone of the IANA database (e.g. UTC, Europe/Berlin)",
                "time_zone");
        return TimeZone(std::string(name), *zone);
    }

    /// The zone of this machine (see locate("local")); UTC when it cannot be told.
    static expected<TimeZone> local() {
        if (const char* tz = std::getenv("TZ"); tz && *tz) {
            std::string_view name(tz);
            if (name.front() == ':') name.remove_prefix(1);  // POSIX's ":Area/City" form
            if (auto zone = detail::TimeZone::locate(name)) return TimeZone(std::string(name), *zone);
        }
        const std::string name = detail::TimeZone::system_zone_name().value_or("UTC");
        auto zone = detail::TimeZone::locate(name);
        if (!zone) return locate("UTC");
        return TimeZone(name, *zone);
    }

    /// The zone's name in the database ("Europe/Berlin").
    const std::string& name() const noexcept { return name_; }

    /// The zone's offset from UTC at @p t (local time = UTC + offset).
    std::chrono::seconds utc_offset(Timestamp t) const {
        return zone_.period_at(std::chrono::floor<std::chrono::seconds>(t)).offset;
    }

private:
    TimeZone(std::string name, detail::TimeZone zone) : name_(std::move(name)), zone_(std::move(zone)) {}

    std::string name_;
    detail::TimeZone zone_;
};

/// Formats @p t as RFC 3339 on the wall clock of @p zone, with its offset and three fraction
/// digits: "2026-12-01T07:00:00.000+01:00". The zones UTC and Etc/UTC write "Z", as
/// format_rfc3339(Timestamp) does. The text is always the instant @p t, which parse_rfc3339()
/// reads back, for every @p t that format_rfc3339(Timestamp) writes without clamping:
/// - RFC 3339 offsets have whole minutes only. An offset with seconds (local mean time before a
///   zone adopted standard time, e.g. Africa/Monrovia's -00:44:30 until 1972) is written truncated
///   to whole minutes (-00:44), with the wall time of that offset, 30 seconds off the zone's own.
/// - When the wall time would fall outside the years 0000-9999 (within a day of the ends of the
///   range), the UTC form with "Z" is written instead.
/// An instant outside that range is written as format_rfc3339(Timestamp) writes it, clamped.
inline std::string format_rfc3339(Timestamp t, const TimeZone& zone) {
    if (!detail::rfc3339_writable(t)) return format_rfc3339(t);
    // Truncated toward zero: RFC 3339 cannot write the seconds of an offset.
    const auto offset = std::chrono::duration_cast<std::chrono::minutes>(zone.utc_offset(t));
    const bool utc = offset.count() == 0 && (zone.name() == "UTC" || zone.name() == "Etc/UTC");
    const Timestamp wall = t + offset;
    if (utc || !detail::rfc3339_writable(wall)) return format_rfc3339(t);
    std::string out;
    out.reserve(29);
    detail::append_date_time(out, wall);
    const auto minutes = offset.count();
    const auto magnitude = minutes < 0 ? -minutes : minutes;
    out.push_back(minutes < 0 ? '-' : '+');
    detail::append_digits(out, magnitude / 60, 2);
    out.push_back(':');
    detail::append_digits(out, magnitude % 60, 2);
    return out;
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_TIME_ZONE_HPP
