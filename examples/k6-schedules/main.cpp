// SPDX-License-Identifier: BSL-1.0
// k6-schedules: manage Grafana Cloud k6 schedules from shells and CI pipelines. Uses only the
// library's public API. Exit status: 0 ok; 1 the API answered with an error (with several ids: any
// of them failed); 2 usage or client-side validation error (nothing sent); 3 transport, TLS or
// timeout; 4 malformed response; 5 internal error.
// This file: the usage text, the global options, the client's options, and the dispatch through the
// table of commands (command_table.cpp); the commands live in *_commands.cpp.
#include "command.hpp"
#include "input.hpp"
#include "redacted_output.hpp"

#include <k6/schedules.hpp>
#include <k6/schedules/recurrence.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

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
  --deadline SECONDS   the limit of one call, retries and their waits included (default none); each
                       page of list --all is a call of its own
  --max-time SECONDS   the limit of the whole command, every call and page included (default none)
  --retries N          max retries of retryable failures (default 3)
  --tz ZONE            write instants on the wall clock of an IANA zone (Europe/Berlin) or of this
                       machine (local), with their offset; default UTC
  --json               machine-readable output: one JSON value per line; errors on stderr as
                       {"error": {...}}
  -v, --verbose        on stderr, where the token comes from (never the token), then one line per
                       request attempt: method, path, status or error, duration, and the retry decision

COMMANDS
  get LOAD_TEST_ID                      the load test's schedule
  set LOAD_TEST_ID --starts TIME
        [--cron "EXPR" [--time-zone TZ]]                       (TZ default UTC)
        [--frequency hourly|daily|weekly|monthly|yearly [--interval N] [--byday MO,TU,..]
                                                      [--count N] [--until TIME]]
        [--deactivated]                 the new schedule stays deactivated (set replaces: new id, active)
        [--dry-run [--no-overlaps]]     check and show the next runs and the overlaps with other
                                        load tests' runs (one listing); change nothing
  set LOAD_TEST_ID --from-file FILE|-   the schedule as JSON (what get --json prints works too)
  list [--top N] [--skip N] [--count] [--all]        --all follows @nextLink lazily
        [--state active|deactivated|expired]... [--load-test ID[,ID]]...   filters (every page)
        [-o wide]                       adds the STARTS and ENDS columns
  show SCHEDULE_ID
  delete SCHEDULE_ID... | - [--yes]     several ids at once, or ids read from stdin with -
  activate SCHEDULE_ID... | -           an expired schedule is skipped (no run left), not failed
  deactivate SCHEDULE_ID... | -
  pause SCHEDULE_ID... | - | --all [--save FILE]
                                      deactivate what runs (expired and deactivated ones are skipped);
                                      --save records what was paused, for resume
  resume FILE | SCHEDULE_ID... | -     activate what pause --save recorded (or the ids)
  next (SCHEDULE_ID | --load-test ID) [-n N] [--after TIME]
                                      the schedule's next N runs (default 10) strictly after the given instant
                                      (default now), computed locally by the recurrence engine
  upcoming [--from TIME] [--to TIME]  every run of every active schedule in the window (default the
        [--state S]... [--load-test ID[,ID]]...
                                      next 24 hours), in time order, computed locally from one listing;
                                      runs of different load tests less than a minute apart overlap
                                      (OVERLAPS lists the schedules)
  auth                                check the token against --stack-url and print the stack id and
                                      default project id
  auth status                         the configuration in effect: where the token comes from (never
                                      the token), the API URL, the stack id and where it comes from;
                                      then whether the token works (one request)
  export [--output FILE]              the schedules as a k6-schedules/1 document (schedules as code)
  plan FILE|- [--prune] [--exit-code] what apply would change, like a diff
  apply FILE|- [--prune] [--dry-run]  make the API say what the document says
  completion bash|zsh                 a shell completion script for the tool's commands and flags

TIME is RFC 3339 with an offset (2027-01-01T09:00:00Z), a date (2027-01-01: midnight UTC), now, or
relative to now: +30m, +1h, +2d, -1w.

Exit status: 0 ok, 1 the API answered with an error (with several ids or changes: any failed), 2 usage
or client-side validation error (nothing was sent), 3 transport, TLS or timeout failure, 4 malformed
response from the server, 5 internal error, 6 plan --exit-code: changes are pending.
Run "k6-schedules COMMAND --help" for a command, "k6-schedules --version" for the version.
)";

// A command's flags and positionals, checked against its shape. Parsing happens here, outside the
// coroutines: GCC 12 cannot copy a braced list of string literals into a coroutine frame.
CommandArguments parse_command(const Command& command, const std::vector<std::string>& tokens) {
    const Shape& shape = command.shape;
    const std::string name(command.name);
    CommandArguments parsed(name, tokens, shape.valued, shape.switches, shape.repeatable);
    if (parsed.positionals().size() > shape.positionals)
        throw UsageError("unexpected argument " + parsed.positionals()[shape.positionals], name);
    if (!shape.words.empty())
        for (const std::string& word : parsed.positionals())
            if (!shape.words.contains(word))
                throw UsageError("unknown argument " + word + did_you_mean(word, shape.words), name);
    return parsed;
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
    std::string token = "K6_CLOUD_TOKEN";         // the setting, in the library's messages
    std::string token_shown = "K6_CLOUD_TOKEN";   // said to the user: "--token-file FILE", ...
    std::string stack;                            // "--stack-id", "--stack-url URL", ...
};

// ClientOptions from the flags, falling back to the environment, and in `sources` where the token
// and the stack id come from; problems are usage errors that name the flag when one was given.
k6s::expected<k6s::ClientOptions> client_options(const GlobalOptions& g, Reporter& reporter, Sources& sources) {
    std::optional<std::string> token = g.token;
    if (token) sources.token = sources.token_shown = "--token";
    auto env = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (!value || !*value) return std::nullopt;
        return std::string(value);
    };
    std::optional<std::string> token_file = g.token_file;
    if (!token && !token_file && !env("K6_CLOUD_TOKEN")) token_file = env("K6_CLOUD_TOKEN_FILE");
    if (!token && token_file) {
        std::string why;
        token = read_token_file(*token_file, why);
        const std::string flag = g.token_file ? "--token-file" : "K6_CLOUD_TOKEN_FILE";
        if (!token) {
            k6s::ApiError e;
            e.kind = k6s::ErrorKind::invalid_argument;
            e.message = flag + ": " + why;
            return std::unexpected(std::move(e));
        }
        sources.token = "the token in " + flag;
        sources.token_shown = g.token_file ? flag + " " + *token_file : flag + " (" + *token_file + ")";
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
    reporter.set_stack_by_url(options->stack_id == 0 && options->stack_url.has_value());
    reporter.set_token_source(sources.token_shown);
    // With both, the id is used (from_env): the URL is the source only when there is no id.
    if (options->stack_id != 0)
        sources.stack = g.stack_id ? "--stack-id" : "K6_CLOUD_STACK_ID";
    else
        sources.stack =
            g.stack_url ? "--stack-url " + *g.stack_url : "K6_CLOUD_STACK_URL (" + *options->stack_url + ")";
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

// Runs the command on `io` to its end. What it throws (a UsageError, say) is rethrown here, after
// io.run(), so that main() reports it.
// With --max-time, the client is closed when the whole command has run that long: what is in
// flight ends as cancelled, nothing new starts, and the errors say why.
int run_command(asio::io_context& io, const Command& command, Context ctx, const CommandArguments& arguments,
                std::optional<double> max_time = std::nullopt) {
    int status = 3;
    std::exception_ptr failure;
    std::optional<asio::steady_timer> limit;
    if (max_time && ctx.client) {
        limit.emplace(io, std::chrono::milliseconds(static_cast<long long>(*max_time * 1000)));
        limit->async_wait([client = ctx.client, &reporter = ctx.reporter, seconds = *max_time](
                              boost::system::error_code ec) {
            if (ec) return;
            reporter.set_max_time_reached(seconds);
            client->close();
        });
    }
    asio::co_spawn(io, command.run(std::move(ctx), arguments), [&](std::exception_ptr e, int result) {
        failure = e;
        status = result;
        if (limit) limit->cancel();
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return status;
}

}  // namespace

}  // namespace k6::cli

int main(int argc, char** argv) {
    using namespace k6::cli;  // in main only: the unity build puts the command files after this one
    std::string command;
    bool json_mode = false;
    for (int i = 1; i < argc; ++i) json_mode = json_mode || std::string_view(argv[i]) == "--json";
    Reporter reporter(json_mode);
    try {
        const auto invocation = parse_invocation(argc, argv);
        command = invocation.command;
        if (invocation.help) {
            if (const Command* found = find_command(command))
                std::cout << found->help.synopsis << '\n' << found->help.description;
            else
                std::cout << tool_usage;
            return 0;
        }
        if (invocation.version) {
            std::cout << "k6-schedules " << k6s::version << '\n';
            return 0;
        }
        if (invocation.command.empty()) throw UsageError("a command is required", "");
        const Command* const to_run = find_command(invocation.command);
        if (!to_run) {
            const std::string guess = command;
            command.clear();
            throw UsageError("unknown command " + guess + did_you_mean(guess, command_names()), "");
        }
        CommandArguments arguments = parse_command(*to_run, invocation.tokens);
        Clock clock;
        if (invocation.globals.tz) {
            auto zone = k6s::TimeZone::locate(*invocation.globals.tz);
            if (!zone) throw UsageError("--tz: " + zone.error().message, command);
            clock.zone = std::move(*zone);
        }
        // What sends nothing (set --dry-run) needs neither a token nor a server.
        if (to_run->sends_nothing && to_run->sends_nothing(arguments)) {
            asio::io_context io;
            return run_command(io, *to_run, Context{nullptr, reporter, clock, invocation.globals.json, "", "", ""},
                               arguments);
        }
        Sources sources;
        auto options = client_options(invocation.globals, reporter, sources);
        if (!options && to_run->client_optional && to_run->client_optional(arguments)) {
            asio::io_context io;
            Context without{nullptr, reporter, clock, invocation.globals.json, "", "", ""};
            without.no_client_reason = options.error().message;
            return run_command(io, *to_run, std::move(without), arguments);
        }
        if (!options) return report_options_error(reporter, options.error());
        const RedactedStreams redacted(k6s::Redactor{options->token});
        const std::string stack_url = options->stack_url.value_or("");
        if (to_run->needs_stack_url && to_run->needs_stack_url(arguments) && stack_url.empty())
            throw UsageError(command + " needs the stack's URL: --stack-url URL or K6_CLOUD_STACK_URL", command);
        // Which token is in use, once, before any request: a 401 is then easy to place.
        if (invocation.globals.verbose && invocation.globals.json)
            std::cerr << json::serialize(json::object{{"token_source", sources.token_shown}}) << '\n';
        else if (invocation.globals.verbose)
            std::cerr << "token from " << sources.token_shown << '\n';
        asio::io_context io;
        auto created = k6s::Client::create(io, *options);  // an unusable CA file, say
        if (!created) return reporter.error(created.error());
        k6s::Client client = std::move(*created);
        return run_command(io, *to_run,
                           Context{&client, reporter, clock, invocation.globals.json, stack_url, sources.token_shown,
                                   sources.stack},
                           arguments, invocation.globals.max_time_seconds);
    } catch (const UsageError& e) {
        return reporter.usage(e.what(), e.command.empty() ? command : e.command);
    } catch (const std::exception& e) {
        // A defect of this tool, not of the input: reported as the client's internal errors are
        // (exit status 5), rather than an abort.
        k6s::ApiError error;
        error.kind = k6s::ErrorKind::internal;
        error.ec = make_error_code(k6s::errc::internal_error);
        error.message = std::string("internal error: ") + e.what();
        return reporter.error(error);
    }
}
