// SPDX-License-Identifier: BSL-1.0
// The one place that touches a time-zone database. recurrence.hpp needs two things from it: whether
// a name is a known IANA zone, and the constant-offset period around an instant. By default they
// come from Howard Hinnant's date/tz (Debian: libhowardhinnant-date-dev, CMake target date::date-tz)
// reading the system's tzdata; define K6_SCHEDULES_USE_STD_CHRONO_TZ to use the standard library's
// std::chrono::locate_zone instead where it has one.
#ifndef K6_SCHEDULES_DETAIL_TIME_ZONE_HPP
#define K6_SCHEDULES_DETAIL_TIME_ZONE_HPP

#include <k6/schedules/detail/config.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#if defined(K6_SCHEDULES_USE_STD_CHRONO_TZ)
#include <stdexcept>
#else
#include <k6/schedules/detail/posix_tz.hpp>

#include <date/tz.h>

#include <map>
#include <mutex>
#endif

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// [begin, end): a period in which the zone's UTC offset does not change.
struct OffsetPeriod {
    std::chrono::sys_seconds begin, end;
    std::chrono::seconds offset;  // local = UTC + offset
};

#if defined(K6_SCHEDULES_USE_STD_CHRONO_TZ)

class TimeZone {
public:
    static std::optional<TimeZone> locate(std::string_view name) {
        try {
            return TimeZone(std::chrono::locate_zone(name));
        } catch (const std::runtime_error&) {
            return std::nullopt;
        }
    }

    // The name of the zone the system is set to, when it has one the database knows.
    static std::optional<std::string> system_zone_name() {
        try {
            return std::string(std::chrono::current_zone()->name());
        } catch (const std::runtime_error&) {
            return std::nullopt;
        }
    }

    OffsetPeriod period_at(std::chrono::sys_seconds t) const {
        const auto info = zone_->get_info(t);
        return {info.begin, info.end, info.offset};
    }

private:
    explicit TimeZone(const std::chrono::time_zone* zone) : zone_(zone) {}
    const std::chrono::time_zone* zone_;
};

#else

class TimeZone {
public:
    // nullopt for a name the database does not have (names are case-sensitive, as in the API).
    static std::optional<TimeZone> locate(std::string_view name) {
        const date::time_zone* zone = nullptr;
        try {
            zone = date::locate_zone(std::string(name));
        } catch (const std::exception&) {  // unknown name, or no database at all
            return std::nullopt;
        }
        return TimeZone(zone, footer_rule(zone->name()));
    }

    // The name of the zone the system is set to (/etc/localtime), when it has one the database knows.
    static std::optional<std::string> system_zone_name() {
        try {
            return date::current_zone()->name();
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }

    OffsetPeriod period_at(std::chrono::sys_seconds t) const {
        const auto info = zone_->get_info(t);
        // Past the file's last transition, the zone follows the file's POSIX rule.
        if (tail_rule_ && tail_rule_->dst_offset &&
            info.end > std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}) {
            auto period = tail_rule_->segment_at(t);
            if (period.begin < info.begin) period.begin = info.begin;
            return {period.begin, period.end, period.offset};
        }
        return {info.begin, info.end, info.offset};
    }

private:
    TimeZone(const date::time_zone* zone, std::shared_ptr<const PosixRule> tail_rule)
        : zone_(zone), tail_rule_(std::move(tail_rule)) {}

    // Read once per zone and process; the name is the database's own (never user text as a path).
    static std::shared_ptr<const PosixRule> footer_rule(const std::string& zone_name) {
        static std::mutex mutex;
        static std::map<std::string, std::shared_ptr<const PosixRule>, std::less<> > cache;
        std::lock_guard lock(mutex);
        auto [it, inserted] = cache.try_emplace(zone_name);
        if (inserted) {
            if (auto rule = read_tzif_footer_rule("/usr/share/zoneinfo/" + zone_name))
                it->second = std::make_shared<const PosixRule>(*rule);
        }
        return it->second;
    }

    const date::time_zone* zone_;
    std::shared_ptr<const PosixRule> tail_rule_;
};

#endif

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_TIME_ZONE_HPP
