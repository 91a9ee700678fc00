// SPDX-License-Identifier: BSL-1.0
// k6-schedules: manage Grafana Cloud k6 schedules from shells and CI pipelines. Uses only the
// library's public API. Exit status: 0 ok; 1 the API answered with an error (with several ids: any
// of them failed); 2 usage or client-side validation error (nothing sent); 3 transport, TLS or
// timeout; 4 malformed response; 5 internal error.
#include "arguments.hpp"
#include "input.hpp"
#include "redacted_output.hpp"
#include "render.hpp"

#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace asio = boost::asio;
namespace json = boost::json;
namespace k6s = k6::schedules;
using k6::cli::Clock;
using k6::cli::CommandArguments;
using k6::cli::UsageError;

namespace {

const char* const tool_usage = R"(usage: k6-schedules [GLOBAL OPTIONS] COMMAND [ARGS]

GLOBAL OPTIONS (each also read from the environment; the flag wins; --flag=value works too)
  --api-url URL        K6_CLOUD_API_URL    default https://api.k6.io  (http:// only to this machine:
                                           127.0.0.0/8, ::1, localhost; see --insecure-http)
  --insecure-http      allow http:// to any host: the token then crosses the network unencrypted
  --token TOKEN        K6_CLOUD_TOKEN
  --token-file FILE    K6_CLOUD_TOKEN_FILE the token is the file's first line (keeps it out of argv
                                           and the environment); K6_CLOUD_TOKEN wins over the file
  --stack-id ID        K6_CLOUD_STACK_ID
  --stack-url URL      K6_CLOUD_STACK_URL  your Grafana stack's URL (https://NAME.grafana.net), in place
                                           of --stack-id: the stack id is asked for once (see auth)
  --ca-file PEM        K6_CLOUD_CA_FILE    extra trusted CA bundle (verification stays on)
  --timeout SECONDS    the limit of each step of each attempt: connecting (with TLS), sending, and
                       receiving the answer (default 30)
  --deadline SECONDS   the limit of a whole call, retries and their waits included (default none)
  --retries N          max retries of retryable failures (default 3)
  --tz ZONE            write instants on the wall clock of an IANA zone (Europe/Berlin) or of this
                       machine (local), with their offset; default UTC
  --json               machine-readable output: one JSON value per line; errors on stderr as
                       {"error": {...}}
  -v, --verbose        one line per request attempt on stderr: method, path, status or error,
                       duration, and the retry decision (never the token)

COMMANDS
  get LOAD_TEST_ID                      the load test's schedule
  set LOAD_TEST_ID --starts TIME
        [--cron "EXPR" [--time-zone TZ]]                       (TZ default UTC)
        [--frequency hourly|daily|weekly|monthly|yearly [--interval N] [--byday MO,TU,..]
                                                      [--count N] [--until TIME]]
        [--dry-run]                     check and show the next runs; send nothing
  set LOAD_TEST_ID --from-file FILE|-   the schedule as JSON (what get --json prints works too)
  list [--top N] [--skip N] [--count] [--all]        --all follows @nextLink lazily
  show SCHEDULE_ID
  delete SCHEDULE_ID... | -             several ids at once, or ids read from stdin with -
  activate SCHEDULE_ID... | -
  deactivate SCHEDULE_ID... | -
  next (SCHEDULE_ID | --load-test ID) [-n N] [--after TIME]
                                      the schedule's next N runs (default 10) strictly after the given instant
                                      (default now), computed locally by the recurrence engine
  upcoming [--from TIME] [--to TIME]  every run of every active schedule in the window (default the
                                      next 24 hours), in time order, computed locally from one listing;
                                      runs of different load tests less than a minute apart overlap
  auth                                check the token against --stack-url and print the stack id and
                                      default project id

TIME is RFC 3339 with an offset (2027-01-01T09:00:00Z), a date (2027-01-01: midnight UTC), now, or
relative to now: +30m, +1h, +2d, -1w.

Exit status: 0 ok, 1 the API answered with an error (with several ids: any failed), 2 usage or
client-side validation error (nothing was sent), 3 transport, TLS or timeout failure, 4 malformed
response from the server, 5 internal error.
Run "k6-schedules COMMAND --help" for a command, "k6-schedules --version" for the version.
)";

struct CommandHelp {
    std::string synopsis;     // printed with a usage error
    std::string description;  // added by --help
};

const std::map<std::string, CommandHelp> command_help{
    {"get", {"usage: k6-schedules [GLOBAL OPTIONS] get LOAD_TEST_ID\n", "Prints the schedule of a load test.\n"}},
    {"set",
     {"usage: k6-schedules [GLOBAL OPTIONS] set LOAD_TEST_ID --starts TIME\n"
      "        [--cron \"EXPR\" [--time-zone TZ]]\n"
      "        [--frequency hourly|daily|weekly|monthly|yearly [--interval N] [--byday MO,TU,..]\n"
      "                                                  [--count N] [--until TIME]]\n"
      "        [--dry-run]\n"
      "       k6-schedules [GLOBAL OPTIONS] set LOAD_TEST_ID --from-file FILE|- [--dry-run]\n",
      "Sets (replaces) the schedule of a load test: a cron expression (5 fields or @yearly, @annually,\n"
      "@monthly, @weekly, @daily, @hourly) on the wall clock of TZ (default UTC), a recurrence rule,\n"
      "or, with neither, a single run at --starts. --from-file reads the schedule as JSON instead\n"
      "(\"starts\", and \"cron\" or \"recurrence_rule\"; other fields, such as those get --json prints, are\n"
      "ignored), so schedules can live in a repository. The request is checked before it is sent; a\n"
      "schedule that can never run is sent, with a warning on stderr. --dry-run checks it and prints\n"
      "its next runs without sending anything (no token needed).\n"
      "TIME: RFC 3339 with an offset, a date (midnight UTC), now, or +30m, +1h, +2d, -1w from now.\n"}},
    {"list",
     {"usage: k6-schedules [GLOBAL OPTIONS] list [--top N] [--skip N] [--count] [--all]\n",
      "Lists schedules: one page ($top, at most 1000; $skip), or with --all every page, following\n"
      "@nextLink. --count adds the total (under --json, a last line {\"@count\": N}). When a page is\n"
      "not the last, stderr says how to get the rest.\n"}},
    {"show", {"usage: k6-schedules [GLOBAL OPTIONS] show SCHEDULE_ID\n", "Prints a schedule.\n"}},
    {"delete",
     {"usage: k6-schedules [GLOBAL OPTIONS] delete SCHEDULE_ID... | -\n",
      "Deletes schedules: one id prints nothing; several (or - to read ids from stdin) run up to 8 at\n"
      "a time and print one line per id and a summary; exit status 1 when any failed.\n"}},
    {"activate",
     {"usage: k6-schedules [GLOBAL OPTIONS] activate SCHEDULE_ID... | -\n",
      "Re-activates deactivated schedules (the API refuses one with no future run). Several ids work\n"
      "as for delete.\n"}},
    {"deactivate",
     {"usage: k6-schedules [GLOBAL OPTIONS] deactivate SCHEDULE_ID... | -\n",
      "Deactivates schedules. Several ids work as for delete. An expired schedule (no run left) is\n"
      "left as it is, as the API does: its line says \"already expired: nothing to deactivate\" (one\n"
      "GET per id finds out), and it counts as no failure.\n"}},
    {"next",
     {"usage: k6-schedules [GLOBAL OPTIONS] next (SCHEDULE_ID | --load-test ID) [-n N] [--after TIME]\n",
      "Fetches the schedule and prints its next N runs (default 10) strictly after --after (default\n"
      "now), computed locally by the recurrence engine; under --json one {\"run\": TIME} per line.\n"
      "Says so when the schedule is deactivated: those runs will not happen.\n"}},
    {"upcoming",
     {"usage: k6-schedules [GLOBAL OPTIONS] upcoming [--from TIME] [--to TIME]\n",
      "Every run of every active schedule after --from (default now) up to --to (default 24 hours\n"
      "after --from), in time order, computed locally from one listing of all schedules. Runs of\n"
      "different load tests that start less than a minute apart are marked as overlapping: they\n"
      "compete for the stack's concurrency. Under --json one object per line:\n"
      "{\"run\": TIME, \"schedule\": ID, \"load_test\": ID, \"overlaps\": BOOL}.\n"}},
    {"auth",
     {"usage: k6-schedules [GLOBAL OPTIONS] --stack-url URL auth\n",
      "Checks the token against the Grafana stack at URL (--stack-url or K6_CLOUD_STACK_URL) and prints\n"
      "its stack id and default project id.\n"}},
};

const std::set<std::string>& command_names() {
    static const std::set<std::string> names = [] {
        std::set<std::string> all;
        for (const auto& [name, help] : command_help) all.insert(name);
        return all;
    }();
    return names;
}

// What a usage error prints after its message: the command's synopsis, or the tool's short usage.
std::string short_usage(const std::string& command) {
    const auto it = command_help.find(command);
    if (it != command_help.end())
        return it->second.synopsis + "Run \"k6-schedules " + command + " --help\" for more.\n";
    std::string names;
    for (const auto& name : command_names()) names += " " + name;
    return "usage: k6-schedules [GLOBAL OPTIONS] COMMAND [ARGS]\ncommands:" + names +
           "\nRun \"k6-schedules --help\" for more.\n";
}

int exit_status(const k6s::ApiError& e) {
    switch (e.kind) {
        case k6s::ErrorKind::api: return 1;
        case k6s::ErrorKind::invalid_argument: return 2;
        case k6s::ErrorKind::malformed_response: return 4;
        case k6s::ErrorKind::transport:
        case k6s::ErrorKind::tls:
        case k6s::ErrorKind::timeout:
        case k6s::ErrorKind::cancelled: return 3;
        case k6s::ErrorKind::internal: return 5;
    }
    return 5;
}

// The flags a request's fields come from, to name them in messages instead of the API's fields.
const std::map<std::string, std::string> field_flags{
    {"starts", "--starts"},
    {"cron.schedule", "--cron"},
    {"cron.time_zone", "--time-zone"},
    {"recurrence_rule", "--frequency"},
    {"recurrence_rule.frequency", "--frequency"},
    {"recurrence_rule.interval", "--interval"},
    {"recurrence_rule.count", "--count"},
    {"recurrence_rule.until", "--until"},
    {"recurrence_rule.byday", "--byday"},
    {"time_zone", "--tz"},
};

// Where errors, warnings and notes go: plain lines, or under --json one JSON object per line.
class Reporter {
public:
    explicit Reporter(bool json) : json_(json) {}

    bool json() const { return json_; }
    void set_api_url(std::string url) { api_url_ = std::move(url); }
    void set_flags_name_fields(bool yes) { flags_name_fields_ = yes; }

    // The failure of an operation; its exit status.
    int error(const k6s::ApiError& e) const {
        std::string message = describe(e);
        std::string hint = hint_for(e);
        const int status = exit_status(e);
        if (json_) {
            json::object error{{"kind", k6s::to_string(e.kind)}, {"message", message}, {"exit", status}};
            if (e.status) error["status"] = e.status;
            if (!e.code.empty()) error["code"] = e.code;
            if (e.target && !e.target->empty()) error["target"] = *e.target;
            if (!hint.empty()) error["hint"] = hint;
            std::cerr << json::serialize(json::object{{"error", std::move(error)}}) << '\n';
        } else {
            std::cerr << "error: " << message << '\n';
            if (!hint.empty()) std::cerr << "hint: " << hint << '\n';
        }
        return status;
    }

    // A usage error: exit status 2.
    int usage(const std::string& message, const std::string& command) const {
        if (json_) {
            std::cerr << json::serialize(json::object{
                             {"error", json::object{{"kind", "usage"}, {"message", message}, {"exit", 2}}}})
                      << '\n';
        } else {
            std::cerr << "error: " << message << "\n\n" << short_usage(command);
        }
        return 2;
    }

    void warning(const std::string& message) const {
        if (json_)
            std::cerr << json::serialize(json::object{{"warning", message}}) << '\n';
        else
            std::cerr << "warning: " << message << '\n';
    }

    void note(const std::string& message) const {
        if (json_)
            std::cerr << json::serialize(json::object{{"note", message}}) << '\n';
        else
            std::cerr << message << '\n';
    }

private:
    std::string describe(const k6s::ApiError& e) const {
        const std::string target = e.target.value_or("");
        if (e.kind == k6s::ErrorKind::invalid_argument && flags_name_fields_) {
            if (const auto flag = field_flags.find(target); flag != field_flags.end()) {
                std::string message = e.message;
                if (message.starts_with(target)) {
                    message = flag->second + message.substr(target.size());
                } else {
                    message = flag->second + ": " + message;
                }
                return message;
            }
        }
        std::string text = e.kind == k6s::ErrorKind::api
                               ? "HTTP " + std::to_string(e.status) + (e.code.empty() ? "" : " " + e.code) + ": "
                               : std::string(k6s::to_string(e.kind)) + ": ";
        text += e.message;
        // The target once: not when the message already starts with it.
        if (!target.empty() && !e.message.starts_with(target)) text += " (target: " + target + ")";
        // (A 404's message names the request the library sent: "(requested: GET https://...)".)
        if (e.attempts > 1 && !e.retry_stopped.empty())
            text += " (after " + std::to_string(e.attempts) + " attempts: " + e.retry_stopped + ")";
        return text;
    }

    std::string hint_for(const k6s::ApiError& e) const {
        using k6s::ErrorKind;
        if (e.kind == ErrorKind::tls && e.message.find("certificate") != std::string::npos)
            return "if the server's certificate comes from a private CA, trust it with --ca-file PEM (or "
                   "K6_CLOUD_CA_FILE); verification stays on";
        if (e.kind == ErrorKind::api && e.status == 401)
            return "the token comes from --token, --token-file, K6_CLOUD_TOKEN or K6_CLOUD_TOKEN_FILE; create one in "
                   "Grafana Cloud under Testing & synthetics > Performance > Settings (a personal API token), or "
                   "use a Grafana stack API token";
        if (e.kind == ErrorKind::api && e.status == 403)
            return "the token has no access to this stack: check --stack-id (K6_CLOUD_STACK_ID)";
        if (e.kind == ErrorKind::api && e.status == 404 && e.code.empty())
            return "the server has no such path: is --api-url (K6_CLOUD_API_URL) the API's base URL, such as "
                   "https://api.k6.io?";
        if ((e.kind == ErrorKind::malformed_response || e.kind == ErrorKind::transport) &&
            api_url_.starts_with("http://"))
            return "the server may speak TLS: try https:// in --api-url (K6_CLOUD_API_URL)";
        return {};
    }

    bool json_;
    bool flags_name_fields_ = true;
    std::string api_url_;
};

k6s::Timestamp now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

k6s::Timestamp instant(const CommandArguments& args, const std::string& flag, k6s::Timestamp now_) {
    std::string why;
    auto parsed = k6::cli::parse_instant(*args.value(flag), now_, why);
    if (!parsed) throw UsageError(flag + ": " + why, args.command());
    return *parsed;
}

k6s::CreateScheduleRequest build_request(const CommandArguments& args, k6s::Timestamp now_) {
    if (!args.value("--starts")) throw UsageError("--starts is required (or --from-file)", args.command());
    k6s::CreateScheduleRequest request;
    request.starts = instant(args, "--starts", now_);
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
        auto f = k6::cli::parse_frequency_forgiving(*frequency);
        if (!f)
            throw UsageError("--frequency must be hourly, daily, weekly, monthly or yearly, got \"" + *frequency + "\"",
                             args.command());
        k6s::RecurrenceRule rule;
        rule.frequency = *f;
        // Any number: the request's validation says what is wrong, naming the flag.
        rule.interval = args.integer("--interval", INT64_MIN, INT64_MAX);
        rule.count = args.integer("--count", INT64_MIN, INT64_MAX);
        if (args.value("--until")) rule.until = instant(args, "--until", now_);
        if (auto byday = args.value("--byday")) {
            auto days = k6::cli::parse_weekdays(*byday);
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

struct Context {
    k6s::Client* client;  // null for commands that send nothing
    Reporter& reporter;
    Clock clock;
    bool json;
};

int print_result(const Context& ctx, const k6s::expected<k6s::Schedule>& result) {
    if (!result) return ctx.reporter.error(result.error());
    k6::cli::print_schedule(std::cout, *result, ctx.json, ctx.clock);
    return 0;
}

// The request of `set`, from its flags or from --from-file.
k6s::CreateScheduleRequest set_request(const CommandArguments& args, k6s::Timestamp now_) {
    const auto file = args.value("--from-file");
    if (!file) return build_request(args, now_);
    for (const char* flag : {"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count",
                             "--until"})
        if (args.value(flag)) throw UsageError(std::string("--from-file replaces ") + flag, "set");
    std::string why;
    auto text = k6::cli::read_text(*file, why);
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
            k6s::Timestamp now_) {
    if (auto valid = k6s::validate(request); !valid) return ctx.reporter.error(valid.error());
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
                  << "rule        " << k6::cli::describe_rule(preview, ctx.clock) << '\n';
        if (request.cron) std::cout << "time zone   " << request.cron->time_zone << '\n';
        std::cout << "starts      " << ctx.clock.format(request.starts) << '\n';
        if (runs->empty()) std::cout << "next runs   none\n";
        for (std::size_t i = 0; i < runs->size(); ++i)
            std::cout << (i == 0 ? "next runs   " : "            ") << ctx.clock.format((*runs)[i]) << '\n';
    }
    return 0;
}

asio::awaitable<int> set(Context ctx, const CommandArguments& args) {
    const k6s::LoadTestId load_test{args.id(0, "LOAD_TEST_ID")};
    const auto now_ = now();
    const auto request = set_request(args, now_);
    const bool from_flags = !args.value("--from-file");
    ctx.reporter.set_flags_name_fields(from_flags);
    if (args.has("--dry-run")) co_return dry_run(ctx, load_test, request, now_);
    auto result = co_await ctx.client->async_set_load_test_schedule(load_test, request);
    if (!result) co_return ctx.reporter.error(result.error());
    if (const auto reason = never_runs_reason(request, now_, from_flags); !reason.empty())
        ctx.reporter.warning(reason);
    k6::cli::print_schedule(std::cout, *result, ctx.json, ctx.clock);
    co_return 0;
}

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

asio::awaitable<int> list(Context ctx, const CommandArguments& args) {
    k6s::ListQuery query{.top = args.integer("--top", 1, 1000),
                         .skip = args.integer("--skip", 0, INT64_MAX),
                         .count = args.has("--count")};
    const bool all = args.has("--all");
    ProgressLine progress(all && !ctx.json && ::isatty(STDERR_FILENO));
    auto pager = ctx.client->list_schedules(query, {.read_ahead = all});
    auto table = k6::cli::schedule_table();
    std::int64_t items = 0;
    int pages = 0;
    do {
        auto page = co_await pager.async_next_page();
        progress.clear();
        if (!page) co_return ctx.reporter.error(page.error());
        ++pages;
        if (ctx.json) {
            for (const auto& s : page->items) std::cout << k6s::to_json(s) << '\n';
        } else {
            std::vector<std::vector<std::string>> rows;
            rows.reserve(page->items.size());
            for (const auto& s : page->items) rows.push_back(k6::cli::schedule_row(s, ctx.clock));
            table.print(std::cout, rows);
        }
        items += static_cast<std::int64_t>(page->items.size());
        std::cout.flush();  // streamed page by page
        progress.show("page " + std::to_string(pages) + ": " + std::to_string(items) + " schedules so far");
    } while (all && !pager.done());
    progress.clear();
    if (items == 0 && !ctx.json) ctx.reporter.note("no schedules");
    if (query.count) {
        const auto total = pager.total_count();
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

asio::awaitable<int> next(Context ctx, const CommandArguments& args) {
    const auto count = args.integer("-n", 1, 100'000).value_or(10);
    const auto now_ = now();
    const k6s::Timestamp after = args.value("--after") ? instant(args, "--after", now_) : now_;
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
                  << k6::cli::describe_rule(*schedule, ctx.clock) << ") after " << ctx.clock.format(after)
                  << (schedule->deactivated ? ", which will not happen (deactivated)" : "") << ":\n";
    for (const auto run : *runs) {
        if (ctx.json)
            std::cout << json::serialize(json::object{{"run", ctx.clock.format(run)}}) << '\n';
        else
            std::cout << ctx.clock.format(run) << '\n';
    }
    co_return 0;
}

// delete, activate, deactivate: one id prints nothing (its exit status says how it went); several
// run through async_for_each, a few at a time, with a line per id and a summary.
// Said of a schedule that deactivate leaves alone: the API answers 204 for an expired schedule
// and changes nothing, so "deactivated" would be untrue.
constexpr std::string_view already_expired = "already expired: nothing to deactivate";

// Done (true), or nothing to do (false: deactivate on an expired schedule, found with one GET).
asio::awaitable<k6s::expected<bool>> change_one(k6s::Client& client, k6s::ScheduleId id, std::string command) {
    auto done = [](k6s::expected<void> result) -> k6s::expected<bool> {
        if (!result) return std::unexpected(std::move(result.error()));
        return true;
    };
    // One branch each: the three operations are different types until awaited.
    if (command == "delete") co_return done(co_await client.async_delete_schedule(id));
    if (command == "activate") co_return done(co_await client.async_activate_schedule(id));
    auto current = co_await client.async_get_schedule(id);
    if (!current) co_return std::unexpected(std::move(current.error()));
    if (!current->next_run) co_return false;
    co_return done(co_await client.async_deactivate_schedule(id));
}

asio::awaitable<int> change(Context ctx, const CommandArguments& args) {
    const std::string& command = args.command();
    auto operation = [command](k6s::Client& client, const k6s::ScheduleId& id) {
        return change_one(client, id, command);
    };
    std::vector<std::string> words = args.positionals();
    const bool from_stdin = words.size() == 1 && words[0] == "-";
    if (from_stdin) words = k6::cli::read_words(std::cin);
    if (words.empty()) throw UsageError(from_stdin ? "no SCHEDULE_ID on stdin" : "SCHEDULE_ID is missing", command);
    std::vector<k6s::ScheduleId> ids;
    for (const auto& word : words) {
        if (word == "-") throw UsageError("- (ids from stdin) goes alone", command);
        ids.push_back(k6s::ScheduleId{k6::cli::parse_integer(word, "SCHEDULE_ID", 1, INT64_MAX, command)});
    }
    if (ids.size() == 1 && !from_stdin) {
        const k6s::expected<bool> done = co_await change_one(*ctx.client, ids[0], command);
        if (done && !*done) ctx.reporter.note("schedule " + std::to_string(ids[0].value) + ": " + std::string(already_expired));
        co_return done ? 0 : ctx.reporter.error(done.error());
    }
    const std::vector<k6s::expected<bool>> results = co_await k6s::async_for_each(*ctx.client, ids, 8, operation);
    const std::string done_word = command == "delete" ? "deleted" : command + "d";
    std::size_t failed = 0, skipped = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto& result = results[i];
        if (!result) ++failed;
        if (result && !*result) ++skipped;
        if (ctx.json) {
            json::object line{{"id", ids[i].value}, {"ok", result.has_value()}};
            if (!result)
                line["error"] = json::object{{"kind", k6s::to_string(result.error().kind)},
                                             {"status", result.error().status},
                                             {"message", result.error().to_string()}};
            else if (!*result)
                line["skipped"] = already_expired;
            std::cout << json::serialize(line) << '\n';
        } else if (result && !*result) {
            std::cout << "schedule " << ids[i].value << ": " << already_expired << '\n';
        } else if (result) {
            std::cout << done_word << ' ' << ids[i].value << '\n';
        } else {
            std::cout << "failed " << ids[i].value << ": " << result.error().to_string() << '\n';
        }
    }
    const std::size_t succeeded = ids.size() - failed - skipped;
    if (ctx.json) {
        json::object summary{{done_word, succeeded}, {"failed", failed}};
        if (skipped > 0) summary["already_expired"] = skipped;
        std::cout << json::serialize(json::object{{"summary", std::move(summary)}}) << '\n';
    } else {
        std::cout << succeeded << ' ' << done_word << ", " << (skipped > 0 ? std::to_string(skipped) + " already expired, " : "")
                  << failed << " failed\n";
    }
    co_return failed == 0 ? 0 : 1;
}

asio::awaitable<int> upcoming(Context ctx, const CommandArguments& args) {
    const auto now_ = now();
    const k6s::Timestamp from = args.value("--from") ? instant(args, "--from", now_) : now_;
    const k6s::Timestamp to = args.value("--to") ? instant(args, "--to", now_) : from + std::chrono::hours(24);
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
    auto table = k6::cli::Table({"RUN", "SCHEDULE", "LOAD TEST", "OVERLAPS"});
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

asio::awaitable<int> auth(Context ctx, const std::string& stack_url) {
    auto result = co_await ctx.client->async_authenticate(stack_url);
    if (!result) co_return ctx.reporter.error(result.error());
    if (ctx.json)
        std::cout << json::serialize(json::object{{"stack_id", result->stack_id},
                                                  {"default_project_id", result->default_project_id}})
                  << '\n';
    else
        std::cout << "stack id            " << result->stack_id << '\n'
                  << "default project id  " << result->default_project_id << '\n';
    co_return 0;
}

// A command's flags and how many positionals it takes (SIZE_MAX: any number). Parsing happens
// here, outside the coroutines: GCC 12 cannot copy a braced list of string literals into a
// coroutine frame.
CommandArguments parse_command(const std::string& command, const std::vector<std::string>& tokens) {
    struct Shape {
        std::set<std::string> valued, switches;
        std::size_t positionals;
    };
    static const std::map<std::string, Shape> shapes{
        {"get", {{}, {}, 1}},
        {"set",
         {{"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count", "--until",
           "--from-file"},
          {"--dry-run"},
          1}},
        {"list", {{"--top", "--skip"}, {"--count", "--all"}, 0}},
        {"show", {{}, {}, 1}},
        {"delete", {{}, {}, SIZE_MAX}},
        {"activate", {{}, {}, SIZE_MAX}},
        {"deactivate", {{}, {}, SIZE_MAX}},
        {"next", {{"-n", "--after", "--load-test"}, {}, 1}},
        {"upcoming", {{"--from", "--to"}, {}, 0}},
        {"auth", {{}, {}, 0}},
    };
    const Shape& shape = shapes.at(command);
    CommandArguments parsed(command, tokens, shape.valued, shape.switches);
    if (parsed.positionals().size() > shape.positionals)
        throw UsageError("unexpected argument " + parsed.positionals()[shape.positionals], command);
    return parsed;
}

asio::awaitable<int> dispatch(Context ctx, CommandArguments a, std::string stack_url) {
    const std::string& command = a.command();
    if (command == "get") {
        const k6s::LoadTestId id{a.id(0, "LOAD_TEST_ID")};
        co_return print_result(ctx, co_await ctx.client->async_get_load_test_schedule(id));
    }
    if (command == "set") co_return co_await set(ctx, a);
    if (command == "list") co_return co_await list(ctx, a);
    if (command == "show") {
        const k6s::ScheduleId id{a.id(0, "SCHEDULE_ID")};
        co_return print_result(ctx, co_await ctx.client->async_get_schedule(id));
    }
    if (command == "next") co_return co_await next(ctx, a);
    if (command == "upcoming") co_return co_await upcoming(ctx, a);
    if (command == "auth") co_return co_await auth(ctx, stack_url);
    co_return co_await change(ctx, a);
}

// Replaces each setting's name in `e` (its message and target) by what the user gave: a flag, or
// the variable. An empty replacement leaves the name as it is.
void name_settings(k6s::ApiError& e, std::initializer_list<std::pair<std::string_view, std::string>> names) {
    for (const auto& [setting, given] : names) {
        if (given.empty()) continue;
        for (auto at = e.message.find(setting); at != std::string::npos; at = e.message.find(setting, at)) {
            e.message.replace(at, setting.size(), given);
            at += given.size();
        }
        if (e.target == setting) e.target = given;
    }
}

// Where each setting came from, to name it in messages as the user gave it.
struct Sources {
    std::string token = "K6_CLOUD_TOKEN";
};

// ClientOptions from the flags, falling back to the environment; problems are usage errors that
// name the flag when one was given.
k6s::expected<k6s::ClientOptions> client_options(const k6::cli::GlobalOptions& g, Reporter& reporter) {
    Sources sources;
    std::optional<std::string> token = g.token;
    if (token) sources.token = "--token";
    auto env = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (!value || !*value) return std::nullopt;
        return std::string(value);
    };
    std::optional<std::string> token_file = g.token_file;
    if (!token && !token_file && !env("K6_CLOUD_TOKEN")) token_file = env("K6_CLOUD_TOKEN_FILE");
    if (!token && token_file) {
        std::string why;
        token = k6::cli::read_token_file(*token_file, why);
        const std::string flag = g.token_file ? "--token-file" : "K6_CLOUD_TOKEN_FILE";
        if (!token) {
            k6s::ApiError e;
            e.kind = k6s::ErrorKind::invalid_argument;
            e.message = flag + ": " + why;
            return std::unexpected(std::move(e));
        }
        sources.token = "the token in " + flag;
    }
    auto options = k6s::ClientOptions::from_env([&](std::string_view name) -> std::optional<std::string> {
        const std::optional<std::string>* flag = name == "K6_CLOUD_API_URL"     ? &g.api_url
                                                 : name == "K6_CLOUD_TOKEN"     ? &token
                                                 : name == "K6_CLOUD_STACK_ID"  ? &g.stack_id
                                                 : name == "K6_CLOUD_STACK_URL" ? &g.stack_url
                                                 : name == "K6_CLOUD_CA_FILE"   ? &g.ca_file
                                                                                : nullptr;
        if (flag && *flag) return **flag;
        return env(std::string(name).c_str());
    });
    if (!options) {
        // Name the flag, not the variable, when the value came from a flag.
        auto e = options.error();
        name_settings(e, {
                             {"K6_CLOUD_API_URL", g.api_url ? "--api-url" : ""},
                             {"K6_CLOUD_STACK_ID", g.stack_id ? "--stack-id" : ""},
                             {"K6_CLOUD_STACK_URL", g.stack_url ? "--stack-url" : ""},
                             {"K6_CLOUD_CA_FILE", g.ca_file ? "--ca-file" : ""},
                             {"K6_CLOUD_TOKEN", sources.token == "K6_CLOUD_TOKEN" ? "" : sources.token},
                         });
        if (e.message.find("K6_CLOUD_TOKEN is not set") != std::string::npos)
            e.message += "; or give --token, --token-file, or K6_CLOUD_TOKEN_FILE";
        return std::unexpected(std::move(e));
    }
    options->allow_insecure_http = g.insecure_http;
    // What from_env cannot judge alone: http:// to another machine is refused unless --insecure-http.
    if (auto valid = options->validate(); !valid) {
        auto e = valid.error();
        if (constexpr std::string_view prefix = "invalid client options: "; e.message.starts_with(prefix))
            e.message.erase(0, prefix.size());
        name_settings(e, {{"api_url", g.api_url ? "--api-url" : "K6_CLOUD_API_URL"},
                          {"allow_insecure_http", "--insecure-http"}});
        return std::unexpected(std::move(e));
    }
    reporter.set_api_url(options->api_url);
    if (g.timeout_seconds) {
        const auto timeout = std::chrono::milliseconds(static_cast<long long>(*g.timeout_seconds * 1000));
        options->connect_timeout = std::max(timeout, std::chrono::milliseconds(1));
        options->io_timeout = options->connect_timeout;
    }
    if (g.deadline_seconds)
        options->deadline = std::max(std::chrono::milliseconds(static_cast<long long>(*g.deadline_seconds * 1000)),
                                     std::chrono::milliseconds(1));
    if (g.retries) options->retry.max_retries = *g.retries;
    if (g.verbose && !g.json) {  // through the client's observer: what a user of the library would log
        options->observer.on_end = [](const k6s::AttemptEnd& end) { std::cerr << k6s::to_string(end) << '\n'; };
    } else if (g.verbose) {  // under --json, stderr stays one JSON object per line
        options->observer.on_end = [](const k6s::AttemptEnd& end) {
            json::object attempt{{"method", end.method},
                                 {"target", end.target},
                                 {"attempt", end.attempt},
                                 {"status", end.status},
                                 {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(end.duration).count()}};
            if (end.error) attempt["error"] = k6s::to_string(end.error->kind);
            if (end.retry_in) attempt["retry_in_ms"] = end.retry_in->count();
            if (!end.retry_stopped.empty()) attempt["retry_stopped"] = end.retry_stopped;
            std::cerr << json::serialize(json::object{{"attempt", std::move(attempt)}}) << '\n';
        };
    }
    options->request_validator = k6s::validate;  // this tool has the time-zone database: check zones too
    return options;
}

// An option's error, before any request: the message alone (it names the setting), exit status 2.
int report_options_error(const Reporter& reporter, k6s::ApiError e) {
    e.target.reset();
    if (reporter.json()) return reporter.error(e);
    std::cerr << "error: " << e.message << '\n';
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string command;
    bool json_mode = false;
    for (int i = 1; i < argc; ++i) json_mode = json_mode || std::string_view(argv[i]) == "--json";
    Reporter reporter(json_mode);
    try {
        const auto invocation = k6::cli::parse_invocation(argc, argv);
        command = invocation.command;
        if (invocation.help) {
            const auto it = command_help.find(command);
            if (it == command_help.end())
                std::cout << tool_usage;
            else
                std::cout << it->second.synopsis << '\n' << it->second.description;
            return 0;
        }
        if (invocation.version) {
            std::cout << "k6-schedules " << k6s::version << '\n';
            return 0;
        }
        if (invocation.command.empty()) throw UsageError("a command is required", "");
        if (!command_names().contains(invocation.command)) {
            const std::string guess = command;
            command.clear();
            throw UsageError("unknown command " + guess + k6::cli::did_you_mean(guess, command_names()), "");
        }
        CommandArguments arguments = parse_command(invocation.command, invocation.tokens);
        Clock clock;
        if (invocation.globals.tz) {
            auto zone = k6s::TimeZone::locate(*invocation.globals.tz);
            if (!zone) throw UsageError("--tz: " + zone.error().message, command);
            clock.zone = std::move(*zone);
        }
        // set --dry-run sends nothing, so it needs neither a token nor a server.
        if (command == "set" && arguments.has("--dry-run")) {
            Context ctx{nullptr, reporter, clock, invocation.globals.json};
            int status = 0;
            asio::io_context io;
            asio::co_spawn(io, set(ctx, arguments), [&](std::exception_ptr e, int result) {
                if (e) std::rethrow_exception(e);
                status = result;
            });
            io.run();
            return status;
        }
        auto options = client_options(invocation.globals, reporter);
        if (!options) return report_options_error(reporter, options.error());
        const k6::cli::RedactedStreams redacted(k6s::Redactor{options->token});
        const std::string stack_url = options->stack_url.value_or("");
        if (command == "auth" && stack_url.empty())
            throw UsageError("auth needs the stack's URL: --stack-url URL or K6_CLOUD_STACK_URL", command);
        asio::io_context io;
        auto created = k6s::Client::create(io, *options);  // an unusable CA file, say
        if (!created) return reporter.error(created.error());
        k6s::Client client = std::move(*created);
        int status = 3;
        std::exception_ptr failure;
        asio::co_spawn(io, dispatch(Context{&client, reporter, clock, invocation.globals.json}, std::move(arguments),
                                    stack_url),
                       [&](std::exception_ptr e, int result) {
                           failure = e;
                           status = result;
                       });
        io.run();
        if (failure) std::rethrow_exception(failure);
        return status;
    } catch (const UsageError& e) {
        return reporter.usage(e.what(), e.command.empty() ? command : e.command);
    }
}
