// SPDX-License-Identifier: BSL-1.0
// upcoming: every run of every active schedule in a window, from one listing, computed locally,
// with the schedules of other load tests each run overlaps.
#include "command.hpp"
#include "filter.hpp"
#include "overlaps.hpp"

#include <k6/schedules/recurrence.hpp>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>
#include <utility>

namespace k6::cli {

namespace json = boost::json;

asio::awaitable<int> run_upcoming(Context ctx, const CommandArguments& args) {
    const auto now_ = now();
    const k6s::Timestamp from = args.value("--from") ? instant(args, "--from", now_, ctx.clock) : now_;
    const k6s::Timestamp to = args.value("--to") ? instant(args, "--to", now_, ctx.clock) : from + std::chrono::hours(24);
    if (to < from) throw UsageError("--to is before --from", "upcoming");
    ScheduleFilter filter = schedule_filter(args);
    // Runs of what is active, unless --state says otherwise: --state deactivated shows what the
    // deactivated schedules would run if activated (and what those runs would overlap).
    if (filter.states.empty()) filter.states.insert("active");
    const bool with_deactivated = filter.states.contains("deactivated");
    // One listing: every schedule, the largest pages.
    std::vector<k6s::Schedule> schedules;
    std::map<std::int64_t, std::string> rules;        // schedule id -> its rule, for the RULE column
    std::set<std::int64_t> deactivated;              // shown as if active
    auto pager = ctx.client->list_schedules(k6s::ListQuery{.top = 1000}, {.read_ahead = true});
    do {
        auto page = co_await pager.async_next_page();
        if (!page) co_return ctx.reporter.error(page.error());
        for (auto& s : page->items) {
            if (s.deactivated && !with_deactivated) continue;
            if (s.deactivated) {
                deactivated.insert(s.id.value);
                s.deactivated = false;
            }
            rules[s.id.value] = describe_rule(s, ctx.clock);
            schedules.push_back(std::move(s));
        }
    } while (!pager.done());
    // Expired schedules have no runs: asking for them alone finds none.
    const bool shows_runs = filter.states.contains("active") || with_deactivated;
    auto runs = OverlapScanner::create(shows_runs ? std::span<const k6s::Schedule>(schedules)
                                                  : std::span<const k6s::Schedule>(), from, to);
    if (!runs) co_return ctx.reporter.error(runs.error());
    auto table = Table({"RUN", "SCHEDULE", "LOAD TEST", "RULE", "OVERLAPS"});
    std::vector<std::vector<std::string>> rows;
    std::size_t count = 0;
    auto flush_rows = [&] {
        table.print(std::cout, rows);
        rows.clear();
        std::cout.flush();
    };
    while (auto found = runs->next()) {
        const k6s::UpcomingRun& run = found->run;
        const bool is_deactivated = deactivated.contains(run.schedule.value);
        // Overlaps count every schedule listed; the filters only choose the rows.
        if (!filter.load_tests.empty() && !filter.load_tests.contains(run.load_test.value)) continue;
        if (!is_deactivated && !filter.states.contains("active")) continue;
        ++count;
        if (ctx.json) {
            json::array with;
            for (const auto id : found->overlaps_with) with.emplace_back(id.value);
            json::object line{{"run", ctx.clock.format(run.at)},
                              {"schedule", run.schedule.value},
                              {"load_test", run.load_test.value},
                              {"rule", rules[run.schedule.value]},
                              {"overlaps", run.overlaps},
                              {"overlaps_with", std::move(with)}};
            if (is_deactivated) line["deactivated"] = true;
            std::cout << json::serialize(line) << '\n';
            continue;
        }
        std::string with;
        for (const auto id : found->overlaps_with) with += (with.empty() ? "" : ",") + std::to_string(id.value);
        rows.push_back({ctx.clock.format(run.at),
                        std::to_string(run.schedule.value) + (is_deactivated ? " (deactivated)" : ""),
                        std::to_string(run.load_test.value), rules[run.schedule.value], with});
        if (rows.size() == 1000) flush_rows();
    }
    if (!ctx.json) flush_rows();
    if (count == 0)
        ctx.reporter.note("no runs from " + ctx.clock.format(from) + " to " + ctx.clock.format(to));
    co_return 0;
}

}  // namespace k6::cli
