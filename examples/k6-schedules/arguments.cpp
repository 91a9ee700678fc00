// SPDX-License-Identifier: BSL-1.0
#include "arguments.hpp"

#include <charconv>
#include <cstdlib>

namespace k6::cli {

namespace {

const std::set<std::string> global_valued{"--api-url", "--token", "--stack-id", "--ca-file", "--timeout", "--retries"};

}  // namespace

std::int64_t parse_integer(const std::string& text, const std::string& what, std::int64_t min, std::int64_t max,
                           const std::string& command) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        throw UsageError(what + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                             ", got \"" + text + "\"",
                         command);
    return value;
}

Invocation parse_invocation(int argc, char** argv) {
    Invocation invocation;
    GlobalOptions& g = invocation.globals;
    for (int i = 1; i < argc; ++i) {
        const std::string token = argv[i];
        if (token == "--help" || token == "-h") {
            invocation.help = true;
        } else if (token == "--version") {
            invocation.version = true;
        } else if (token == "--json") {
            g.json = true;
        } else if (token == "--verbose" || token == "-v") {
            g.verbose = true;
        } else if (global_valued.contains(token)) {
            if (i + 1 >= argc) throw UsageError(token + " needs a value", invocation.command);
            const std::string value = argv[++i];
            if (token == "--api-url") g.api_url = value;
            if (token == "--token") g.token = value;
            if (token == "--stack-id") g.stack_id = value;
            if (token == "--ca-file") g.ca_file = value;
            if (token == "--timeout") {
                char* end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !(seconds > 0 && seconds <= 86400))
                    throw UsageError("--timeout must be a number of seconds above 0, got \"" + value + "\"",
                                     invocation.command);
                g.timeout_seconds = seconds;
            }
            if (token == "--retries")
                g.retries = static_cast<unsigned>(parse_integer(value, "--retries", 0, 100, invocation.command));
        } else if (invocation.command.empty() && !token.starts_with("-")) {
            invocation.command = token;
        } else if (invocation.command.empty()) {
            throw UsageError("unknown option " + token, "");
        } else {
            invocation.tokens.push_back(token);
        }
    }
    return invocation;
}

CommandArguments::CommandArguments(std::string command, std::vector<std::string> tokens, std::set<std::string> valued,
                                   std::set<std::string> switches)
    : command_(std::move(command)) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& token = tokens[i];
        if (valued.contains(token)) {
            if (i + 1 >= tokens.size()) throw UsageError(token + " needs a value", command_);
            if (values_.contains(token)) throw UsageError(token + " is given twice", command_);
            values_[token] = tokens[++i];
        } else if (switches.contains(token)) {
            switches_.insert(token);
        } else if (token.starts_with("-") && token.size() > 1 && !(token[1] >= '0' && token[1] <= '9')) {
            throw UsageError("unknown option " + token + " for " + command_, command_);
        } else {
            positionals_.push_back(token);
        }
    }
}

std::optional<std::string> CommandArguments::value(const std::string& flag) const {
    const auto it = values_.find(flag);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::optional<std::int64_t> CommandArguments::integer(const std::string& flag, std::int64_t min,
                                                      std::int64_t max) const {
    const auto text = value(flag);
    if (!text) return std::nullopt;
    return parse_integer(*text, flag, min, max, command_);
}

std::int64_t CommandArguments::id(std::size_t position, const char* what) const {
    if (positionals_.size() <= position) throw UsageError(std::string(what) + " is missing", command_);
    return parse_integer(positionals_[position], what, 1, INT64_MAX, command_);
}

}  // namespace k6::cli
