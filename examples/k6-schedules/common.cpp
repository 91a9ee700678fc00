// SPDX-License-Identifier: BSL-1.0
// The helpers of command.hpp: the Reporter, exit statuses, instants.
#include "command.hpp"
#include "input.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <iostream>
#include <sstream>
#include <map>
#include <string>
#include <utility>

namespace k6::cli {

namespace json = boost::json;

namespace {

// What a usage error prints after its message: the command's synopsis, or the tool's short usage.
std::string short_usage(const std::string& command) {
    if (const Command* found = find_command(command))
        return std::string(found->help.synopsis) + "Run \"k6-schedules " + command + " --help\" for more.\n";
    std::string names;
    for (const auto& name : command_names()) names += " " + name;
    return "usage: k6-schedules [GLOBAL OPTIONS] COMMAND [ARGS]\ncommands:" + names +
           "\nRun \"k6-schedules --help\" for more.\n";
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

}  // namespace

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

int Reporter::error(const k6s::ApiError& e) const {
    std::string message = describe(e);
    if (max_time_reached_ && e.kind == k6s::ErrorKind::cancelled) {
        std::ostringstream limit;
        limit << *max_time_reached_;
        message = "stopped by --max-time " + limit.str() + " (the whole command's limit): " + message;
    }
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

int Reporter::usage(const std::string& message, const std::string& command) const {
    if (json_) {
        std::cerr << json::serialize(json::object{
                         {"error", json::object{{"kind", "usage"}, {"message", message}, {"exit", 2}}}})
                  << '\n';
    } else {
        std::cerr << "error: " << message << "\n\n" << short_usage(command);
    }
    return 2;
}

void Reporter::warning(const std::string& message) const {
    if (json_)
        std::cerr << json::serialize(json::object{{"warning", message}}) << '\n';
    else
        std::cerr << "warning: " << message << '\n';
}

void Reporter::note(const std::string& message) const {
    if (json_)
        std::cerr << json::serialize(json::object{{"note", message}}) << '\n';
    else
        std::cerr << message << '\n';
}

std::string Reporter::describe(const k6s::ApiError& e) const {
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

std::string Reporter::hint_for(const k6s::ApiError& e) const {
    using k6s::ErrorKind;
    if (e.kind == ErrorKind::tls && e.message.find("certificate") != std::string::npos)
        return "if the server's certificate comes from a private CA, trust it with --ca-file PEM (or "
               "K6_CLOUD_CA_FILE); verification stays on";
    // A 401 names the source in use: with several possible, the refused token may not be the one
    // the user has in mind (K6_CLOUD_TOKEN wins over K6_CLOUD_TOKEN_FILE, a flag over both).
    if (e.kind == ErrorKind::api && e.status == 401)
        return (token_source_.empty() ? std::string("the token was refused")
                                      : "the token from " + token_source_ + " was refused") +
               ": give one with --token, --token-file, K6_CLOUD_TOKEN or K6_CLOUD_TOKEN_FILE; create one in "
               "Grafana Cloud under Testing & synthetics > Performance > Settings (a personal API token), or "
               "use a Grafana stack API token";
    if (e.kind == ErrorKind::api && e.status == 403 && stack_by_url_)
        return "the token has no access to the stack at --stack-url (K6_CLOUD_STACK_URL): check the URL, and that "
               "the token belongs to that stack";
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

k6s::Timestamp now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

k6s::Timestamp instant(const CommandArguments& args, const std::string& flag, k6s::Timestamp now_,
                       const Clock& clock) {
    std::string why;
    auto parsed = parse_instant(*args.value(flag), now_, why, clock.zone);
    if (!parsed) throw UsageError(flag + ": " + why, args.command());
    return *parsed;
}

}  // namespace k6::cli
