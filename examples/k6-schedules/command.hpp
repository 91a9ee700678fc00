// SPDX-License-Identifier: BSL-1.0
// What every command of k6-schedules needs: the Context it runs in, the Reporter its errors go
// through, the shared helpers, and the one table of commands (command_table.cpp). A command is one
// entry there: its name, its flags, its help and its function, so none of them can drift apart.
// The command files and main.cpp compile as one unity translation unit (examples/CMakeLists.txt):
// no two of them may define the same name at namespace scope, in their anonymous namespaces too.
#pragma once

#include "arguments.hpp"
#include "render.hpp"

#include <k6/schedules.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace k6::cli {

namespace asio = boost::asio;
namespace k6s = k6::schedules;

// Where errors, warnings and notes go: plain lines, or under --json one JSON object per line.
class Reporter {
public:
    explicit Reporter(bool json) : json_(json) {}

    bool json() const { return json_; }
    void set_api_url(std::string url) { api_url_ = std::move(url); }
    void set_flags_name_fields(bool yes) { flags_name_fields_ = yes; }
    // The stack is named by its URL (--stack-url), no id given: a 403's hint is about the URL.
    void set_stack_by_url(bool yes) { stack_by_url_ = yes; }
    // Where the token comes from ("--token-file FILE", ...): a 401's hint names it.
    void set_token_source(std::string source) { token_source_ = std::move(source); }
    // --max-time ran out and the client was closed: its "cancelled" errors say so.
    void set_max_time_reached(double seconds) { max_time_reached_ = seconds; }

    // The failure of an operation; its exit status.
    int error(const k6s::ApiError& e) const;
    // A usage error: exit status 2.
    int usage(const std::string& message, const std::string& command) const;
    void warning(const std::string& message) const;
    void note(const std::string& message) const;

private:
    std::string describe(const k6s::ApiError& e) const;
    std::string hint_for(const k6s::ApiError& e) const;

    bool json_;
    bool flags_name_fields_ = true;
    bool stack_by_url_ = false;
    std::optional<double> max_time_reached_;
    std::string api_url_;
    std::string token_source_;
};

struct Context {
    k6s::Client* client;  // null for commands that send nothing
    Reporter& reporter;
    Clock clock;
    bool json;
    std::string stack_url;  // --stack-url or K6_CLOUD_STACK_URL, "" when not given
    // Where the token and the stack id come from, as said to the user ("--token-file FILE",
    // "K6_CLOUD_STACK_ID", "--stack-url URL", ...); "" when no client is made. Never the token.
    std::string token_source = {};
    std::string stack_source = {};
    // Why client is null for a command that can do without it (set --dry-run), "" otherwise.
    std::string no_client_reason = {};
};

// The exit status of a failed operation: 1 API, 2 invalid argument, 3 transport, 4 malformed, 5 internal.
int exit_status(const k6s::ApiError& e);

// Now, to the millisecond: the instant relative TIMEs ("+1h") count from.
k6s::Timestamp now();

// The TIME given to `flag` (which must have a value), read on the clock of --tz where it has no
// offset; a UsageError naming the flag when malformed.
k6s::Timestamp instant(const CommandArguments& args, const std::string& flag, k6s::Timestamp now_, const Clock& clock);

// What an operation on one schedule came to: done, or skipped, saying why (the API would change
// nothing, or refuse: an expired schedule, one already paused).
struct Outcome {
    std::string skipped;          // empty: done
    k6s::LoadTestId load_test{};  // the schedule's load test, when the command looked it up (0 if not)
    bool done() const { return skipped.empty(); }
};

// delete, activate, deactivate, pause or resume (`command`) of one schedule (bulk_commands.cpp).
// Expired schedules are skipped, not failed: the API leaves them as they are on deactivate (204)
// and refuses them on activate (409), and neither is something the user can fix.
asio::awaitable<k6s::expected<Outcome>> change_one(k6s::Client& client, k6s::ScheduleId id, std::string command);

// A command's flags and how many positionals it takes.
struct Shape {
    std::set<std::string> valued{};    // flags with a value
    std::set<std::string> switches{};  // flags without one
    std::set<std::string> repeatable{};  // flags with a value that may be given more than once
    std::size_t positionals = 0;       // SIZE_MAX: any number
    std::set<std::string> words{};     // when not empty, the only positionals accepted (auth status)
};

struct CommandHelp {
    std::string_view synopsis;     // printed with a usage error
    std::string_view description;  // added by --help
};

// A command's function, run_NAME in its group's file: it runs once its arguments are parsed (so a
// bad flag sends nothing).
using RunCommand = asio::awaitable<int> (*)(Context, const CommandArguments&);

struct Command {
    std::string_view name;
    Shape shape;
    CommandHelp help;
    RunCommand run;
    // True when this invocation sends nothing (set --dry-run): it then needs neither a token nor a
    // server, and runs with a null Context::client.
    bool (*sends_nothing)(const CommandArguments&) = nullptr;
    // True when this invocation uses the client if it can be made, and runs without it (a null
    // Context::client, Context::no_client_reason saying why) if not: set --dry-run's overlap check.
    bool (*client_optional)(const CommandArguments&) = nullptr;
    // True when this invocation needs a stack URL (auth, but not auth status). Checked before the
    // client is made, so that a missing URL is a usage error.
    bool (*needs_stack_url)(const CommandArguments&) = nullptr;
};

// Every command, in the order of the tool's usage text (command_table.cpp).
std::span<const Command> commands();

// The command called `name`, or null.
const Command* find_command(std::string_view name);

// Every command's name, sorted: for the short usage and "did you mean".
const std::set<std::string>& command_names();

}  // namespace k6::cli
