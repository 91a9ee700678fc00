// SPDX-License-Identifier: BSL-1.0
#include "arguments.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace k6::cli {

namespace {

const std::set<std::string> global_valued{"--api-url",  "--token",    "--token-file", "--stack-id", "--stack-url",
                                          "--ca-file",  "--timeout",  "--deadline",   "--retries",  "--tz",
                                          "--max-time"};
const std::set<std::string> global_switches{"--json",    "--verbose",        "-v", "--help", "-h",
                                            "--version", "--insecure-http"};

// "--flag=value" as the pair ("--flag", "value"); anything else unchanged, with no value.
std::pair<std::string, std::optional<std::string>> split_assignment(const std::string& token) {
    if (!token.starts_with("--")) return {token, std::nullopt};
    const auto equals = token.find('=');
    if (equals == std::string::npos) return {token, std::nullopt};
    return {token.substr(0, equals), token.substr(equals + 1)};
}

// Edits between two words, a swap of neighbours counting as one ("lsit" is one from "list").
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

const std::set<std::string>& global_flags() {
    static const std::set<std::string> all = [] {
        std::set<std::string> flags = global_valued;
        flags.insert(global_switches.begin(), global_switches.end());
        return flags;
    }();
    return all;
}

const std::set<std::string>& global_valued_flags() { return global_valued; }

std::string closest(const std::string& word, const std::set<std::string>& known) {
    std::string best;
    std::size_t best_distance = word.size() / 3 + 1;  // further than that is a different word
    for (const auto& candidate : known) {
        if (candidate.size() <= 2) continue;  // -v, -n, -h: too short to guess
        const auto distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string did_you_mean(const std::string& word, const std::set<std::string>& known) {
    const std::string best = closest(word, known);
    return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

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

double parse_seconds(const std::string& text, const std::string& flag, const std::string& command) {
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(seconds > 0 && seconds <= 86400))
        throw UsageError(flag + " must be a number of seconds above 0 and at most 86400, got \"" + text + "\"",
                         command);
    return seconds;
}

Invocation parse_invocation(int argc, char** argv) {
    Invocation invocation;
    GlobalOptions& g = invocation.globals;
    for (int i = 1; i < argc; ++i) {
        const std::string raw = argv[i];
        auto [token, inline_value] = split_assignment(raw);
        if (global_switches.contains(token) && inline_value)
            throw UsageError(token + " takes no value", invocation.command);
        if (token == "--help" || token == "-h") {
            invocation.help = true;
        } else if (token == "--version") {
            invocation.version = true;
        } else if (token == "--json") {
            g.json = true;
        } else if (token == "--verbose" || token == "-v") {
            g.verbose = true;
        } else if (token == "--insecure-http") {
            g.insecure_http = true;
        } else if (global_valued.contains(token)) {
            if (!inline_value && i + 1 >= argc) throw UsageError(token + " needs a value", invocation.command);
            const std::string value = inline_value ? *inline_value : std::string(argv[++i]);
            if (token == "--api-url") g.api_url = value;
            if (token == "--token") g.token = value;
            if (token == "--token-file") g.token_file = value;
            if (token == "--stack-id") g.stack_id = value;
            if (token == "--stack-url") g.stack_url = value;
            if (token == "--ca-file") g.ca_file = value;
            if (token == "--tz") g.tz = value;
            if (token == "--timeout") g.timeout_seconds = parse_seconds(value, token, invocation.command);
            if (token == "--deadline") g.deadline_seconds = parse_seconds(value, token, invocation.command);
            if (token == "--max-time") g.max_time_seconds = parse_seconds(value, token, invocation.command);
            if (token == "--retries")
                g.retries = static_cast<unsigned>(parse_integer(value, "--retries", 0, 100, invocation.command));
        } else if (invocation.command.empty() && !raw.starts_with("-")) {
            invocation.command = raw;
        } else if (invocation.command.empty()) {
            throw UsageError("unknown option " + token + did_you_mean(token, global_flags()), "");
        } else {
            invocation.tokens.push_back(raw);
        }
    }
    if (g.token && g.token_file) throw UsageError("give --token or --token-file, not both", invocation.command);
    return invocation;
}

CommandArguments::CommandArguments(std::string command, std::vector<std::string> tokens, std::set<std::string> valued,
                                   std::set<std::string> switches, std::set<std::string> repeatable)
    : command_(std::move(command)) {
    valued.insert(repeatable.begin(), repeatable.end());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        auto [token, inline_value] = split_assignment(tokens[i]);
        if (valued.contains(token)) {
            if (!inline_value && i + 1 >= tokens.size()) throw UsageError(token + " needs a value", command_);
            if (values_.contains(token) && !repeatable.contains(token))
                throw UsageError(token + " is given twice", command_);
            values_[token].push_back(inline_value ? *inline_value : tokens[++i]);
        } else if (switches.contains(token)) {
            if (inline_value) throw UsageError(token + " takes no value", command_);
            switches_.insert(token);
        } else if (token.starts_with("-") && token.size() > 1 && !(token[1] >= '0' && token[1] <= '9')) {
            std::set<std::string> known = valued;
            known.insert(switches.begin(), switches.end());
            known.insert(global_flags().begin(), global_flags().end());
            throw UsageError("unknown option " + token + " for " + command_ + did_you_mean(token, known), command_);
        } else {
            positionals_.push_back(tokens[i]);
        }
    }
}

std::optional<std::string> CommandArguments::value(const std::string& flag) const {
    const auto it = values_.find(flag);
    if (it == values_.end()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> CommandArguments::values(const std::string& flag) const {
    std::vector<std::string> all;
    const auto it = values_.find(flag);
    if (it == values_.end()) return all;
    for (const std::string& given : it->second) {
        std::size_t begin = 0;
        for (;;) {
            const std::size_t comma = given.find(',', begin);
            all.push_back(given.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
            if (comma == std::string::npos) break;
            begin = comma + 1;
        }
    }
    return all;
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
