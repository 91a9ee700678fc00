// SPDX-License-Identifier: BSL-1.0
// upcoming: every run of every active schedule in a window, from one listing, computed locally.
#include "command.hpp"

#include <k6/schedules/recurrence.hpp>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <iostream>
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
    // One listing: every schedule, the largest pages.
    std::vector<k6s::Schedule> schedules;
    auto pager = ctx.client->list_schedules(k6s::ListQuery{.top = 1000}, {.read_ahead = true});
    do {
        auto page = co_await pager.async_next_page();
        if (!page) co_return ctx.reporter.error(page.error());
        for (auto& s : page->items) schedules.push_back(std::move(s));
    } while (!pager.done());
    auto runs = k6s::UpcomingRuns::create(schedules, from, to);
    if (!runs) co_return ctx.reporter.error(runs.error());
    auto table = Table({"RUN", "SCHEDULE", "LOAD TEST", "OVERLAPS"});
    std::vector<std::vector<std::string>> rows;
    std::size_t count = 0;
    auto flush_rows = [&] {
        table.print(std::cout, rows);
        rows.clear();
        std::cout.flush();
    };
    while (auto run = runs->next()) {
        ++count;
        if (ctx.json) {
            std::cout << json::serialize(json::object{{"run", ctx.clock.format(run->at)},
                                                      {"schedule", run->schedule.value},
                                                      {"load_test", run->load_test.value},
                                                      {"overlaps", run->overlaps}})
                      << '\n';
            continue;
        }
        rows.push_back({ctx.clock.format(run->at), std::to_string(run->schedule.value),
                        std::to_string(run->load_test.value), run->overlaps ? "overlaps" : ""});
        if (rows.size() == 1000) flush_rows();
    }
    if (!ctx.json) flush_rows();
    if (count == 0)
        ctx.reporter.note("no runs from " + ctx.clock.format(from) + " to " + ctx.clock.format(to));
    co_return 0;
}

}  // namespace k6::cli
