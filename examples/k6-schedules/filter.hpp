// SPDX-License-Identifier: BSL-1.0
// --state and --load-test, the filters of list and upcoming. The API has no filter parameters, so
// they are applied to the listing here.
#pragma once

#include "arguments.hpp"

#include <k6/schedules.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace k6::cli {

// The one state a schedule is in, for --state: "active" (it runs), "deactivated", or "expired"
// (not deactivated, but no run left). The list table says "active, expired" for the last.
inline std::string_view filter_state(const k6::schedules::Schedule& s) {
    if (s.deactivated) return "deactivated";
    return s.next_run ? "active" : "expired";
}

struct ScheduleFilter {
    std::set<std::string> states;       // empty: any
    std::set<std::int64_t> load_tests;  // empty: any

    bool any() const { return !states.empty() || !load_tests.empty(); }
    bool matches(const k6::schedules::Schedule& s) const {
        return (states.empty() || states.contains(std::string(filter_state(s)))) &&
               (load_tests.empty() || load_tests.contains(s.load_test_id.value));
    }
};

// The filter of --state (repeatable; active, deactivated, expired) and --load-test (repeatable, or
// ids separated by commas); a UsageError naming a bad value.
inline ScheduleFilter schedule_filter(const CommandArguments& args) {
    static const std::set<std::string> known{"active", "deactivated", "expired"};
    ScheduleFilter filter;
    for (const std::string& state : args.values("--state")) {
        if (!known.contains(state))
            throw UsageError("--state must be active, deactivated or expired, got \"" + state + "\"" +
                                 did_you_mean(state, known),
                             args.command());
        filter.states.insert(state);
    }
    for (const std::string& id : args.values("--load-test"))
        filter.load_tests.insert(parse_integer(id, "--load-test", 1, INT64_MAX, args.command()));
    return filter;
}

}  // namespace k6::cli
