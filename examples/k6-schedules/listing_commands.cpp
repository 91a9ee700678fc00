// SPDX-License-Identifier: BSL-1.0
// Reading schedules: list (a page, or every page with --all) and next (one schedule's next runs,
// computed locally).
#include "command.hpp"
#include "filter.hpp"

#include <k6/schedules/recurrence.hpp>

#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>
#include <utility>

namespace k6::cli {

namespace json = boost::json;

namespace {

// The progress of `list --all` on a terminal: one line on stderr, rewritten in place, and cleared
// before anything else is written to the terminal.
class ProgressLine {
public:
    explicit ProgressLine(bool enabled) : enabled_(enabled) {}
    ~ProgressLine() { clear(); }
    void show(const std::string& text) {
        if (!enabled_) return;
        std::cerr << "\r\033[K" << text << std::flush;
        shown_ = true;
    }
    void clear() {
        if (!shown_) return;
        std::cerr << "\r\033[K" << std::flush;
        shown_ = false;
    }

private:
    bool enabled_;
    bool shown_ = false;
};

}  // namespace

asio::awaitable<int> run_list(Context ctx, const CommandArguments& args) {
    k6s::ListQuery query{.top = args.integer("--top", 1, 1000),
                         .skip = args.integer("--skip", 0, INT64_MAX),
                         .count = args.has("--count")};
    const ScheduleFilter filter = schedule_filter(args);
    const auto output = args.value("-o");
    if (output && *output != "wide") throw UsageError("-o takes wide, got \"" + *output + "\"", "list");
    const bool wide = output.has_value();
    // The API cannot filter: a filter reads every page, so that it finds every match.
    const bool all = args.has("--all") || filter.any();
    ProgressLine progress(all && !ctx.json && ::isatty(STDERR_FILENO));
    auto pager = ctx.client->list_schedules(query, {.read_ahead = all});
    auto table = schedule_table(wide);
    std::int64_t items = 0;
    int pages = 0;
    do {
        auto page = co_await pager.async_next_page();
        progress.clear();
        if (!page) co_return ctx.reporter.error(page.error());
        ++pages;
        std::vector<std::vector<std::string>> rows;
        for (const auto& s : page->items) {
            if (!filter.matches(s)) continue;
            ++items;
            if (ctx.json)
                std::cout << k6s::to_json(s) << '\n';
            else
                rows.push_back(schedule_row(s, ctx.clock, wide));
        }
        if (!ctx.json) table.print(std::cout, rows);
        std::cout.flush();  // streamed page by page
        progress.show("page " + std::to_string(pages) + ": " + std::to_string(items) + " schedules so far");
    } while (all && !pager.done());
    progress.clear();
    if (items == 0 && !ctx.json) ctx.reporter.note(filter.any() ? "no schedule matches" : "no schedules");
    if (query.count) {
        // With a filter, the count is of the matches; the API's count is of every schedule.
        const auto total = filter.any() ? std::nullopt : pager.total_count();
        if (ctx.json)
            std::cout << json::serialize(json::object{{"@count", total.value_or(items)}}) << '\n';
        else
            std::cout << total.value_or(items) << " schedules in total\n";
    }
    if (!all && !pager.done())
        ctx.reporter.note("more schedules follow: add --all for every page, or --skip " +
                          std::to_string(query.skip.value_or(0) + items) + " for the next one");
    co_return 0;
}

asio::awaitable<int> run_next(Context ctx, const CommandArguments& args) {
    const auto count = args.integer("-n", 1, 100'000).value_or(10);
    const auto now_ = now();
    const k6s::Timestamp after = args.value("--after") ? instant(args, "--after", now_, ctx.clock) : now_;
    k6s::expected<k6s::Schedule> schedule;
    if (auto load_test = args.integer("--load-test", 1, INT64_MAX)) {
        if (!args.positionals().empty()) throw UsageError("give SCHEDULE_ID or --load-test, not both", "next");
        schedule = co_await ctx.client->async_get_load_test_schedule(k6s::LoadTestId{*load_test});
    } else {
        schedule = co_await ctx.client->async_get_schedule(k6s::ScheduleId{args.id(0, "SCHEDULE_ID")});
    }
    if (!schedule) co_return ctx.reporter.error(schedule.error());
    auto runs = k6s::next_runs(*schedule, after, static_cast<std::size_t>(count));
    if (!runs) co_return ctx.reporter.error(runs.error());
    const std::string id = std::to_string(schedule->id.value);
    if (schedule->deactivated)
        ctx.reporter.warning("schedule " + id + " is deactivated: these runs will not happen unless it is activated");
    if (runs->empty()) ctx.reporter.note("schedule " + id + " has no run after " + ctx.clock.format(after) + " (expired)");
    if (!ctx.json && !runs->empty())
        std::cout << "next " << runs->size() << " run(s) of schedule " << id << " ("
                  << describe_rule(*schedule, ctx.clock) << ") after " << ctx.clock.format(after)
                  << (schedule->deactivated ? ", which will not happen (deactivated)" : "") << ":\n";
    for (const auto run : *runs) {
        if (ctx.json)
            std::cout << json::serialize(json::object{{"run", ctx.clock.format(run)}}) << '\n';
        else
            std::cout << ctx.clock.format(run) << '\n';
    }
    co_return 0;
}

}  // namespace k6::cli
