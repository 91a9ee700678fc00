// SPDX-License-Identifier: BSL-1.0
// k6-schedules: manage Grafana Cloud k6 schedules from shells and CI pipelines. Uses only the
// library's public API. Exit status: 0 ok; 1 the API answered with an error; 2 usage or
// client-side validation error (nothing sent); 3 transport, TLS or timeout; 4 malformed response.
#include "arguments.hpp"
#include "render.hpp"

#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

namespace asio = boost::asio;
namespace k6s = k6::schedules;
using k6::cli::CommandArguments;
using k6::cli::UsageError;

namespace {

const char* const tool_usage = R"(usage: k6-schedules [GLOBAL OPTIONS] COMMAND [ARGS]

GLOBAL OPTIONS (each also read from the environment; the flag wins)
  --api-url URL       K6_CLOUD_API_URL   default https://api.k6.io  (http:// allowed for local servers)
  --token TOKEN       K6_CLOUD_TOKEN
  --stack-id ID       K6_CLOUD_STACK_ID
  --ca-file PEM       K6_CLOUD_CA_FILE   extra trusted CA bundle (verification stays on)
  --timeout SECONDS   per-request timeout (default 30)
  --retries N         max retries of retryable failures (default 3)
  --json              machine-readable output
  -v, --verbose       one line per request attempt on stderr: method, path, status or error,
                      duration, and the retry decision (never the token)

COMMANDS
  get LOAD_TEST_ID                      the load test's schedule
  set LOAD_TEST_ID --starts RFC3339
        [--cron "EXPR" [--time-zone TZ]]                       (TZ default UTC)
        [--frequency HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY [--interval N] [--byday MO,TU,..]
                                                      [--count N] [--until RFC3339]]
  list [--top N] [--skip N] [--count] [--all]        --all follows @nextLink lazily
  show SCHEDULE_ID
  delete SCHEDULE_ID
  activate SCHEDULE_ID
  deactivate SCHEDULE_ID
  next (SCHEDULE_ID | --load-test ID) [-n N] [--after RFC3339]
                                      the schedule's next N runs (default 10) strictly after the given instant
                                      (default now), computed locally by the recurrence engine

Exit status: 0 ok, 1 the API answered with an error, 2 usage or client-side validation error (nothing
was sent), 3 transport, TLS or timeout failure, 4 malformed response from the server.
Run "k6-schedules COMMAND --help" for a command, "k6-schedules --version" for the version.
)";

const std::map<std::string, std::string> command_usage{
    {"get", "usage: k6-schedules [GLOBAL OPTIONS] get LOAD_TEST_ID\n\nPrints the schedule of a load test.\n"},
    {"set",
     "usage: k6-schedules [GLOBAL OPTIONS] set LOAD_TEST_ID --starts RFC3339\n"
     "        [--cron \"EXPR\" [--time-zone TZ]]\n"
     "        [--frequency HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY [--interval N] [--byday MO,TU,..]\n"
     "                                                  [--count N] [--until RFC3339]]\n\n"
     "Sets (replaces) the schedule of a load test: a cron expression (5 fields or @yearly, @annually,\n"
     "@monthly, @weekly, @daily, @hourly) on the wall clock of TZ (default UTC), a recurrence rule,\n"
     "or, with neither, a single run at --starts. The request is checked before it is sent.\n"},
    {"list",
     "usage: k6-schedules [GLOBAL OPTIONS] list [--top N] [--skip N] [--count] [--all]\n\n"
     "Lists schedules: one page ($top, at most 1000; $skip), or with --all every page, following\n"
     "@nextLink. --count adds the total (under --json, a last line {\"@count\": N}).\n"},
    {"show", "usage: k6-schedules [GLOBAL OPTIONS] show SCHEDULE_ID\n\nPrints a schedule.\n"},
    {"delete", "usage: k6-schedules [GLOBAL OPTIONS] delete SCHEDULE_ID\n\nDeletes a schedule.\n"},
    {"activate",
     "usage: k6-schedules [GLOBAL OPTIONS] activate SCHEDULE_ID\n\n"
     "Re-activates a deactivated schedule (the API refuses when it has no future run).\n"},
    {"deactivate", "usage: k6-schedules [GLOBAL OPTIONS] deactivate SCHEDULE_ID\n\nDeactivates a schedule.\n"},
    {"next",
     "usage: k6-schedules [GLOBAL OPTIONS] next (SCHEDULE_ID | --load-test ID) [-n N] [--after RFC3339]\n\n"
     "Fetches the schedule and prints its next N runs (default 10) strictly after --after (default\n"
     "now), computed locally by the recurrence engine; under --json one RFC 3339 time per line.\n"},
};

const std::string& usage_of(const std::string& command) {
    static const std::string tool = tool_usage;
    const auto it = command_usage.find(command);
    return it == command_usage.end() ? tool : it->second;
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

// The one stderr line of a failure; its exit status.
int report(const k6s::ApiError& e) {
    std::cerr << "error: " << e.to_string() << '\n';
    return exit_status(e);
}

k6s::Timestamp now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

k6s::Timestamp instant(const CommandArguments& args, const std::string& flag) {
    const auto text = args.value(flag);
    auto parsed = k6s::parse_rfc3339(*text);
    if (!parsed)
        throw UsageError(flag + " must be an RFC 3339 date-time with an offset (" + std::string(parsed.error()) + ")",
                         args.command());
    return *parsed;
}

k6s::CreateScheduleRequest build_request(const CommandArguments& args) {
    if (!args.value("--starts")) throw UsageError("--starts is required", args.command());
    k6s::CreateScheduleRequest request;
    request.starts = instant(args, "--starts");
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
        auto f = k6s::parse_frequency(*frequency);
        if (!f) throw UsageError("--frequency must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY", args.command());
        k6s::RecurrenceRule rule;
        rule.frequency = *f;
        // Any number: the request's validation says what is wrong, naming the field.
        rule.interval = args.integer("--interval", INT64_MIN, INT64_MAX);
        rule.count = args.integer("--count", INT64_MIN, INT64_MAX);
        if (args.value("--until")) rule.until = instant(args, "--until");
        if (auto byday = args.value("--byday")) {
            std::vector<k6s::Weekday> days;
            for (std::size_t start = 0; start <= byday->size();) {
                const auto comma = std::min(byday->find(',', start), byday->size());
                auto day = k6s::parse_weekday(byday->substr(start, comma - start));
                if (!day) throw UsageError("--byday takes MO,TU,WE,TH,FR,SA,SU separated by commas", args.command());
                days.push_back(*day);
                start = comma + 1;
            }
            rule.byday = std::move(days);
        }
        request.recurrence_rule = std::move(rule);
    }
    return request;
}

struct Context {
    k6s::Client& client;
    bool json;
};

asio::awaitable<int> print_result(const k6s::expected<k6s::Schedule>& result, bool json) {
    if (!result) co_return report(result.error());
    k6::cli::print_schedule(std::cout, *result, json);
    co_return 0;
}

asio::awaitable<int> list(Context ctx, const CommandArguments& args) {
    k6s::ListQuery query;
    query.top = args.integer("--top", 1, 1000);
    query.skip = args.integer("--skip", 0, INT64_MAX);
    query.count = args.has("--count");
    const bool all = args.has("--all");
    const bool progress = all && !ctx.json && ::isatty(STDERR_FILENO);
    auto pager = ctx.client.list_schedules(query, {.read_ahead = all});
    if (!ctx.json) k6::cli::print_table_header(std::cout);
    std::int64_t items = 0;
    int pages = 0;
    do {
        auto page = co_await pager.async_next_page();
        if (!page) {
            if (progress) std::cerr << '\n';
            co_return report(page.error());
        }
        ++pages;
        for (const auto& s : page->items) {
            if (ctx.json)
                std::cout << k6s::to_json(s) << '\n';
            else
                k6::cli::print_table_row(std::cout, s);
        }
        items += static_cast<std::int64_t>(page->items.size());
        std::cout.flush();  // streamed page by page
        if (progress) std::cerr << "\rpage " << pages << ": " << items << " schedules so far" << std::flush;
    } while (all && !pager.done());
    if (progress) std::cerr << '\n';
    if (query.count) {
        const auto total = pager.total_count();
        if (ctx.json)
            std::cout << "{\"@count\":" << total.value_or(items) << "}\n";
        else
            std::cout << total.value_or(items) << " schedules in total\n";
    }
    co_return 0;
}

asio::awaitable<int> next(Context ctx, const CommandArguments& args) {
    const auto count = args.integer("-n", 1, 100'000).value_or(10);
    const k6s::Timestamp after = args.value("--after") ? instant(args, "--after") : now();
    k6s::expected<k6s::Schedule> schedule;
    if (auto load_test = args.integer("--load-test", 1, INT64_MAX)) {
        if (!args.positionals().empty()) throw UsageError("give SCHEDULE_ID or --load-test, not both", "next");
        schedule = co_await ctx.client.async_get_load_test_schedule(k6s::LoadTestId{*load_test});
    } else {
        schedule = co_await ctx.client.async_get_schedule(k6s::ScheduleId{args.id(0, "SCHEDULE_ID")});
    }
    if (!schedule) co_return report(schedule.error());
    auto runs = k6s::next_runs(*schedule, after, static_cast<std::size_t>(count));
    if (!runs) co_return report(runs.error());
    if (!ctx.json)
        std::cout << "next " << runs->size() << " run(s) of schedule " << schedule->id.value << " ("
                  << k6::cli::describe_rule(*schedule) << ") after " << k6s::format_rfc3339(after) << ":\n";
    for (const auto run : *runs) std::cout << k6s::format_rfc3339(run) << '\n';
    co_return 0;
}

// A command's flags and how many positionals it takes. Parsing happens here, outside the
// coroutines: GCC 12 cannot copy a braced list of string literals into a coroutine frame.
CommandArguments parse_command(const std::string& command, const std::vector<std::string>& tokens) {
    struct Shape {
        std::set<std::string> valued, switches;
        std::size_t positionals;
    };
    static const std::map<std::string, Shape> shapes{
        {"get", {{}, {}, 1}},
        {"set",
         {{"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count", "--until"}, {}, 1}},
        {"list", {{"--top", "--skip"}, {"--count", "--all"}, 0}},
        {"show", {{}, {}, 1}},
        {"delete", {{}, {}, 1}},
        {"activate", {{}, {}, 1}},
        {"deactivate", {{}, {}, 1}},
        {"next", {{"-n", "--after", "--load-test"}, {}, 1}},
    };
    const Shape& shape = shapes.at(command);
    CommandArguments parsed(command, tokens, shape.valued, shape.switches);
    if (parsed.positionals().size() > shape.positionals)
        throw UsageError("unexpected argument " + parsed.positionals()[shape.positionals], command);
    return parsed;
}

asio::awaitable<int> dispatch(Context ctx, CommandArguments a) {
    const std::string& command = a.command();
    if (command == "get")
        co_return co_await print_result(
            co_await ctx.client.async_get_load_test_schedule(k6s::LoadTestId{a.id(0, "LOAD_TEST_ID")}), ctx.json);
    if (command == "set") {
        const k6s::LoadTestId load_test{a.id(0, "LOAD_TEST_ID")};
        const auto request = build_request(a);
        co_return co_await print_result(co_await ctx.client.async_set_load_test_schedule(load_test, request), ctx.json);
    }
    if (command == "list") co_return co_await list(ctx, a);
    if (command == "show")
        co_return co_await print_result(co_await ctx.client.async_get_schedule(k6s::ScheduleId{a.id(0, "SCHEDULE_ID")}),
                                        ctx.json);
    if (command == "next") co_return co_await next(ctx, a);
    // delete, activate, deactivate: nothing to print. (No ?: around co_await: GCC 12.)
    const k6s::ScheduleId id{a.id(0, "SCHEDULE_ID")};
    k6s::expected<void> done;
    if (command == "delete")
        done = co_await ctx.client.async_delete_schedule(id);
    else if (command == "activate")
        done = co_await ctx.client.async_activate_schedule(id);
    else
        done = co_await ctx.client.async_deactivate_schedule(id);
    co_return done ? 0 : report(done.error());
}

// ClientOptions from the flags, falling back to the environment; problems are usage errors.
k6s::expected<k6s::ClientOptions> client_options(const k6::cli::GlobalOptions& g) {
    auto options = k6s::ClientOptions::from_env([&g](std::string_view name) -> std::optional<std::string> {
        const std::optional<std::string>* flag = name == "K6_CLOUD_API_URL"    ? &g.api_url
                                                 : name == "K6_CLOUD_TOKEN"    ? &g.token
                                                 : name == "K6_CLOUD_STACK_ID" ? &g.stack_id
                                                 : name == "K6_CLOUD_CA_FILE"  ? &g.ca_file
                                                                               : nullptr;
        if (flag && *flag) return **flag;
        const char* value = std::getenv(std::string(name).c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
    });
    if (!options) return options;
    if (g.timeout_seconds) {
        const auto timeout = std::chrono::milliseconds(static_cast<long long>(*g.timeout_seconds * 1000));
        options->connect_timeout = std::max(timeout, std::chrono::milliseconds(1));
        options->io_timeout = options->connect_timeout;
    }
    if (g.retries) options->retry.max_retries = *g.retries;
    if (g.verbose)  // through the client's observer: what a user of the library would log
        options->observer.on_end = [](const k6s::AttemptEnd& end) { std::cerr << k6s::to_string(end) << '\n'; };
    options->request_validator = k6s::validate;  // this tool has the time-zone database: check zones too
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    std::string command;
    try {
        const auto invocation = k6::cli::parse_invocation(argc, argv);
        command = invocation.command;
        if (invocation.help) {
            std::cout << usage_of(invocation.command);
            return 0;
        }
        if (invocation.version) {
            std::cout << "k6-schedules " << k6s::version << '\n';
            return 0;
        }
        if (invocation.command.empty()) throw UsageError("a command is required", "");
        if (!command_usage.contains(invocation.command)) throw UsageError("unknown command " + invocation.command, "");
        CommandArguments arguments = parse_command(invocation.command, invocation.tokens);
        auto options = client_options(invocation.globals);
        if (!options) {
            std::cerr << "error: " << options.error().message << '\n';
            return 2;
        }
        asio::io_context io;
        auto created = k6s::Client::create(io, *options);  // an unusable CA file, say
        if (!created) return report(created.error());
        k6s::Client client = std::move(*created);
        int status = 3;
        std::exception_ptr failure;
        asio::co_spawn(io, dispatch(Context{client, invocation.globals.json}, std::move(arguments)),
                       [&](std::exception_ptr e, int result) {
                           failure = e;
                           status = result;
                       });
        io.run();
        if (failure) std::rethrow_exception(failure);
        return status;
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n\n" << usage_of(e.command.empty() ? command : e.command);
        return 2;
    }
}
