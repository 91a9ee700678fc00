// SPDX-License-Identifier: BSL-1.0
// delete, activate, deactivate over one id or many: the many run a few at a time through
// async_for_each, with a line per id and a summary; ids may come from stdin ("-").
#include "command.hpp"
#include "input.hpp"

#include <k6/schedules/bulk.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace k6::cli {

namespace json = boost::json;

// delete, activate, deactivate: one id prints nothing (its exit status says how it went); several
// run through async_for_each, a few at a time, with a line per id and a summary.
asio::awaitable<int> run_change(Context ctx, const CommandArguments& args) {
    const std::string& command = args.command();
    auto operation = [command](k6s::Client& client, const k6s::ScheduleId& id) {
        return change_one(client, id, command);
    };
    std::vector<std::string> words = args.positionals();
    const bool from_stdin = words.size() == 1 && words[0] == "-";
    if (from_stdin) words = read_words(std::cin);
    if (words.empty() && from_stdin) {
        // An empty selection (say, a filter that matched nothing) is not an error, as with xargs -r.
        ctx.reporter.note("no SCHEDULE_ID on stdin: nothing to do");
        co_return 0;
    }
    if (words.empty()) throw UsageError("SCHEDULE_ID is missing", command);
    std::vector<k6s::ScheduleId> ids;
    for (const auto& word : words) {
        if (word == "-") throw UsageError("- (ids from stdin) goes alone", command);
        ids.push_back(k6s::ScheduleId{parse_integer(word, "SCHEDULE_ID", 1, INT64_MAX, command)});
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
            if (!result) {
                // As a single id's error says it (Reporter::error): code and target when there are some.
                const k6s::ApiError& e = result.error();
                json::object error{{"kind", k6s::to_string(e.kind)}, {"status", e.status}, {"message", e.to_string()}};
                if (!e.code.empty()) error["code"] = e.code;
                if (e.target && !e.target->empty()) error["target"] = *e.target;
                line["error"] = std::move(error);
            }
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

}  // namespace k6::cli
