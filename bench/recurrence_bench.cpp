// SPDX-License-Identifier: BSL-1.0
// How long next_runs(..., 1000) takes for each kind of schedule (issue: "well under a millisecond").
// Median of repeated runs, measured in one process; not a test.
//   build/bench/recurrence_bench [repetitions]
#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace k6s = k6::schedules;
using clock_type = std::chrono::steady_clock;

namespace {

k6s::Timestamp at(const char* text) { return k6s::parse_rfc3339(text).value(); }

struct Case {
    const char* name;
    k6s::CreateScheduleRequest request;
};

}  // namespace

int main(int argc, char** argv) {
    const int repetitions = argc > 1 ? std::atoi(argv[1]) : 201;
    using F = k6s::Frequency;
    using W = k6s::Weekday;
    const auto starts = at("2024-01-31T10:00:00.500Z");
    const std::vector<Case> cases = {
        {"cron * * * * * UTC", {starts, {}, k6s::ScheduleCron{"* * * * *", "UTC"}}},
        {"cron */7 1-5 * * MON-FRI New_York",
         {starts, {}, k6s::ScheduleCron{"*/7 1-5 * * MON-FRI", "America/New_York"}}},
        {"cron 15 2 * * * Lord_Howe (DST gaps)", {starts, {}, k6s::ScheduleCron{"15 2 * * *", "Australia/Lord_Howe"}}},
        {"cron 0 0 1 1 * Berlin (yearly)", {starts, {}, k6s::ScheduleCron{"0 0 1 1 *", "Europe/Berlin"}}},
        {"cron 0 0 29 2 * UTC (leap days)", {starts, {}, k6s::ScheduleCron{"0 0 29 2 *", "UTC"}}},
        {"cron 0 0 30 2 * UTC (never)", {starts, {}, k6s::ScheduleCron{"0 0 30 2 *", "UTC"}}},
        {"rule HOURLY", {starts, k6s::RecurrenceRule{F::hourly, 1, {}, {}, {}}, {}}},
        {"rule WEEKLY byday MO,WE,SU interval 3",
         {starts, k6s::RecurrenceRule{F::weekly, 3, std::vector{W::monday, W::wednesday, W::sunday}, {}, {}}, {}}},
        {"rule MONTHLY from the 31st (clamp)", {starts, k6s::RecurrenceRule{F::monthly, 1, {}, {}, {}}, {}}},
        {"rule YEARLY from Feb 29", {at("2024-02-29T10:00:00Z"), k6s::RecurrenceRule{F::yearly, 1, {}, {}, {}}, {}}},
    };
    const auto after = at("2025-06-01T00:00:00Z");
    std::printf("next_runs(after=2025-06-01, n=1000), median of %d runs, compile included\n", repetitions);
    for (const auto& c : cases) {
        std::vector<double> micros;
        std::size_t produced = 0;
        for (int i = 0; i < repetitions; ++i) {
            const auto begin = clock_type::now();
            auto runs = k6s::next_runs(c.request, after, 1000);
            const auto end = clock_type::now();
            produced = runs ? runs->size() : 0;
            micros.push_back(std::chrono::duration<double, std::micro>(end - begin).count());
        }
        std::nth_element(micros.begin(), micros.begin() + micros.size() / 2, micros.end());
        std::printf("  %-42s %5zu runs  %8.1f us\n", c.name, produced, micros[micros.size() / 2]);
    }
    return 0;
}
