// SPDX-License-Identifier: BSL-1.0
// Which schedules a run overlaps: UpcomingRuns says whether a run starts less than a minute from a
// run of another load test; upcoming's OVERLAPS column and set --dry-run also say which ones.
#pragma once

#include <k6/schedules/recurrence.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace k6::cli {

// A run, and the schedules of other load tests with a run less than UpcomingRuns::overlap_window
// from it (sorted, each once).
struct RunWithOverlaps {
    k6::schedules::UpcomingRun run;
    std::vector<k6::schedules::ScheduleId> overlaps_with;
};

// The runs in (from, to] of the active schedules of a listing, in time order, each with what it
// overlaps. It reads UpcomingRuns over the window widened by overlap_window on both sides, so that
// runs just outside count as UpcomingRuns counts them, and keeps only the runs that can still
// overlap one to come: memory grows with the runs of one minute, not of the window.
class OverlapScanner {
public:
    using Timestamp = k6::schedules::Timestamp;
    static constexpr auto window = k6::schedules::UpcomingRuns::overlap_window;

    static k6::schedules::expected<OverlapScanner> create(std::span<const k6::schedules::Schedule> schedules,
                                                          Timestamp from, Timestamp to) {
        auto runs = k6::schedules::UpcomingRuns::create(schedules, from - window, to + window);
        if (!runs) return std::unexpected(std::move(runs.error()));
        return OverlapScanner(std::move(*runs), from, to);
    }

    std::optional<RunWithOverlaps> next() {
        for (;;) {
            while (next_ >= seen_.size())
                if (!pull()) return std::nullopt;
            const k6::schedules::UpcomingRun candidate = seen_[next_++];
            // Every run less than a minute after it is seen before it is judged.
            while (!exhausted_ && seen_.back().at - candidate.at < window) pull();
            if (candidate.at <= from_ || candidate.at > to_) {
                forget_before(candidate.at);
                continue;  // a run of the margins, there only to be overlapped
            }
            RunWithOverlaps result{candidate, {}};
            for (const auto& other : seen_) {
                const auto apart = other.at > candidate.at ? other.at - candidate.at : candidate.at - other.at;
                if (apart < window && other.load_test != candidate.load_test) result.overlaps_with.push_back(other.schedule);
            }
            std::ranges::sort(result.overlaps_with);
            result.overlaps_with.erase(std::ranges::unique(result.overlaps_with).begin(), result.overlaps_with.end());
            result.run.overlaps = !result.overlaps_with.empty();
            forget_before(candidate.at);
            return result;
        }
    }

private:
    OverlapScanner(k6::schedules::UpcomingRuns runs, Timestamp from, Timestamp to)
        : runs_(std::move(runs)), from_(from), to_(to) {}

    bool pull() {
        auto run = runs_.next();
        if (!run) {
            exhausted_ = true;
            return false;
        }
        seen_.push_back(*run);
        return true;
    }

    // Runs a minute or more before `at` can overlap no run still to come (they come at or after it).
    void forget_before(Timestamp at) {
        while (next_ > 0 && at - seen_.front().at >= window) {
            seen_.pop_front();
            --next_;
        }
    }

    k6::schedules::UpcomingRuns runs_;
    Timestamp from_, to_;
    std::deque<k6::schedules::UpcomingRun> seen_;  // in time order; [0, next_) were returned or skipped
    std::size_t next_ = 0;
    bool exhausted_ = false;
};

}  // namespace k6::cli
