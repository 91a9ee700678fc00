// SPDX-License-Identifier: BSL-1.0
// Every way a caller can make the client send requests: the seven operations of the Schedules
// API, authenticate, the pager (page by page and item by item), the whole listing at once, and
// async_for_each. A safety promise is tested by looping over this list, so that an operation added
// later joins those tests by being added here.
#pragma once

#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace k6::test {

// What a 2xx answer to the operation's first request carries.
enum class Answers { schedule, page, nothing, authentication };

struct EveryOperation {
    std::string_view name;
    Answers answers;
    // Runs the operation on `io` to its end (a pager until its listing ends, at most 8 pages) and
    // returns the error it ended with, if any.
    std::function<std::optional<k6::schedules::ApiError>(const k6::schedules::Client&, boost::asio::io_context&)> run;
};

namespace every_operation_impl {

namespace k6s = k6::schedules;

template <class T>
std::optional<k6s::ApiError> error_of(const k6s::expected<T>& result) {
    if (result) return std::nullopt;
    return result.error();
}

inline k6s::CreateScheduleRequest daily() {
    return {k6s::parse_rfc3339("2030-01-01T00:00:00Z").value(), k6s::RecurrenceRule{k6s::Frequency::daily, 1, {}, {}, {}},
            {}};
}

}  // namespace every_operation_impl

inline const std::vector<EveryOperation>& every_operation() {
    namespace k6s = k6::schedules;
    using every_operation_impl::error_of;
    using Io = boost::asio::io_context;
    static const std::vector<EveryOperation> operations{
        {"get_load_test_schedule", Answers::schedule,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_get_load_test_schedule(k6s::LoadTestId{1}))); }},
        {"set_load_test_schedule", Answers::schedule,
         [](const k6s::Client& c, Io& io) {
             return error_of(run(io, c.async_set_load_test_schedule(k6s::LoadTestId{1}, every_operation_impl::daily())));
         }},
        {"list_schedules", Answers::page,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_list_schedules({}))); }},
        {"get_schedule", Answers::schedule,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_get_schedule(k6s::ScheduleId{1}))); }},
        {"delete_schedule", Answers::nothing,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_delete_schedule(k6s::ScheduleId{1}))); }},
        {"activate_schedule", Answers::nothing,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_activate_schedule(k6s::ScheduleId{1}))); }},
        {"deactivate_schedule", Answers::nothing,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_deactivate_schedule(k6s::ScheduleId{1}))); }},
        {"authenticate", Answers::authentication,
         [](const k6s::Client& c, Io& io) {
             return error_of(run(io, c.async_authenticate("https://mystack.grafana.net")));
         }},
        {"Pager::async_next_page", Answers::page,
         [](const k6s::Client& c, Io& io) -> std::optional<k6s::ApiError> {
             auto pager = c.list_schedules();
             for (int i = 0; i < 8 && !pager.done(); ++i)
                 if (auto page = run(io, pager.async_next_page()); !page) return page.error();
             return std::nullopt;
         }},
        {"Pager::async_next", Answers::page,
         [](const k6s::Client& c, Io& io) -> std::optional<k6s::ApiError> {
             auto pager = c.list_schedules({}, {.read_ahead = true});
             for (int i = 0; i < 64; ++i) {
                 auto item = run(io, pager.async_next());
                 if (!item) return std::nullopt;
                 if (!*item) return item->error();
             }
             return std::nullopt;
         }},
        {"async_list_all_schedules", Answers::page,
         [](const k6s::Client& c, Io& io) { return error_of(run(io, c.async_list_all_schedules({}))); }},
        {"async_for_each", Answers::nothing,
         [](const k6s::Client& c, Io& io) -> std::optional<k6s::ApiError> {
             auto results = run(io, k6s::async_for_each(c, std::vector{k6s::ScheduleId{1}, k6s::ScheduleId{2}}, 2,
                                                        [](const k6s::Client& client, k6s::ScheduleId id) {
                                                            return client.async_deactivate_schedule(id);
                                                        }));
             for (const auto& result : results)
                 if (!result) return result.error();
             return std::nullopt;
         }},
    };
    return operations;
}

}  // namespace k6::test
