// SPDX-License-Identifier: BSL-1.0
// Instants the client computes from durations the user gives. Any positive duration is valid,
// milliseconds::max() included (the natural way to write "no limit"), and the steady clock counts
// signed nanoseconds: `now + milliseconds::max()` would overflow (undefined behaviour) into an
// instant in the past, a deadline that has always passed. Every such sum goes through later(),
// which saturates at the clock's end of time, and durations are compared in milliseconds, never
// converted to nanoseconds.
#ifndef K6_SCHEDULES_DETAIL_SATURATING_TIME_HPP
#define K6_SCHEDULES_DETAIL_SATURATING_TIME_HPP

#include <k6/schedules/detail/config.hpp>

#include <chrono>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// `from + by`, or the clock's last instant when that is beyond it; `from` for a duration <= 0.
template <class Clock>
constexpr typename Clock::time_point later(typename Clock::time_point from, std::chrono::milliseconds by) noexcept {
    using TimePoint = typename Clock::time_point;
    using Duration = typename Clock::duration;
    static_assert(std::chrono::treat_as_floating_point_v<typename Duration::rep> == false);
    if (by.count() <= 0) return from;
    const Duration room = TimePoint::max() - from;  // the clock's instants: from >= its epoch here
    // How many ticks of the clock a millisecond is, as an integer (1,000,000 for nanoseconds).
    constexpr auto per_ms = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(1)).count();
    if (by.count() >= room.count() / per_ms) return TimePoint::max();
    return from + Duration(by.count() * per_ms);
}

inline std::chrono::steady_clock::time_point later(std::chrono::steady_clock::time_point from,
                                                    std::chrono::milliseconds by) noexcept {
    return later<std::chrono::steady_clock>(from, by);
}

// How long since `since`, in whole milliseconds, to compare with a user's duration.
inline std::chrono::milliseconds elapsed_ms(std::chrono::steady_clock::time_point since,
                                            std::chrono::steady_clock::time_point now) noexcept {
    return std::chrono::floor<std::chrono::milliseconds>(now - since);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_SATURATING_TIME_HPP
