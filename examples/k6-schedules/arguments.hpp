// SPDX-License-Identifier: BSL-1.0
// The command line of k6-schedules: global options (each also read from the environment, the
// flag winning), the command, and its own flags. `--flag value` and `--flag=value` are the same.
// A wrong flag or command is a UsageError naming it, with the closest known one as a suggestion.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace k6::cli {

// Bad usage: exit status 2, the message, then the short usage of `command` ("" for the tool's).
struct UsageError : std::runtime_error {
    UsageError(const std::string& message, std::string for_command)
        : std::runtime_error(message), command(std::move(for_command)) {}
    std::string command;
};

struct GlobalOptions {
    std::optional<std::string> api_url, token, token_file, stack_id, stack_url, ca_file, tz;
    std::optional<double> timeout_seconds, deadline_seconds;
    std::optional<double> max_time_seconds;  // the whole command (--max-time), where --deadline is one call
    std::optional<unsigned> retries;
    bool json = false;
    bool verbose = false;  // one line per attempt on stderr
    bool insecure_http = false;  // http:// to a host other than this machine (ClientOptions::allow_insecure_http)
};

// Every global flag, for suggestions ("did you mean --timeout?").
const std::set<std::string>& global_flags();

// The global flags that take a value (the others are switches): for shell completion.
const std::set<std::string>& global_valued_flags();

// The known word closest to `word` (at most a third of its letters different), or "".
std::string closest(const std::string& word, const std::set<std::string>& known);

// " (did you mean X?)" for the closest known word, or "".
std::string did_you_mean(const std::string& word, const std::set<std::string>& known);

// A command's flags: those with a value and the plain switches it accepts, and its positionals.
class CommandArguments {
public:
    // `repeatable`: valued flags that may be given more than once (--state active --state expired).
    CommandArguments(std::string command, std::vector<std::string> tokens, std::set<std::string> valued,
                     std::set<std::string> switches, std::set<std::string> repeatable = {});

    const std::string& command() const { return command_; }
    const std::vector<std::string>& positionals() const { return positionals_; }
    std::optional<std::string> value(const std::string& flag) const;  // the last one given
    // Every value given to `flag`, in order, each split at commas ("--load-test 1,2 --load-test 3").
    std::vector<std::string> values(const std::string& flag) const;
    bool has(const std::string& flag) const { return switches_.contains(flag); }

    // Typed accessors; a malformed value is a UsageError naming the flag.
    std::optional<std::int64_t> integer(const std::string& flag, std::int64_t min, std::int64_t max) const;
    std::int64_t id(std::size_t position, const char* what) const;  // the positional at `position`

private:
    std::string command_;
    std::vector<std::string> positionals_;
    std::map<std::string, std::vector<std::string>> values_;
    std::set<std::string> switches_;
};

struct Invocation {
    GlobalOptions globals;
    std::string command;              // empty with --help or --version alone
    std::vector<std::string> tokens;  // what follows the command, global options removed
    bool help = false;
    bool version = false;
};

// Global options may come before or after the command.
Invocation parse_invocation(int argc, char** argv);

std::int64_t parse_integer(const std::string& text, const std::string& what, std::int64_t min, std::int64_t max,
                           const std::string& command);

// A number of seconds above 0 and at most a day, for --timeout, --deadline and --max-time.
double parse_seconds(const std::string& text, const std::string& flag, const std::string& command);

}  // namespace k6::cli
