// SPDX-License-Identifier: BSL-1.0
// Schedules as code: export (the state as a "k6-schedules/1" document), plan (what apply would
// change, like a diff) and apply (carry it out), over the library's plan_changes() and
// async_apply(). The document is checked whole before anything is sent.
#include "command.hpp"
#include "input.hpp"

#include <k6/schedules/apply.hpp>
#include <k6/schedules/plan.hpp>

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

namespace {

// `plan --exit-code` when changes are pending: what a CI job tests for drift.
constexpr int plan_drift_exit_status = 6;

// The document named on the command line ("-": stdin), checked whole: exit status 2 and nothing
// sent when anything is wrong.
k6s::expected<std::vector<k6s::DesiredSchedule>> read_plan_document(const CommandArguments& args) {
    if (args.positionals().empty()) throw UsageError("FILE is missing (- reads the document from stdin)", args.command());
    const std::string path = args.positionals().front();
    const std::string name = path == "-" ? std::string("stdin") : path;
    std::string why;
    auto text = read_text(path, why);
    if (!text) throw UsageError(name + ": " + why, args.command());
    auto document = k6s::parse_schedule_document(*text);
    if (!document) document.error().message = name + ": " + document.error().message;
    return document;
}

char plan_sign(k6s::ChangeAction action) {
    if (action == k6s::ChangeAction::create) return '+';
    if (action == k6s::ChangeAction::remove) return '-';
    return '~';
}

// "load test 12 (schedule 5)"
std::string plan_subject(k6s::LoadTestId load_test, const std::optional<k6s::ScheduleId>& schedule) {
    std::string text = "load test " + to_string(load_test);
    if (schedule) text += " (schedule " + to_string(*schedule) + ")";
    return text;
}

// A field's value for people: instants on the clock of --tz, the rest as JSON.
std::string plan_value(const std::string& field, const std::string& json_text, const Clock& clock) {
    if (field == "starts" || field == "recurrence_rule.until") {
        if (json_text.size() > 2 && json_text.front() == '"')
            if (auto t = k6s::parse_rfc3339(json_text.substr(1, json_text.size() - 2))) return clock.format(*t);
    }
    return json_text;
}

// What a created schedule will be: "starts ..., cron 0 7 * * 1 (Europe/Berlin), deactivated".
std::string plan_entry_summary(const k6s::DesiredSchedule& entry, const Clock& clock) {
    k6s::Schedule as_schedule;
    as_schedule.load_test_id = entry.load_test_id;
    as_schedule.starts = entry.request.starts;
    as_schedule.cron = entry.request.cron;
    as_schedule.recurrence_rule = entry.request.recurrence_rule;
    std::string text = "starts " + clock.format(entry.request.starts) + ", " + describe_rule(as_schedule, clock);
    if (entry.deactivated) text += ", deactivated";
    return text;
}

// One line of a plan: "~ update     load test 11 (schedule 2): cron.schedule "0 7 * * *" -> "0 8 * * *"".
std::string plan_line(const k6s::Change& change, const Clock& clock) {
    std::string line(1, plan_sign(change.action));
    line += ' ';
    std::string action(k6s::to_string(change.action));
    action.resize(11, ' ');
    line += action + plan_subject(change.load_test_id, change.schedule_id);
    if (change.action == k6s::ChangeAction::update) {
        line += ':';
        for (std::size_t i = 0; i < change.fields.size(); ++i) {
            const k6s::FieldChange& f = change.fields[i];
            line += (i == 0 ? " " : ", ") + f.field + " " + plan_value(f.field, f.before, clock) + " -> " +
                    plan_value(f.field, f.after, clock);
        }
    } else if (change.action == k6s::ChangeAction::create && change.after) {
        line += ": " + plan_entry_summary(*change.after, clock);
    }
    if (!change.note.empty() && change.action != k6s::ChangeAction::create) line += " (" + change.note + ")";
    return line;
}

json::object plan_change_json(const k6s::Change& change) {
    json::object o;
    o["action"] = k6s::to_string(change.action);
    o["load_test_id"] = change.load_test_id.value;
    o["schedule_id"] = change.schedule_id ? json::value(change.schedule_id->value) : json::value(nullptr);
    o["before"] = change.before ? json::value(k6s::to_document_json(*change.before)) : json::value(nullptr);
    o["after"] = change.after ? json::value(k6s::to_document_json(*change.after)) : json::value(nullptr);
    o["note"] = change.note;
    return o;
}

// "plan: 1 to create, 2 to update, 0 to activate, 0 to deactivate, 1 to delete"
std::string plan_summary(const k6s::Plan& plan) {
    std::size_t counts[5] = {};
    for (const k6s::Change& c : plan.changes) ++counts[static_cast<int>(c.action)];
    if (plan.empty()) return "plan: no changes";
    return "plan: " + std::to_string(counts[0]) + " to create, " + std::to_string(counts[1]) + " to update, " +
           std::to_string(counts[2]) + " to activate, " + std::to_string(counts[3]) + " to deactivate, " +
           std::to_string(counts[4]) + " to delete";
}

void print_plan_notes(const Context& ctx, const k6s::Plan& plan) {
    for (const k6s::PlanNote& note : plan.notes)
        ctx.reporter.note("# " + plan_subject(note.load_test_id, note.schedule_id) + ": " + note.text);
    if (plan.unmanaged > 0)
        ctx.reporter.note("# " + std::to_string(plan.unmanaged) + " schedule" + (plan.unmanaged == 1 ? "" : "s") +
                          " of load tests not in the document, kept (--prune deletes them)");
}

// The document, the listing and the plan; nullopt (with the exit status in `status`) on failure.
asio::awaitable<std::optional<k6s::Plan>> make_plan(Context& ctx, const CommandArguments& args, int& status) {
    auto desired = read_plan_document(args);
    if (!desired) {
        status = ctx.reporter.error(desired.error());
        co_return std::nullopt;
    }
    auto current = co_await ctx.client->async_list_all_schedules({}, 1'000'000);
    if (!current) {
        status = ctx.reporter.error(current.error());
        co_return std::nullopt;
    }
    co_return k6s::plan_changes(*desired, *current, {.prune = args.has("--prune")});
}

int print_plan(const Context& ctx, const k6s::Plan& plan) {
    for (const k6s::Change& change : plan.changes) {
        if (ctx.json)
            std::cout << json::serialize(plan_change_json(change)) << '\n';
        else
            std::cout << plan_line(change, ctx.clock) << '\n';
    }
    print_plan_notes(ctx, plan);
    if (!ctx.json) std::cout << plan_summary(plan) << '\n';
    return 0;
}

}  // namespace

asio::awaitable<int> run_export(Context ctx, const CommandArguments& args) {
    auto current = co_await ctx.client->async_list_all_schedules({}, 1'000'000);
    if (!current) co_return ctx.reporter.error(current.error());
    const std::string document = k6s::write_schedule_document(*current);
    const auto output = args.value("--output");
    if (!output) {
        std::cout << document;
        co_return 0;
    }
    // Whole or not at all: an interrupted export leaves the old file as it was.
    if (std::string why; !write_whole_file(*output, document, why)) throw UsageError("--output: " + why, args.command());
    ctx.reporter.note("exported " + std::to_string(current->size()) + " schedule" + (current->size() == 1 ? "" : "s") +
                      " to " + *output);
    co_return 0;
}

asio::awaitable<int> run_plan(Context ctx, const CommandArguments& args) {
    int status = 0;
    auto plan = co_await make_plan(ctx, args, status);
    if (!plan) co_return status;
    print_plan(ctx, *plan);
    co_return args.has("--exit-code") && !plan->empty() ? plan_drift_exit_status : 0;
}

asio::awaitable<int> run_apply(Context ctx, const CommandArguments& args) {
    int status = 0;
    auto plan = co_await make_plan(ctx, args, status);
    if (!plan) co_return status;
    if (args.has("--dry-run")) co_return print_plan(ctx, *plan);
    const auto results = co_await k6s::async_apply(*ctx.client, plan->changes);
    std::size_t failed = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const k6s::Change& change = plan->changes[i];
        const auto& result = results[i];
        if (!result) ++failed;
        if (ctx.json) {
            json::object o = plan_change_json(change);
            o["result"] = result ? "done" : "failed";
            if (result)
                o["result_schedule_id"] = result->value;
            else
                o["error"] = result.error().to_string();
            std::cout << json::serialize(o) << '\n';
            continue;
        }
        std::string line = plan_line(change, ctx.clock);
        if (result) {
            line += ": done";
            if (change.action == k6s::ChangeAction::create || change.action == k6s::ChangeAction::update)
                line += " (schedule " + to_string(*result) + ")";
        } else {
            line += ": failed: " + result.error().to_string();
        }
        std::cout << line << '\n';
    }
    print_plan_notes(ctx, *plan);
    if (!ctx.json) {
        if (plan->empty())
            std::cout << "apply: no changes\n";
        else
            std::cout << "apply: " << results.size() - failed << " of " << results.size() << " changes done"
                      << (failed ? ", " + std::to_string(failed) + " failed (apply again to retry them)" : "") << '\n';
    }
    co_return failed == 0 ? 0 : 1;
}

}  // namespace k6::cli
