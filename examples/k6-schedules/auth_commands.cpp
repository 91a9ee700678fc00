// SPDX-License-Identifier: BSL-1.0
// auth: the token checked against a Grafana stack's URL; prints its stack and default project.
#include "command.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>
#include <utility>

namespace k6::cli {

namespace json = boost::json;

asio::awaitable<int> run_auth(Context ctx, const CommandArguments&) {
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
