// SPDX-License-Identifier: BSL-1.0
// One schedule at a time: get, set and show.
#include "command.hpp"
#include "input.hpp"

#include <k6/schedules/recurrence.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

namespace {

int print_result(const Context& ctx, const k6s::expected<k6s::Schedule>& result) {
    if (!result) return ctx.reporter.error(result.error());
    print_schedule(std::cout, *result, ctx.json, ctx.clock);
    return 0;
}

k6s::CreateScheduleRequest build_request(const CommandArguments& args, k6s::Timestamp now_, const Clock& clock) {
    if (!args.value("--starts")) throw UsageError("--starts is required (or --from-file)", args.command());
    k6s::CreateScheduleRequest request;
    request.starts = instant(args, "--starts", now_, clock);
    const bool rule_flags =
        args.value("--interval") || args.value("--byday") || args.value("--count") || args.value("--until");
    if (args.value("--time-zone") && !args.value("--cron"))
        throw UsageError("--time-zone goes with --cron", args.command());
    if (rule_flags && !args.value("--frequency"))
        throw UsageError("--interval, --byday, --count and --until go with --frequency", args.command());
    if (args.value("--cron") && args.value("--frequency"))
        throw UsageError("give --cron or --frequency, not both", args.command());
    if (auto cron = args.value("--cron"))
        request.cron = k6s::ScheduleCron{*cron, args.value("--time-zone").value_or("UTC")};
    if (auto frequency = args.value("--frequency")) {
        auto f = parse_frequency_forgiving(*frequency);
        if (!f)
            throw UsageError("--frequency must be hourly, daily, weekly, monthly or yearly, got \"" + *frequency + "\"",
                             args.command());
        k6s::RecurrenceRule rule;
        rule.frequency = *f;
        // Any number: the request's validation says what is wrong, naming the flag.
        rule.interval = args.integer("--interval", INT64_MIN, INT64_MAX);
        rule.count = args.integer("--count", INT64_MIN, INT64_MAX);
        if (args.value("--until")) rule.until = instant(args, "--until", now_, clock);
        if (auto byday = args.value("--byday")) {
            auto days = parse_weekdays(*byday);
            if (!days)
                throw UsageError("--byday takes MO,TU,WE,TH,FR,SA,SU separated by commas, got \"" + *byday + "\"",
                                 args.command());
            rule.byday = std::move(*days);
        }
        request.recurrence_rule = std::move(rule);
    }
    return request;
}

// Why a schedule can never run, or "" when it has a run after `now_`.
std::string never_runs_reason(const k6s::CreateScheduleRequest& request, k6s::Timestamp now_, bool from_flags) {
    auto next = k6s::next_run(request, now_);
    if (!next || *next) return {};
    const auto& rule = request.recurrence_rule;
    const std::string until = from_flags ? "--until" : "recurrence_rule.until";
    const std::string starts = from_flags ? "--starts" : "starts";
    if (rule && rule->until && *rule->until < request.starts)
        return until + " is before " + starts + ": the schedule can never run";
    if (request.cron) {
        auto ever = k6s::next_run(request, request.starts - std::chrono::milliseconds(1));
        if (ever && !*ever) return "the cron expression matches no date: the schedule can never run";
        return "the cron schedule has no run after now: it will never run";
    }
    if (!rule) return starts + " is in the past and the schedule runs once: it will never run";
    if (rule->count) return "all " + std::to_string(*rule->count) + " runs are in the past: it will never run";
    if (rule->until) return until + " is in the past: the schedule will never run";
    return "the schedule has no run after now: it will never run";
}

// The request of `set`, from its flags or from --from-file.
k6s::CreateScheduleRequest set_request(const CommandArguments& args, k6s::Timestamp now_, const Clock& clock) {
    const auto file = args.value("--from-file");
    if (!file) return build_request(args, now_, clock);
    for (const char* flag : {"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count",
                             "--until"})
        if (args.value(flag)) throw UsageError(std::string("--from-file replaces ") + flag, "set");
    std::string why;
    auto text = read_text(*file, why);
    if (!text) throw UsageError("--from-file: " + why, "set");
    auto request = k6s::parse_json<k6s::CreateScheduleRequest>(*text);
    if (!request) {
        const auto& e = request.error();
        const std::string target = e.target && !e.target->empty() ? " (at " + *e.target + ")" : "";
        throw UsageError("--from-file " + (*file == "-" ? std::string("stdin") : *file) +
                             " is not a schedule: " + e.message + target,
                         "set");
    }
    return std::move(*request);
}

int dry_run(const Context& ctx, k6s::LoadTestId load_test, const k6s::CreateScheduleRequest& request,
            k6s::Timestamp now_, bool from_flags) {
    if (auto valid = k6s::validate(request); !valid) return ctx.reporter.error(valid.error());
    // Every warning set would print: a dry run that stays quiet where set warns cannot be trusted.
    if (const auto reason = never_runs_reason(request, now_, from_flags); !reason.empty())
        ctx.reporter.warning(reason);
    auto runs = k6s::next_runs(request, now_, 5);
    if (!runs) return ctx.reporter.error(runs.error());
    if (ctx.json) {
        json::array next;
        for (const auto run : *runs) next.emplace_back(ctx.clock.format(run));
        std::cout << json::serialize(json::object{{"dry_run", true},
                                                  {"load_test_id", load_test.value},
                                                  {"request", json::parse(k6s::to_json(request))},
                                                  {"next_runs", std::move(next)}})
                  << '\n';
    } else {
        k6s::Schedule preview;
        preview.load_test_id = load_test;
        preview.starts = request.starts;
        preview.cron = request.cron;
        preview.recurrence_rule = request.recurrence_rule;
        std::cout << "dry run: nothing was sent\n"
                  << "load test   " << load_test.value << '\n'
                  << "rule        " << describe_rule(preview, ctx.clock) << '\n';
        if (request.cron) std::cout << "time zone   " << request.cron->time_zone << '\n';
        std::cout << "starts      " << ctx.clock.format(request.starts) << '\n';
        if (runs->empty()) std::cout << "next runs   none\n";
        for (std::size_t i = 0; i < runs->size(); ++i)
            std::cout << (i == 0 ? "next runs   " : "            ") << ctx.clock.format((*runs)[i]) << '\n';
    }
    return 0;
}

}  // namespace

asio::awaitable<int> run_get(Context ctx, const CommandArguments& args) {
    const k6s::LoadTestId id{args.id(0, "LOAD_TEST_ID")};
    co_return print_result(ctx, co_await ctx.client->async_get_load_test_schedule(id));
}

asio::awaitable<int> run_show(Context ctx, const CommandArguments& args) {
    const k6s::ScheduleId id{args.id(0, "SCHEDULE_ID")};
    co_return print_result(ctx, co_await ctx.client->async_get_schedule(id));
}

asio::awaitable<int> run_set(Context ctx, const CommandArguments& args) {
    const k6s::LoadTestId load_test{args.id(0, "LOAD_TEST_ID")};
    const auto now_ = now();
    const auto request = set_request(args, now_, ctx.clock);
    const bool from_flags = !args.value("--from-file");
    const bool keep_deactivated = args.has("--deactivated");
    ctx.reporter.set_flags_name_fields(from_flags);
    if (args.has("--dry-run")) co_return dry_run(ctx, load_test, request, now_, from_flags);
    // The API replaces a load test's schedule with a new one, active, under a new id. What the load
    // test had is looked up first, so that the replacement, and a pause it undoes, is said, not silent.
    auto previous = co_await ctx.client->async_get_load_test_schedule(load_test);
    if (!previous && previous.error().status != 404) co_return ctx.reporter.error(previous.error());
    auto result = co_await ctx.client->async_set_load_test_schedule(load_test, request);
    if (!result) co_return ctx.reporter.error(result.error());
    if (previous)
        ctx.reporter.note("replaced schedule " + to_string(previous->id) + " (load test " + to_string(load_test) +
                          "); the new schedule is " + to_string(result->id));
    if (keep_deactivated && !result->deactivated) {
        auto off = co_await ctx.client->async_deactivate_schedule(result->id);
        if (!off) {
            k6s::ApiError e = std::move(off.error());
            e.message = "schedule " + to_string(result->id) + " was set, but is still active: deactivating it failed: " +
                        e.message;
            co_return ctx.reporter.error(e);
        }
        result->deactivated = true;
    } else if (previous && previous->deactivated) {
        ctx.reporter.warning("schedule " + to_string(previous->id) + " was deactivated; the new schedule " +
                             to_string(result->id) + " is active (set --deactivated keeps it deactivated)");
    }
    if (const auto reason = never_runs_reason(request, now_, from_flags); !reason.empty())
        ctx.reporter.warning(reason);
    if (ctx.json) {
        // The schedule as get --json prints it, and the id it replaced (null for a first schedule).
        json::object printed = json::value_from(*result).as_object();
        printed["replaced_schedule_id"] = previous ? json::value(previous->id.value) : json::value(nullptr);
        std::cout << json::serialize(printed) << '\n';
    } else {
        print_schedule(std::cout, *result, false, ctx.clock);
    }
    co_return 0;
}

}  // namespace k6::cli
