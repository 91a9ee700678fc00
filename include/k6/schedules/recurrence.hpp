// SPDX-License-Identifier: BSL-1.0
// When a schedule runs: validate() a request the way the service does, and compute its next runs
// with next_runs()/next_run() or a compiled Recurrence, or the runs of a whole listing within a
// window, merged in time order, with UpcomingRuns. Needs a time-zone database (see
// detail/time_zone.hpp; CMake target k6::schedules_recurrence); the rest of the library does not.
//
// Semantics (tests/data/recurrence_vectors.json holds reference cases computed with
// python-dateutil and croniter):
// - no rule: one run, at `starts`;
// - recurrence_rule: RFC 5545 RRULE with DTSTART = starts, evaluated in UTC; FREQ, INTERVAL, BYDAY
//   (WEEKLY only, weeks start on Monday), COUNT (runs counted from starts) and UNTIL (inclusive);
//   a `starts` not matched by byday is not a run; fractional seconds of starts are kept; MONTHLY on
//   days 29-31 runs on the month's last day when the day does not exist, without drifting
//   (Mar 31 -> Apr 30 -> May 31); YEARLY from Feb 29 runs in leap years only;
// - cron: every minute whose wall-clock time in cron.time_zone matches, at or after `starts`; a
//   local time repeated by a DST change runs at both instants; a local time skipped by one runs
//   once, at the end of the gap, unless the hour field covers every hour, as "*" or "*/1" do (then
//   it does not run).
// Runs later than 9999-12-31T23:59:59.999Z, which RFC 3339 cannot write, are not produced.
#ifndef K6_SCHEDULES_RECURRENCE_HPP
#define K6_SCHEDULES_RECURRENCE_HPP

#include <k6/schedules/cron.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/time_zone.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/time.hpp>
#include <k6/schedules/time_zone.hpp>
#include <k6/schedules/validation.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

/// @file
/// When a schedule runs: validate() and the next runs (next_runs(), next_run(), Recurrence), and
/// every run of a listing within a window, in time order (UpcomingRuns), computed locally the way
/// the service does; the rules are on the page @ref recurrence. Needs a time-zone database (CMake
/// target k6::schedules_recurrence): Howard Hinnant's date/tz over the system's tzdata, or
/// std::chrono::locate_zone when K6_SCHEDULES_USE_STD_CHRONO_TZ is defined. Runs later than
/// 9999-12-31T23:59:59.999Z, which RFC 3339 cannot write, are not produced. Pure computations, safe
/// to call from several threads at once, except advancing one UpcomingRuns.

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

using namespace std::chrono_literals;

// The last instant RFC 3339 can write; no run is produced after it.
inline constexpr Timestamp horizon =
    Timestamp{std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}} + std::chrono::days{1} - 1ms;

inline expected<void> check_time_zone(const CreateScheduleRequest& request) {
    if (request.cron && !TimeZone::locate(request.cron->time_zone))
        return invalid_argument("cron.time_zone " + quote_for_message(request.cron->time_zone) +
                                    " is not a time zone of the IANA database (e.g. UTC, Europe/Berlin)",
                                "cron.time_zone");
    return {};
}

// Months since year 0, for month arithmetic without calendar types.
inline std::int64_t month_index(std::chrono::year_month_day d) {
    return std::int64_t{static_cast<int>(d.year())} * 12 + static_cast<unsigned>(d.month()) - 1;
}

inline std::chrono::year_month from_month_index(std::int64_t index) {
    return std::chrono::year{static_cast<int>(index / 12)} / std::chrono::month{static_cast<unsigned>(index % 12 + 1)};
}

// The first day of date's month after date.day() that matches, or last + 1: by day-of-month bits
// and by weekday arithmetic, without testing every day.
inline unsigned next_day(const CronExpression& cron, std::chrono::year_month_day date, unsigned last) {
    const unsigned today = static_cast<unsigned>(date.day());
    unsigned by_month_day = last + 1, by_weekday = last + 1;
    if (cron.day_of_month_restricted || !cron.day_of_week_restricted) {
        for (unsigned d = today + 1; d <= last; ++d)
            if (!cron.day_of_month_restricted || cron.days_of_month[d]) {
                by_month_day = d;
                break;
            }
    }
    if (cron.day_of_week_restricted) {
        const unsigned weekday = std::chrono::weekday{std::chrono::sys_days{date}}.c_encoding();
        for (unsigned ahead = 1; ahead <= 7 && today + ahead <= last; ++ahead)
            if (cron.days_of_week[(weekday + ahead) % 7]) {
                by_weekday = today + ahead;
                break;
            }
    }
    // Both restricted: either may match (OR); one restricted: only that one counts.
    if (cron.day_of_month_restricted && cron.day_of_week_restricted) return std::min(by_month_day, by_weekday);
    return cron.day_of_week_restricted ? by_weekday : by_month_day;
}

// The next wall-clock minute at or after `from` (a whole minute, wall time written as sys time) that
// the expression matches, jumping month by month, day by day and hour by hour. nullopt after 9999.
inline std::optional<std::chrono::sys_seconds> next_wall_match(const CronExpression& cron,
                                                               std::chrono::sys_seconds from) {
    using namespace std::chrono;
    auto day = floor<days>(from);
    auto hour = static_cast<unsigned>(duration_cast<hours>(from - day).count());
    auto minute = static_cast<unsigned>(duration_cast<minutes>(from - day - hours{hour}).count());
    year_month_day date{day};
    auto next_set = [](const auto& bits, unsigned from_bit) -> int {
        for (unsigned i = from_bit; i < bits.size(); ++i)
            if (bits[i]) return static_cast<int>(i);
        return -1;
    };
    while (date.year() <= year{9999}) {
        const unsigned m = static_cast<unsigned>(date.month());
        if (!cron.months[m]) {
            const int next_month = next_set(cron.months, m + 1);
            date = next_month < 0 ? year_month_day{(date.year() + years{1}) / January / 1}
                                  : year_month_day{date.year() / month{static_cast<unsigned>(next_month)} / 1};
            hour = minute = 0;
            continue;
        }
        if (!cron.matches_day(date)) {
            const auto last = static_cast<unsigned>((date.year() / date.month() / std::chrono::last).day());
            const unsigned d = next_day(cron, date, last);
            date = d <= last ? year_month_day{date.year() / date.month() / std::chrono::day{d}}
                             : year_month_day{sys_days{date.year() / date.month() / std::chrono::last} + days{1}};
            hour = minute = 0;
            continue;
        }
        const int h = next_set(cron.hours, hour);
        if (h < 0) {
            date = year_month_day{sys_days{date} + days{1}};
            hour = minute = 0;
            continue;
        }
        if (static_cast<unsigned>(h) != hour) {
            hour = static_cast<unsigned>(h);
            minute = 0;
        }
        const int mi = next_set(cron.minutes, minute);
        if (mi < 0) {
            ++hour;
            minute = 0;
            if (hour == 24) {
                date = year_month_day{sys_days{date} + days{1}};
                hour = 0;
            }
            continue;
        }
        return sys_days{date} + hours{hour} + minutes{mi};
    }
    return std::nullopt;
}

// True when a day can ever match: only a day-of-month list none of whose days exist in any of the
// allowed months ("0 0 30 2 *") cannot. Checked once, so such a schedule returns no run at once.
inline bool can_match(const CronExpression& cron) {
    if (!cron.day_of_month_restricted || cron.day_of_week_restricted) return true;
    constexpr unsigned longest[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; ++m)
        for (unsigned d = 1; d <= longest[m]; ++d)
            if (cron.months[m] && cron.days_of_month[d]) return true;
    return false;
}

}  // namespace detail

/// Checks @p request as the service does before accepting a schedule: validate_structure() plus a
/// known IANA time zone for cron. Set ClientOptions::request_validator to it to check requests
/// fully before they are sent.
/// @return Nothing, or an ErrorKind::invalid_argument error (errc::invalid_argument) with `target`
/// naming the field ("cron.time_zone" for an unknown zone).
inline expected<void> validate(const CreateScheduleRequest& request) {
    if (auto valid = validate_structure(request); !valid) return valid;
    return detail::check_time_zone(request);
}

/// A validated schedule ready to answer "when does it run?" many times, by the rules of the page
/// @ref recurrence. A value type; its const members may be called from several threads at once.
class Recurrence {
public:
    /// Validates @p request (as validate() does) and prepares it: the cron expression parsed, its
    /// time zone located.
    /// @return The recurrence, or validate()'s ErrorKind::invalid_argument error.
    static expected<Recurrence> compile(const CreateScheduleRequest& request) {
        if (auto valid = validate_structure(request); !valid) return std::unexpected(std::move(valid.error()));
        Recurrence r;
        r.starts_ = request.starts;
        r.rule_ = request.recurrence_rule;
        if (r.rule_ && r.rule_->byday && r.rule_->byday->empty()) r.rule_->byday.reset();
        if (request.cron) {
            auto zone = detail::TimeZone::locate(request.cron->time_zone);
            if (!zone) return std::unexpected(detail::check_time_zone(request).error());
            r.cron_.emplace(CronPlan{*parse_cron(request.cron->schedule), *zone});
            r.cron_->possible = detail::can_match(r.cron_->expression);
        }
        return r;
    }

    /// The same for the `starts`, `recurrence_rule` and `cron` of a Schedule.
    static expected<Recurrence> compile(const Schedule& schedule) {
        return compile(CreateScheduleRequest{schedule.starts, schedule.recurrence_rule, schedule.cron});
    }

    /// Up to @p n runs strictly after @p after, in order (fewer when the schedule ends; none for n = 0).
    std::vector<Timestamp> next_runs(Timestamp after, std::size_t n) const {
        std::vector<Timestamp> runs;
        runs.reserve(std::min<std::size_t>(n, 1024));
        if (n == 0) return runs;
        if (cron_) {
            cron_runs(after, n, runs);
        } else if (!rule_) {
            if (starts_ > after && starts_ <= detail::horizon) runs.push_back(starts_);
        } else {
            rule_runs(after, n, runs);
        }
        return runs;
    }

    /// The first run strictly after @p after; std::nullopt once the schedule has expired.
    std::optional<Timestamp> next_run(Timestamp after) const {
        auto runs = next_runs(after, 1);
        if (runs.empty()) return std::nullopt;
        return runs.front();
    }

private:
    struct CronPlan {
        CronExpression expression;
        detail::TimeZone zone;
        bool possible = true;
    };

    using ms = std::chrono::milliseconds;

    // Emits runs of the RRULE in order; `ordinal` counts runs from starts for COUNT.
    struct Emitter {
        const RecurrenceRule& rule;
        Timestamp after;
        std::size_t n;
        std::vector<Timestamp>& out;

        // false: stop (enough runs, or the rule has ended)
        bool operator()(Timestamp run, std::int64_t ordinal) const {
            if (rule.count && ordinal >= *rule.count) return false;
            if (rule.until && run > *rule.until) return false;
            if (run > detail::horizon) return false;
            if (run > after) out.push_back(run);
            return out.size() < n;
        }
    };

    void rule_runs(Timestamp after, std::size_t n, std::vector<Timestamp>& out) const {
        using namespace std::chrono;
        const RecurrenceRule& rule = *rule_;
        const std::int64_t interval = rule.effective_interval();
        const Emitter emit{rule, after, n, out};
        const auto day_start = floor<days>(starts_);
        const ms time_of_day = starts_ - day_start;
        const year_month_day start_date{day_start};
        const ms span = detail::horizon - starts_;  // runs beyond it are never produced

        switch (rule.frequency) {
            case Frequency::hourly:
            case Frequency::daily:
            case Frequency::weekly: {
                if (rule.frequency == Frequency::weekly && rule.byday) return weekly_by_day(emit, interval);
                const ms unit = rule.frequency == Frequency::hourly  ? ms{hours{1}}
                                : rule.frequency == Frequency::daily ? ms{days{1}}
                                                                     : ms{weeks{1}};
                if (interval > span / unit) {  // only the first run fits before the horizon
                    emit(starts_, 0);
                    return;
                }
                const ms period = unit * interval;
                std::int64_t k = after < starts_ ? 0 : (after - starts_) / period + 1;
                while (emit(starts_ + k * period, k)) ++k;
                return;
            }
            case Frequency::monthly: {
                const std::int64_t first = detail::month_index(start_date);
                const unsigned target_day = static_cast<unsigned>(start_date.day());
                auto run = [&](std::int64_t k) {
                    const auto ym = detail::from_month_index(first + k * interval);
                    const auto last = static_cast<unsigned>((ym / std::chrono::last).day());
                    // Days 29-31 clamp to the month's last day; the target day itself never changes.
                    return Timestamp{sys_days{ym / std::chrono::day{std::min(target_day, last)}}} + time_of_day;
                };
                if (interval > 12 * 10000) {
                    emit(starts_, 0);
                    return;
                }
                std::int64_t k = 0;
                if (after >= starts_) {
                    const std::int64_t months_after = detail::month_index(year_month_day{floor<days>(after)}) - first;
                    k = std::max<std::int64_t>(0, months_after / interval - 1);
                }
                while (k > 0 && run(k) > after) --k;  // never start past the first run after `after`
                while (emit(run(k), k)) ++k;
                return;
            }
            case Frequency::yearly: {
                if (interval > 10000) {
                    emit(starts_, 0);
                    return;
                }
                // Only Feb 29 can be missing in a year; such years are skipped and not counted.
                const int first_year = static_cast<int>(start_date.year());
                std::int64_t ordinal = 0;
                for (std::int64_t k = 0;; ++k) {
                    const std::int64_t y = first_year + k * interval;
                    if (y > 9999) return;
                    const year_month_day date{year{static_cast<int>(y)}, start_date.month(), start_date.day()};
                    if (!date.ok()) continue;
                    const Timestamp run = Timestamp{sys_days{date}} + time_of_day;
                    if (run <= after && !rule.count && !rule.until) {
                        // Nothing to count: jump close to `after` instead of walking year by year.
                        const std::int64_t years_after =
                            static_cast<int>(year_month_day{floor<days>(after)}.year()) - y;
                        if (years_after > 2 * interval) k += years_after / interval - 1;
                        ++ordinal;
                        continue;
                    }
                    if (!emit(run, ordinal++)) return;
                }
            }
        }
    }

    // WEEKLY with BYDAY: weeks start on Monday; each active week has one run per listed day.
    template <class Emit>
    void weekly_by_day(const Emit& emit, std::int64_t interval) const {
        using namespace std::chrono;
        bool listed[7] = {};
        for (Weekday d : *rule_->byday) listed[static_cast<std::size_t>(d)] = true;  // Monday = 0
        std::vector<unsigned> days_of_week;
        for (unsigned d = 0; d < 7; ++d)
            if (listed[d]) days_of_week.push_back(d);
        const auto start_day = floor<days>(starts_);
        const ms time_of_day = starts_ - start_day;
        const unsigned start_weekday = (weekday{start_day}.iso_encoding() + 6) % 7;  // Monday = 0
        const sys_days first_monday = start_day - days{start_weekday};
        const ms span = detail::horizon - Timestamp{first_monday};
        if (interval > span / ms{weeks{1}}) interval = span / ms{weeks{1}} + 1;  // one active week only
        const ms period = ms{weeks{1}} * interval;
        // Runs in the first week: the listed days from the start's own weekday on.
        const auto in_first_week = static_cast<std::int64_t>(
            std::count_if(days_of_week.begin(), days_of_week.end(), [&](unsigned d) { return d >= start_weekday; }));
        const auto per_week = static_cast<std::int64_t>(days_of_week.size());

        std::int64_t week = 0;
        if (emit.after >= Timestamp{first_monday}) week = (emit.after - Timestamp{first_monday}) / period;
        for (;; ++week) {
            const Timestamp monday = Timestamp{first_monday} + week * period;
            for (std::size_t i = 0; i < days_of_week.size(); ++i) {
                if (week == 0 && days_of_week[i] < start_weekday) continue;
                const std::int64_t ordinal = week == 0
                                                 ? static_cast<std::int64_t>(i) - (per_week - in_first_week)
                                                 : in_first_week + (week - 1) * per_week + static_cast<std::int64_t>(i);
                const Timestamp run = monday + days{days_of_week[i]} + time_of_day;
                if (run <= emit.after && !(rule_->count && ordinal >= *rule_->count)) continue;
                if (!emit(run, ordinal)) return;
            }
        }
    }

    // Walks the zone's constant-offset periods in UTC order, so that repeated local times come out
    // twice and in order, and nonexistent ones fall into the gaps between periods.
    void cron_runs(Timestamp after, std::size_t n, std::vector<Timestamp>& out) const {
        using namespace std::chrono;
        if (!cron_->possible) return;
        const CronExpression& cron = cron_->expression;
        Timestamp t = std::max(starts_, after + ms{1});  // runs are >= starts and > after
        detail::OffsetPeriod period = cron_->zone.period_at(floor<seconds>(t));
        while (out.size() < n && t <= detail::horizon) {
            if (Timestamp{period.end} <= t) period = cron_->zone.period_at(floor<seconds>(t));
            const auto wall_from = ceil<minutes>(t + period.offset);
            const auto match = detail::next_wall_match(cron, sys_seconds{wall_from});
            if (!match) return;  // no matching wall time before year 10000
            const sys_seconds instant = *match - period.offset;
            if (instant < period.end) {
                if (Timestamp{instant} > detail::horizon) return;
                out.push_back(Timestamp{instant});
                t = Timestamp{instant} + ms{1};
                continue;
            }
            if (period.end >= sys_seconds{floor<seconds>(detail::horizon)}) return;
            const detail::OffsetPeriod next = cron_->zone.period_at(period.end);
            if (next.offset > period.offset && !cron.every_hour) {
                // Clocks jumped forward: matching wall times in the gap run once, when it ends.
                const auto gap_match = detail::next_wall_match(cron, ceil<minutes>(period.end + period.offset));
                if (gap_match && *gap_match < period.end + next.offset) {
                    out.push_back(Timestamp{period.end});
                    t = Timestamp{period.end} + ms{1};
                    period = next;
                    continue;
                }
            }
            t = Timestamp{period.end};
            period = next;
        }
    }

    Timestamp starts_{};
    std::optional<RecurrenceRule> rule_;
    std::optional<CronPlan> cron_;
};

/// The next @p n runs of @p request strictly after @p after, in order (fewer when it ends):
/// Recurrence::compile() then Recurrence::next_runs().
/// @return The runs, or an ErrorKind::invalid_argument error when the request is invalid (validate()).
inline expected<std::vector<Timestamp>> next_runs(const CreateScheduleRequest& request, Timestamp after,
                                                  std::size_t n) {
    auto recurrence = Recurrence::compile(request);
    if (!recurrence) return std::unexpected(std::move(recurrence.error()));
    return recurrence->next_runs(after, n);
}

/// The same for the `starts`, `recurrence_rule` and `cron` of a Schedule.
inline expected<std::vector<Timestamp>> next_runs(const Schedule& schedule, Timestamp after, std::size_t n) {
    return next_runs(CreateScheduleRequest{schedule.starts, schedule.recurrence_rule, schedule.cron}, after, n);
}

/// The first run of @p request strictly after @p now, or std::nullopt when it has no run left (what
/// the API reports as next_run: null).
/// @return The run or std::nullopt, or an ErrorKind::invalid_argument error when the request is
/// invalid (validate()).
inline expected<std::optional<Timestamp>> next_run(const CreateScheduleRequest& request, Timestamp now) {
    auto recurrence = Recurrence::compile(request);
    if (!recurrence) return std::unexpected(std::move(recurrence.error()));
    return recurrence->next_run(now);
}

/// The same for the `starts`, `recurrence_rule` and `cron` of a Schedule (compare Schedule::next_run).
inline expected<std::optional<Timestamp>> next_run(const Schedule& schedule, Timestamp now) {
    return next_run(CreateScheduleRequest{schedule.starts, schedule.recurrence_rule, schedule.cron}, now);
}

/// One run of UpcomingRuns: when, of which schedule and load test, and whether it competes with a
/// run of another load test.
struct UpcomingRun {
    Timestamp at{};          ///< When it runs.
    ScheduleId schedule{};   ///< The schedule it is a run of.
    LoadTestId load_test{};  ///< The load test it starts.
    /// True when a run of a different load test (of an active schedule of the same listing) starts
    /// less than UpcomingRuns::overlap_window before or after it, |a - b| < 60 s, even when that run
    /// lies just outside the window asked for. Runs of the same load test never set it.
    bool overlaps = false;

    /// Member-wise equality.
    friend bool operator==(const UpcomingRun&, const UpcomingRun&) = default;
};

/// Every run of every active schedule of a listing within a time window, merged into one stream in
/// time order, computed locally by the rules of the page @ref recurrence (Schedule::next_run, the
/// service's own answer, is not used).
///
/// - Window: runs strictly after `from`, as Recurrence::next_runs() counts "after", and at or before
///   `to`.
/// - Order: by time; runs at the same instant by schedule id, then by position in the listing (an
///   id listed twice), so that the order is always the same.
/// - Deactivated schedules are skipped without being compiled: their runs will not happen.
/// - Overlap: see UpcomingRun::overlaps.
///
/// Memory grows with the number of schedules, not of runs: each schedule holds a batch of at most
/// 64 computed runs, fetched with one Recurrence::next_runs() call (each call prepares the schedule
/// again, and walks a YEARLY rule with a COUNT or UNTIL from its start, so one call per run would
/// cost far more), and next() looks ahead only over the runs less than overlap_window after the run
/// it returns. A window of centuries is fine.
///
/// It keeps compiled copies of the schedules, not references to the listing; a copy of a stream
/// goes on independently from the same point. Not safe to advance from several threads at once. An
/// input range, consumed as it is iterated: `for (const UpcomingRun& run : *upcoming)`.
class UpcomingRuns {
public:
    /// Runs of different load tests closer than this (strictly) overlap: 60 seconds.
    static constexpr std::chrono::milliseconds overlap_window{std::chrono::seconds{60}};

    /// Compiles the active schedules of @p schedules and prepares their runs in (@p from, @p to].
    /// An empty listing, or @p to equal to @p from, gives an empty stream.
    /// @return The stream; or the error of the first active schedule that Recurrence::compile()
    /// refuses (ErrorKind::invalid_argument), its message starting "schedule <id>: " and its target
    /// naming the field ("cron.time_zone", ...); or an ErrorKind::invalid_argument error with target
    /// "to" when @p to is before @p from.
    static expected<UpcomingRuns> create(std::span<const Schedule> schedules, Timestamp from, Timestamp to) {
        if (to < from)
            return detail::invalid_argument(
                "the window ends (" + format_rfc3339(to) + ") before it begins (" + format_rfc3339(from) + ")", "to");
        UpcomingRuns upcoming;
        upcoming.from_ = from;
        upcoming.to_ = to;
        // Runs up to overlap_window outside the window are computed too, only to mark the runs inside
        // it that they overlap. Saturated, for callers that pass the extremes of Timestamp.
        const Timestamp after = from < Timestamp::min() + overlap_window ? Timestamp::min() : from - overlap_window;
        upcoming.last_ =
            to > Timestamp::max() - overlap_window ? Timestamp::max() : to + overlap_window - Timestamp::duration{1};
        for (const Schedule& schedule : schedules) {
            if (schedule.deactivated) continue;
            auto compiled = Recurrence::compile(schedule);
            if (!compiled) {
                ApiError error = std::move(compiled.error());
                error.message = "schedule " + to_string(schedule.id) + ": " + error.message;
                return std::unexpected(std::move(error));
            }
            Source source{std::move(*compiled), schedule.id, schedule.load_test_id};
            if (source.fill(after, upcoming.last_)) upcoming.sources_.push_back(std::move(source));
        }
        for (std::size_t i = 0; i < upcoming.sources_.size(); ++i) upcoming.heap_.push_back(i);
        std::ranges::make_heap(upcoming.heap_, upcoming.later());
        return upcoming;
    }

    /// The next run in order, or std::nullopt once every run of the window has been returned.
    /// O(log s) for s schedules, plus one Recurrence::next_runs() call per schedule for every 64 of
    /// its runs.
    std::optional<UpcomingRun> next() {
        for (;;) {
            if (window_.empty()) {
                if (heap_.empty()) return std::nullopt;
                pull();
            }
            // Whether the first run overlaps is settled once every run less than overlap_window
            // after it has been seen; the runs before it were seen earlier.
            const Timestamp first = window_.front().at;
            while (!heap_.empty() && sources_[heap_.front()].head() - first < overlap_window) pull();
            const UpcomingRun run = window_.front();
            window_.pop_front();
            ++window_base_;
            if (run.at > from_ && run.at <= to_) return run;
            // Otherwise a run of the margins, there only to mark the runs inside the window.
        }
    }

    /// The runs computed but not yet returned: the rest of each schedule's batch plus the look-ahead
    /// of next(). At most 64 per schedule plus the runs less than overlap_window after the next one,
    /// however long the window. For tests and diagnostics; O(number of schedules).
    std::size_t buffered() const noexcept {
        std::size_t n = window_.size();
        for (std::size_t i : heap_) n += sources_[i].batch.size() - sources_[i].position;
        return n;
    }

    /// The input iterator of a range-for over the stream: each step calls next().
    class iterator {
    public:
        using value_type = UpcomingRun;                    ///< What it yields.
        using difference_type = std::ptrdiff_t;            ///< Required of an iterator; not meaningful.
        using iterator_concept = std::input_iterator_tag;  ///< Single pass.

        /// An iterator at the end.
        iterator() = default;
        /// The current run.
        const UpcomingRun& operator*() const noexcept { return *current_; }
        /// The current run's members.
        const UpcomingRun* operator->() const noexcept { return &*current_; }
        /// Steps to the next run.
        iterator& operator++() {
            current_ = upcoming_->next();
            return *this;
        }
        /// Steps to the next run (an input iterator's post-increment returns nothing).
        void operator++(int) { ++*this; }
        /// True once the stream is exhausted.
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return !it.current_; }

    private:
        friend class UpcomingRuns;
        explicit iterator(UpcomingRuns& upcoming) : upcoming_(&upcoming), current_(upcoming.next()) {}
        UpcomingRuns* upcoming_ = nullptr;
        std::optional<UpcomingRun> current_;
    };

    /// Starts iterating by taking the next run: the stream is consumed, so calling begin() again
    /// goes on from where the last iteration stopped, one run later.
    iterator begin() { return iterator{*this}; }
    /// The end of the stream.
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    UpcomingRuns() = default;

    // The runs of one schedule, computed a batch at a time, each batch cut after `last`.
    struct Source {
        static constexpr std::size_t max_batch = 64;

        Recurrence recurrence;
        ScheduleId schedule;
        LoadTestId load_test;
        std::vector<Timestamp> batch{};
        std::size_t position = 0;
        bool more = true;  // next_runs() may have runs after the batch
        // Small at first, so that a short window over a large listing computes few runs in vain.
        std::size_t batch_size = 4;

        Timestamp head() const noexcept { return batch[position]; }

        // Computes the runs after `after`; false when none is at or before `last`.
        bool fill(Timestamp after, Timestamp last) {
            batch = recurrence.next_runs(after, batch_size);
            position = 0;
            more = batch.size() == batch_size;
            batch_size = std::min(batch_size * 2, max_batch);
            if (const auto past = std::ranges::upper_bound(batch, last); past != batch.end()) {
                batch.erase(past, batch.end());
                more = false;
            }
            return !batch.empty();
        }

        // Moves past the head; false when the schedule has no run left.
        bool advance(Timestamp last) {
            if (++position < batch.size()) return true;
            if (more && fill(batch.back(), last)) return true;
            batch = {};  // the schedule is done: its memory goes back now
            return false;
        }
    };

    struct Seen {
        Timestamp at;
        LoadTestId load_test;
    };

    // The heap's order. std:: heaps put the greatest first: "later" puts the earliest (time,
    // schedule id, position in the listing) first.
    struct Later {
        const std::vector<Source>* sources;
        bool operator()(std::size_t a, std::size_t b) const noexcept {
            const Source& x = (*sources)[a];
            const Source& y = (*sources)[b];
            return std::tuple{x.head(), x.schedule, a} > std::tuple{y.head(), y.schedule, b};
        }
    };
    Later later() const noexcept { return Later{&sources_}; }

    // Moves the earliest pending run into the look-ahead and settles what it overlaps.
    void pull() {
        std::ranges::pop_heap(heap_, later());
        Source& source = sources_[heap_.back()];
        UpcomingRun run{source.head(), source.schedule, source.load_test};
        if (source.advance(last_))
            std::ranges::push_heap(heap_, later());
        else
            heap_.pop_back();

        // Runs arrive in time order, so the latest earlier run of another load test is the latest
        // run of all when that one is of another test, and otherwise latest_other_.
        const std::optional<Seen>& other = latest_ && latest_->load_test == run.load_test ? latest_other_ : latest_;
        if (other && run.at - other->at < overlap_window) run.overlaps = true;
        // The earlier runs it marks: those in reach not marked yet. Two unmarked runs in reach are
        // less than overlap_window apart, so they are of one load test (else they would have marked
        // each other): one comparison decides for them all, and each run is marked at most once.
        while (!unmarked_.empty() && (unmarked_.front() < window_base_ ||
                                      run.at - window_[unmarked_.front() - window_base_].at >= overlap_window))
            unmarked_.pop_front();  // returned by next() already, or out of reach of every later run
        if (!unmarked_.empty() && window_[unmarked_.front() - window_base_].load_test != run.load_test) {
            for (std::uint64_t number : unmarked_) window_[number - window_base_].overlaps = true;
            unmarked_.clear();
        }
        if (!run.overlaps) unmarked_.push_back(window_base_ + window_.size());

        if (latest_ && latest_->load_test != run.load_test) latest_other_ = latest_;
        latest_ = Seen{run.at, run.load_test};
        window_.push_back(run);
    }

    std::vector<Source> sources_;
    std::vector<std::size_t> heap_;  // the sources with a run left, by their next run
    Timestamp from_{}, to_{};        // the window asked for
    Timestamp last_{};               // the last instant computed: to + overlap_window - 1 ms
    // The look-ahead: runs taken from the heap, in order, not yet returned. window_base_ numbers its
    // front; unmarked_ holds the numbers of the runs not marked yet that a later run may still reach.
    std::deque<UpcomingRun> window_;
    std::uint64_t window_base_ = 0;
    std::deque<std::uint64_t> unmarked_;
    // The latest run seen, and the latest one of another load test than it.
    std::optional<Seen> latest_;
    std::optional<Seen> latest_other_;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_RECURRENCE_HPP
