// SPDX-License-Identifier: BSL-1.0
// delete, activate, deactivate, pause and resume over one id or many: the many run a few at a time
// through async_for_each, with a line per id and a summary; ids may come from stdin ("-"). pause
// can record what it paused (--save) so that resume undoes exactly that.
#include "command.hpp"
#include "input.hpp"

#include <k6/schedules/bulk.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

namespace {

// The format of what pause --save writes and resume reads.
constexpr std::string_view paused_format = "k6-schedules-paused/1";
// Said of an expired schedule that pause or resume leaves alone.
constexpr std::string_view expired_no_run_left = "expired: no run left";
// Deleting more ids than this, typed on a terminal, asks first (--yes answers).
constexpr std::size_t delete_without_asking = 10;

// The API's answer to activating a schedule with no run left.
bool is_conflict(const k6s::ApiError& e) { return e.status == 409; }

// The schedules a pause file lists: id -> load test id. A UsageError naming `where` when it is not one.
std::map<std::int64_t, std::int64_t> read_paused(const std::string& text, const std::string& where,
                                                 const std::string& command) {
    const auto refuse = [&](const std::string& why) {
        return UsageError(where + " is not a list of paused schedules (what pause --save writes): " + why, command);
    };
    boost::system::error_code ec;
    const json::value document = json::parse(text, ec);
    if (ec) throw refuse(ec.message());
    const json::object* top = document.if_object();
    if (!top || !top->contains("format") || top->at("format") != json::value(paused_format))
        throw refuse(std::string("its \"format\" is not \"") + std::string(paused_format) + "\"");
    const json::array* listed = top->contains("schedules") ? top->at("schedules").if_array() : nullptr;
    if (!listed) throw refuse("\"schedules\" is not a list");
    std::map<std::int64_t, std::int64_t> paused;
    for (const json::value& entry : *listed) {
        const json::object* o = entry.if_object();
        const json::value* id = o ? o->if_contains("id") : nullptr;
        const json::value* load_test = o ? o->if_contains("load_test_id") : nullptr;
        if (!id || !id->is_int64() || id->as_int64() < 1 || !load_test || !load_test->is_int64())
            throw refuse("an entry is not {\"id\": N, \"load_test_id\": N}");
        paused[id->as_int64()] = load_test->as_int64();
    }
    return paused;
}

std::string write_paused(const std::map<std::int64_t, std::int64_t>& paused) {
    // One schedule per line, sorted by id: the file reads well in a diff.
    std::string text = "{\"format\": \"" + std::string(paused_format) + "\", \"schedules\": [";
    bool first = true;
    for (const auto& [id, load_test] : paused) {
        text += first ? "\n  " : ",\n  ";
        first = false;
        text += "{\"id\": " + std::to_string(id) + ", \"load_test_id\": " + std::to_string(load_test) + "}";
    }
    text += first ? "]}\n" : "\n]}\n";
    return text;
}

// The ids given as words: each a SCHEDULE_ID; a UsageError naming a bad one, so nothing is sent.
std::vector<k6s::ScheduleId> parse_ids(const std::vector<std::string>& words, const std::string& command) {
    std::vector<k6s::ScheduleId> ids;
    for (const auto& word : words) {
        if (word == "-") throw UsageError("- (ids from stdin) goes alone", command);
        ids.push_back(k6s::ScheduleId{parse_integer(word, "SCHEDULE_ID", 1, INT64_MAX, command)});
    }
    return ids;
}

// delete of more than delete_without_asking ids typed on a terminal: asks, unless --yes.
bool confirmed(const CommandArguments& args, std::size_t count, bool from_stdin) {
    if (args.command() != "delete" || count <= delete_without_asking || from_stdin || args.has("--yes") ||
        !::isatty(STDIN_FILENO))
        return true;
    std::cerr << "delete " << count << " schedules? [y/N] (--yes skips this question) " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

// Prints a line per id and the summary (or, for one id given alone to delete/activate/deactivate,
// nothing but a skipped id's note); the exit status: 1 when any failed.
int report(const Context& ctx, const std::string& command, const std::vector<k6s::ScheduleId>& ids,
           const std::vector<k6s::expected<Outcome>>& results, bool quiet_single) {
    if (quiet_single && ids.size() == 1) {
        const auto& result = results[0];
        if (!result) return ctx.reporter.error(result.error());
        if (!result->done()) ctx.reporter.note("schedule " + to_string(ids[0]) + ": skipped (" + result->skipped + ")");
        return 0;
    }
    const std::string done_word = command == "delete" ? "deleted" : command == "pause" ? "paused" : command + "d";
    std::size_t failed = 0, skipped = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto& result = results[i];
        if (!result) ++failed;
        if (result && !result->done()) ++skipped;
        if (ctx.json) {
            json::object line{{"id", ids[i].value}, {"ok", result.has_value()}};
            if (!result) {
                // As a single id's error says it (Reporter::error): code and target when there are some.
                const k6s::ApiError& e = result.error();
                json::object error{{"kind", k6s::to_string(e.kind)}, {"status", e.status}, {"message", e.to_string()}};
                if (!e.code.empty()) error["code"] = e.code;
                if (e.target && !e.target->empty()) error["target"] = *e.target;
                line["error"] = std::move(error);
            } else if (!result->done()) {
                line["skipped"] = result->skipped;
            }
            std::cout << json::serialize(line) << '\n';
        } else if (!result) {
            std::cout << "failed " << ids[i].value << ": " << result.error().to_string() << '\n';
        } else if (!result->done()) {
            std::cout << "skipped " << ids[i].value << " (" << result->skipped << ")\n";
        } else {
            std::cout << done_word << ' ' << ids[i].value << '\n';
        }
    }
    const std::size_t succeeded = ids.size() - failed - skipped;
    if (ctx.json) {
        json::object summary{{done_word, succeeded}, {"failed", failed}};
        if (skipped > 0) summary["skipped"] = skipped;
        std::cout << json::serialize(json::object{{"summary", std::move(summary)}}) << '\n';
    } else {
        std::cout << succeeded << ' ' << done_word << ", " << (skipped > 0 ? std::to_string(skipped) + " skipped, " : "")
                  << failed << " failed\n";
    }
    return failed == 0 ? 0 : 1;
}

asio::awaitable<std::vector<k6s::expected<Outcome>>> change_all(Context ctx, std::string command,
                                                                std::vector<k6s::ScheduleId> ids) {
    auto operation = [command](k6s::Client& client, const k6s::ScheduleId& id) {
        return change_one(client, id, command);
    };
    co_return co_await k6s::async_for_each(*ctx.client, ids, 8, operation);
}

// The words of a command that takes ids: its positionals, or stdin's for "-". Empty when stdin had
// none (an empty selection: nothing to do, as with xargs -r).
std::vector<std::string> id_words(const CommandArguments& args, bool& from_stdin) {
    std::vector<std::string> words = args.positionals();
    from_stdin = words.size() == 1 && words[0] == "-";
    if (from_stdin) words = read_words(std::cin);
    return words;
}

}  // namespace

asio::awaitable<k6s::expected<Outcome>> change_one(k6s::Client& client, k6s::ScheduleId id, std::string command) {
    using Result = k6s::expected<Outcome>;
    auto done = [](k6s::expected<void> result) -> Result {
        if (!result) return std::unexpected(std::move(result.error()));
        return Outcome{};
    };
    const bool pausing = command == "pause";
    const std::string expired(pausing || command == "resume" ? expired_no_run_left : "expired");
    // One branch each: the operations are different types until awaited.
    if (command == "delete") co_return done(co_await client.async_delete_schedule(id));
    if (command == "activate" || command == "resume") {
        auto activated = co_await client.async_activate_schedule(id);
        if (activated || !is_conflict(activated.error())) co_return done(std::move(activated));
        // A 409: expired (no run left) is skipped; any other conflict stays the API's error.
        auto current = co_await client.async_get_schedule(id);
        if (current && !current->next_run) co_return Outcome{expired};
        co_return done(std::move(activated));
    }
    // deactivate and pause look first: the API answers 204 for an expired schedule and changes
    // nothing, so "deactivated" would be untrue; pause leaves out what is paused already, so that
    // resume does not activate what the user had deactivated before.
    auto current = co_await client.async_get_schedule(id);
    if (!current) co_return std::unexpected(std::move(current.error()));
    if (pausing && current->deactivated) co_return Outcome{"already deactivated"};
    if (!current->next_run) co_return Outcome{expired};
    auto result = done(co_await client.async_deactivate_schedule(id));
    if (result) result->load_test = current->load_test_id;
    co_return result;
}

// delete, activate, deactivate: one id prints nothing (its exit status says how it went); several
// run through async_for_each, a few at a time, with a line per id and a summary.
asio::awaitable<int> run_change(Context ctx, const CommandArguments& args) {
    const std::string& command = args.command();
    bool from_stdin = false;
    const std::vector<std::string> words = id_words(args, from_stdin);
    if (words.empty() && from_stdin) {
        ctx.reporter.note("no SCHEDULE_ID on stdin: nothing to do");
        co_return 0;
    }
    if (words.empty()) throw UsageError("SCHEDULE_ID is missing", command);
    const std::vector<k6s::ScheduleId> ids = parse_ids(words, command);
    if (!confirmed(args, ids.size(), from_stdin)) {
        ctx.reporter.note("nothing deleted");
        co_return 2;
    }
    const auto results = co_await change_all(ctx, command, ids);
    co_return report(ctx, command, ids, results, !from_stdin);
}

// pause IDS... | - | --all [--save FILE]: deactivates what runs, skipping what is expired or paused
// already, and records what it paused (added to what FILE already lists) for resume.
asio::awaitable<int> run_pause(Context ctx, const CommandArguments& args) {
    const bool all = args.has("--all");
    bool from_stdin = false;
    const std::vector<std::string> words = id_words(args, from_stdin);
    if (all && !args.positionals().empty()) throw UsageError("give SCHEDULE_IDs or --all, not both", "pause");
    if (!all && words.empty() && from_stdin) {
        ctx.reporter.note("no SCHEDULE_ID on stdin: nothing to do");
        co_return 0;
    }
    if (!all && words.empty()) throw UsageError("SCHEDULE_ID (or --all) is missing", "pause");
    std::vector<k6s::ScheduleId> ids = all ? std::vector<k6s::ScheduleId>{} : parse_ids(words, "pause");
    // What the file lists already is kept: pausing twice must not forget what the first pause did.
    const auto save = args.value("--save");
    std::map<std::int64_t, std::int64_t> paused;
    if (save && std::filesystem::exists(*save)) {
        std::string why;
        const auto text = read_text(*save, why);
        if (!text) throw UsageError("--save: " + why, "pause");
        paused = read_paused(*text, "--save " + *save, "pause");
    }
    std::map<std::int64_t, std::int64_t> load_tests;  // of the ids --all found
    std::vector<k6s::expected<Outcome>> results;
    if (all) {
        // One listing decides: what runs is deactivated; expired ones get a line; paused ones are left out.
        auto listed = co_await ctx.client->async_list_all_schedules({}, 1'000'000);
        if (!listed) co_return ctx.reporter.error(listed.error());
        std::size_t already = 0;
        std::vector<k6s::ScheduleId> running;
        for (const k6s::Schedule& s : *listed) {
            if (s.deactivated) {
                ++already;
                continue;
            }
            ids.push_back(s.id);
            load_tests[s.id.value] = s.load_test_id.value;
            if (s.next_run) running.push_back(s.id);
        }
        if (already > 0)
            ctx.reporter.note(std::to_string(already) + " schedule" + (already == 1 ? " is" : "s are") +
                              " deactivated already: left out");
        auto deactivated = co_await change_all(ctx, "deactivate", running);
        std::size_t next = 0;
        for (const k6s::Schedule& s : *listed) {
            if (s.deactivated) continue;
            if (!s.next_run)
                results.push_back(Outcome{std::string(expired_no_run_left)});
            else
                results.push_back(std::move(deactivated[next++]));
        }
    } else {
        results = co_await change_all(ctx, "pause", ids);
    }
    if (save) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (!results[i] || !results[i]->done()) continue;
            // The load test is kept for the reader: after a set, the id is gone and the load test says which.
            const auto found = load_tests.find(ids[i].value);
            paused[ids[i].value] = found != load_tests.end() ? found->second : results[i]->load_test.value;
        }
        if (std::string why; !write_whole_file(*save, write_paused(paused), why)) {
            ctx.reporter.warning("--save: " + why + ": what was paused is not recorded");
            report(ctx, "pause", ids, results, false);
            co_return 1;
        }
    }
    co_return report(ctx, "pause", ids, results, false);
}

// resume FILE | IDS... | -: activates what pause --save recorded (or the ids); an expired one is
// skipped, not failed.
asio::awaitable<int> run_resume(Context ctx, const CommandArguments& args) {
    const auto& given = args.positionals();
    if (given.empty()) throw UsageError("FILE or SCHEDULE_ID is missing", "resume");
    const bool one_word = given.size() == 1;
    const bool is_file = one_word && given[0] != "-" &&
                         !std::ranges::all_of(given[0], [](char c) { return c >= '0' && c <= '9'; });
    std::vector<k6s::ScheduleId> ids;
    if (is_file || (one_word && given[0] == "-")) {
        std::string why;
        const auto text = read_text(given[0], why);
        if (!text) throw UsageError(why, "resume");
        const std::string where = given[0] == "-" ? "stdin" : given[0];
        // stdin holds a pause file, or ids.
        const auto first = text->find_first_not_of(" \t\r\n");
        if (is_file || (first != std::string::npos && (*text)[first] == '{')) {
            for (const auto& [id, load_test] : read_paused(*text, where, "resume")) ids.push_back(k6s::ScheduleId{id});
        } else {
            std::istringstream in(*text);
            ids = parse_ids(read_words(in), "resume");
        }
        if (ids.empty()) {
            ctx.reporter.note("no schedule in " + where + ": nothing to do");
            co_return 0;
        }
    } else {
        ids = parse_ids(given, "resume");
    }
    const auto results = co_await change_all(ctx, "resume", ids);
    co_return report(ctx, "resume", ids, results, false);
}

}  // namespace k6::cli
