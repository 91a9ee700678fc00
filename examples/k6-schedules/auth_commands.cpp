// SPDX-License-Identifier: BSL-1.0
// auth: the token checked against a Grafana stack's URL; prints its stack and default project.
// auth status: the configuration in effect (where the token and the stack id come from, never the
// token) and whether the token works.
#include "command.hpp"

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

namespace k6::cli {

namespace json = boost::json;

namespace {

// One request, the cheapest that proves the token: for a stack named by its URL, the auth call
// that resolves its id (it checks the token against that stack; a list would only resolve it
// again); otherwise the first schedule, one at most.
asio::awaitable<int> run_auth_status(Context ctx) {
    const k6s::ClientOptions& options = ctx.client->options();
    std::optional<std::int64_t> stack_id;
    std::optional<k6s::ApiError> failure;
    if (options.stack_id != 0) {
        stack_id = options.stack_id;
        auto page = co_await ctx.client->async_list_schedules(k6s::ListQuery{.top = 1});
        if (!page) failure = page.error();
    } else {
        auto resolved = co_await ctx.client->async_authenticate(ctx.stack_url);
        if (resolved)
            stack_id = resolved->stack_id;
        else
            failure = resolved.error();
    }
    if (ctx.json) {
        // token_works: false when the API refused the request; null when no answer told either way.
        json::object status{{"token_source", ctx.token_source},
                            {"api_url", options.api_url},
                            {"stack_id", nullptr},
                            {"stack_source", ctx.stack_source},
                            {"token_works", nullptr}};
        if (stack_id) status["stack_id"] = *stack_id;
        if (!failure || failure->kind == k6s::ErrorKind::api) status["token_works"] = !failure;
        std::cout << json::serialize(status) << '\n';
    } else {
        std::cout << "token source  " << ctx.token_source << '\n' << "api url       " << options.api_url << '\n';
        const std::string from = options.stack_id != 0 ? " (" : " (resolved from ";
        if (stack_id)
            std::cout << "stack id      " << *stack_id << from << ctx.stack_source << ")\n";
        else
            std::cout << "stack id      not resolved (from " << ctx.stack_source << ")\n";
        if (!failure) std::cout << "token works\n";
    }
    std::cout << std::flush;  // before the error on stderr, for a terminal showing both
    co_return failure ? ctx.reporter.error(*failure) : 0;
}

}  // namespace

asio::awaitable<int> run_auth(Context ctx, const CommandArguments& args) {
    if (!args.positionals().empty()) co_return co_await run_auth_status(std::move(ctx));  // "status", checked
    auto result = co_await ctx.client->async_authenticate(ctx.stack_url);
    if (!result) co_return ctx.reporter.error(result.error());
    if (ctx.json)
        std::cout << json::serialize(json::object{{"stack_id", result->stack_id},
                                                  {"default_project_id", result->default_project_id}})
                  << '\n';
    else
        std::cout << "stack id            " << result->stack_id << '\n'
                  << "default project id  " << result->default_project_id << '\n';
    co_return 0;
}

}  // namespace k6::cli
