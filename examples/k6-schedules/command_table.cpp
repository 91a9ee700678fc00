// SPDX-License-Identifier: BSL-1.0
// The one table of commands: each entry is a command's name, its flags, its help and its function.
// Adding a command is adding its function in a *_commands.cpp file and its entry here.
#include "command.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace k6::cli {

// schedule_commands.cpp
asio::awaitable<int> run_get(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_set(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_show(Context ctx, const CommandArguments& args);
// bulk_commands.cpp
asio::awaitable<int> run_change(Context ctx, const CommandArguments& args);  // delete, activate, deactivate
asio::awaitable<int> run_pause(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_resume(Context ctx, const CommandArguments& args);
// listing_commands.cpp
asio::awaitable<int> run_list(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_next(Context ctx, const CommandArguments& args);
// upcoming_commands.cpp
asio::awaitable<int> run_upcoming(Context ctx, const CommandArguments& args);
// auth_commands.cpp
asio::awaitable<int> run_auth(Context ctx, const CommandArguments& args);
// plan_commands.cpp
asio::awaitable<int> run_export(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_plan(Context ctx, const CommandArguments& args);
asio::awaitable<int> run_apply(Context ctx, const CommandArguments& args);
// completion_commands.cpp
asio::awaitable<int> run_completion(Context ctx, const CommandArguments& args);

namespace {

// Read from main() on only, so its dynamic initialization is done by then.
const Command command_table[]{
    {.name = "get",
     .shape = {.positionals = 1},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] get LOAD_TEST_ID\n",
              .description = "Prints the schedule of a load test.\n"},
     .run = run_get},
    {.name = "set",
     .shape = {.valued = {"--starts", "--cron", "--time-zone", "--frequency", "--interval", "--byday", "--count",
                          "--until", "--from-file"},
               .switches = {"--dry-run", "--no-overlaps", "--deactivated"},
               .positionals = 1},
     .help = {.synopsis =
                  "usage: k6-schedules [GLOBAL OPTIONS] set LOAD_TEST_ID --starts TIME\n"
                  "        [--cron \"EXPR\" [--time-zone TZ]]\n"
                  "        [--frequency hourly|daily|weekly|monthly|yearly [--interval N] [--byday MO,TU,..]\n"
                  "                                                  [--count N] [--until TIME]]\n"
                  "        [--deactivated] [--dry-run [--no-overlaps]]\n"
                  "       k6-schedules [GLOBAL OPTIONS] set LOAD_TEST_ID --from-file FILE|- [--deactivated]\n"
                  "        [--dry-run [--no-overlaps]]\n",
              .description =
                  "Sets (replaces) the schedule of a load test: a cron expression (5 fields or @yearly, @annually,\n"
                  "@monthly, @weekly, @daily, @hourly) on the wall clock of TZ (default UTC), a recurrence rule,\n"
                  "or, with neither, a single run at --starts. --from-file reads the schedule as JSON instead\n"
                  "(\"starts\", and \"cron\" or \"recurrence_rule\"; other fields, such as those get --json prints, are\n"
                  "ignored), so schedules can live in a repository. The request is checked before it is sent; a\n"
                  "schedule that can never run is sent, with a warning on stderr. The API replaces a load test's\n"
                  "schedule with a new one, active, under a new id: set says on stderr which schedule it replaced\n"
                  "(and warns when that one was deactivated); --deactivated keeps the new one deactivated.\n"
                  "--dry-run checks it and prints set's warnings and its next runs, changing nothing. It also\n"
                  "lists the runs of the next 7 days that start less than a minute from a run of another load\n"
                  "test's active schedule (from one listing: the only request; without a token it says the\n"
                  "check was skipped). --no-overlaps skips the listing: nothing is sent, no token is needed.\n"
                  "With --tz, a recurrence rule (which runs on UTC) whose local time moves with daylight saving\n"
                  "time is warned about, with the --cron ... --time-zone that keeps the local time.\n"
                  "TIME: RFC 3339 with an offset, a date (midnight UTC), now, or +30m, +1h, +2d, -1w from now.\n"},
     .run = run_set,
     .sends_nothing = [](const CommandArguments& args) { return args.has("--dry-run") && args.has("--no-overlaps"); },
     .client_optional = [](const CommandArguments& args) { return args.has("--dry-run"); }},
    {.name = "list",
     .shape = {.valued = {"--top", "--skip", "-o"},
               .switches = {"--count", "--all"},
               .repeatable = {"--state", "--load-test"}},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] list [--top N] [--skip N] [--count] [--all]\n"
                          "        [--state active|deactivated|expired]... [--load-test ID[,ID...]]... [-o wide]\n",
              .description =
                  "Lists schedules: one page ($top, at most 1000; $skip), or with --all every page, following\n"
                  "@nextLink. --count adds the total (under --json, a last line {\"@count\": N}). When a page is\n"
                  "not the last, stderr says how to get the rest.\n"
                  "--state keeps the schedules in that state: active (it runs), deactivated, or expired (not\n"
                  "deactivated, no run left); --load-test keeps those of the load tests given. Both repeat; a\n"
                  "filter reads every page (the API cannot filter), and --count then counts the matches.\n"
                  "-o wide adds the STARTS and ENDS (after N runs, until TIME, never) columns.\n"},
     .run = run_list},
    {.name = "show",
     .shape = {.positionals = 1},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] show SCHEDULE_ID\n",
              .description = "Prints a schedule.\n"},
     .run = run_show},
    {.name = "delete",
     .shape = {.switches = {"--yes"}, .positionals = SIZE_MAX},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] delete SCHEDULE_ID... | - [--yes]\n",
              .description =
                  "Deletes schedules: one id prints nothing; several (or - to read ids from stdin) run up to 8 at\n"
                  "a time and print one line per id and a summary; exit status 1 when any failed. More than 10 ids\n"
                  "typed on a terminal ask first (exit status 2 when not confirmed); --yes answers.\n"},
     .run = run_change},
    {.name = "activate",
     .shape = {.positionals = SIZE_MAX},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] activate SCHEDULE_ID... | -\n",
              .description =
                  "Re-activates deactivated schedules. Several ids work as for delete. The API refuses an expired\n"
                  "schedule (no run left): its line says \"skipped ID (expired)\" (one GET finds out), and it\n"
                  "counts as no failure (exit status 0).\n"},
     .run = run_change},
    {.name = "deactivate",
     .shape = {.positionals = SIZE_MAX},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] deactivate SCHEDULE_ID... | -\n",
              .description =
                  "Deactivates schedules. Several ids work as for delete. An expired schedule (no run left) is\n"
                  "left as it is, as the API does: its line says \"skipped ID (expired)\" (one GET per id finds\n"
                  "out), and it counts as no failure (exit status 0).\n"},
     .run = run_change},
    {.name = "pause",
     .shape = {.valued = {"--save"}, .switches = {"--all"}, .positionals = SIZE_MAX},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] pause SCHEDULE_ID... | - | --all [--save FILE]\n",
              .description =
                  "Deactivates schedules so that resume can undo exactly that: expired ones are skipped (\"skipped\n"
                  "ID (expired: no run left)\"), and so are ones deactivated already, which resume must not\n"
                  "activate. --all pauses every schedule, from one listing. --save records what was paused in\n"
                  "FILE (written whole or not at all; what FILE lists already is kept, so pausing twice loses\n"
                  "nothing). A line per id and a summary; exit status 1 when any failed.\n"},
     .run = run_pause},
    {.name = "resume",
     .shape = {.positionals = SIZE_MAX},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] resume FILE | SCHEDULE_ID... | -\n",
              .description =
                  "Activates what pause --save recorded in FILE (- reads a pause file, or ids, from stdin), or the\n"
                  "ids given. An expired one is \"skipped ID (expired: no run left)\", not failed. A line per id\n"
                  "and a summary; exit status 0 when nothing failed.\n"},
     .run = run_resume},
    {.name = "next",
     .shape = {.valued = {"-n", "--after", "--load-test"}, .positionals = 1},
     .help = {.synopsis =
                  "usage: k6-schedules [GLOBAL OPTIONS] next (SCHEDULE_ID | --load-test ID) [-n N] [--after TIME]\n",
              .description =
                  "Fetches the schedule and prints its next N runs (default 10) strictly after --after (default\n"
                  "now), computed locally by the recurrence engine; under --json one {\"run\": TIME} per line.\n"
                  "Says so when the schedule is deactivated: those runs will not happen.\n"},
     .run = run_next},
    {.name = "upcoming",
     .shape = {.valued = {"--from", "--to"}, .repeatable = {"--state", "--load-test"}},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] upcoming [--from TIME] [--to TIME]\n"
                          "        [--state active|deactivated]... [--load-test ID[,ID...]]...\n",
              .description =
                  "Every run of every active schedule after --from (default now) up to --to (default 24 hours\n"
                  "after --from), in time order, computed locally from one listing of all schedules, with each\n"
                  "one's RULE. Runs of different load tests that start less than a minute apart overlap: they\n"
                  "compete for the stack's concurrency, and OVERLAPS lists the schedules each run overlaps.\n"
                  "--load-test shows the runs of those load tests only (overlaps still count every schedule).\n"
                  "--state deactivated adds the runs deactivated schedules would have if activated (marked\n"
                  "\"(deactivated)\"); expired schedules have no runs. Under --json one object per line:\n"
                  "{\"run\": TIME, \"schedule\": ID, \"load_test\": ID, \"rule\": TEXT, \"overlaps\": BOOL,\n"
                  "\"overlaps_with\": [ID, ...]}, with \"deactivated\": true for those.\n"},
     .run = run_upcoming},
    {.name = "auth",
     .shape = {.positionals = 1, .words = {"status"}},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] --stack-url URL auth\n"
                          "       k6-schedules [GLOBAL OPTIONS] auth status\n",
              .description =
                  "auth checks the token against the Grafana stack at URL (--stack-url or K6_CLOUD_STACK_URL) and\n"
                  "prints its stack id and default project id.\n"
                  "auth status prints the configuration in effect: where the token comes from (--token,\n"
                  "--token-file FILE, K6_CLOUD_TOKEN or K6_CLOUD_TOKEN_FILE (FILE); never the token itself), the\n"
                  "API URL, and the stack id with where it comes from (--stack-id, K6_CLOUD_STACK_ID, or a stack\n"
                  "URL resolved to its id); then whether the token works, with one request: the first schedule\n"
                  "(list --top 1), or for a stack URL the GET /cloud/v6/auth that resolves it. It needs no stack\n"
                  "URL. Under --json one object: {\"token_source\", \"api_url\", \"stack_id\", \"stack_source\",\n"
                  "\"token_works\"}; a failure is also reported on stderr, with the exit status of the error.\n"},
     .run = run_auth,
     .needs_stack_url = [](const CommandArguments& args) { return args.positionals().empty(); }},
    {.name = "export",
     .shape = {.valued = {"--output"}},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] export [--output FILE]\n",
              .description =
                  "Writes every schedule as a schedules-as-code document (format \"k6-schedules/1\"): sorted by\n"
                  "load test, every member explicit, one schedule per line. --output writes FILE (whole or not at\n"
                  "all) instead of stdout. plan on what it wrote shows no changes.\n"},
     .run = run_export},
    {.name = "plan",
     .shape = {.switches = {"--prune", "--exit-code"}, .positionals = 1},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] plan FILE|- [--prune] [--exit-code]\n",
              .description =
                  "Compares a k6-schedules/1 document (- reads stdin) with the schedules the API has and prints\n"
                  "what apply would change, one line per change like a diff (+ create, ~ update with the fields\n"
                  "that change, ~ activate, ~ deactivate, - delete), then a summary; notes (expired schedules,\n"
                  "schedules the document leaves out) go to stderr. Under --json one object per change:\n"
                  "{\"action\", \"load_test_id\", \"schedule_id\", \"before\", \"after\", \"note\"}. --prune deletes\n"
                  "the schedules of load tests the document leaves out. The whole document is checked first\n"
                  "(exit status 2, nothing sent). Exit status 0; with --exit-code, 6 when changes are pending.\n"},
     .run = run_plan},
    {.name = "apply",
     .shape = {.switches = {"--prune", "--dry-run"}, .positionals = 1},
     .help = {.synopsis = "usage: k6-schedules [GLOBAL OPTIONS] apply FILE|- [--prune] [--dry-run]\n",
              .description =
                  "Makes the API say what the document says: the changes of plan, 8 at a time, each with the\n"
                  "client's retries; a create or update of a schedule the document wants deactivated is followed\n"
                  "by a deactivate. Prints one line per change with its result, then a summary; exit status 1 if\n"
                  "any change failed (nothing is rolled back: apply again, and it converges). --dry-run is plan.\n"},
     .run = run_apply},
    {.name = "completion",
     .shape = {.positionals = 1},
     .help = {.synopsis = "usage: k6-schedules completion bash|zsh\n",
              .description =
                  "Prints a shell completion script for the tool's commands and flags; it sends nothing (no\n"
                  "token needed). bash: source <(k6-schedules completion bash). zsh: save it as _k6-schedules\n"
                  "in a directory of $fpath, or source <(k6-schedules completion zsh) after compinit. Installed,\n"
                  "the tool puts both where bash-completion and zsh look: share/bash-completion/completions and\n"
                  "share/zsh/site-functions.\n"},
     .run = run_completion,
     .sends_nothing = [](const CommandArguments&) { return true; }},
};

}  // namespace

std::span<const Command> commands() { return command_table; }

const Command* find_command(std::string_view name) {
    const auto all = commands();
    const auto found = std::ranges::find(all, name, &Command::name);
    return found == all.end() ? nullptr : &*found;
}

const std::set<std::string>& command_names() {
    static const std::set<std::string> names = [] {
        std::set<std::string> all;
        for (const Command& command : commands()) all.insert(std::string(command.name));
        return all;
    }();
    return names;
}

}  // namespace k6::cli
