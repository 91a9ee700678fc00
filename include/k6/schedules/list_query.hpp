// SPDX-License-Identifier: BSL-1.0
// ListQuery: the query options of "list all schedules".
#ifndef K6_SCHEDULES_LIST_QUERY_HPP
#define K6_SCHEDULES_LIST_QUERY_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

/// @file
/// ListQuery: the query options of "list all schedules".

K6_SCHEDULES_BEGIN_NAMESPACE

/// The query options of "list all schedules" (BasicClient::async_list_schedules,
/// BasicClient::list_schedules, BasicClient::async_list_all_schedules). Unset members are not sent.
struct ListQuery {
    static constexpr std::int64_t max_top = 1000;  ///< The API's maximum page size (also its default).

    std::optional<std::int64_t> top{};   ///< `$top`: page size, 1..1000; absent = the server's default (1000).
    std::optional<std::int64_t> skip{};  ///< `$skip`: index of the first result, >= 0.
    bool count = false;                  ///< `$count`: ask for the total, SchedulePage::count ("@count").

    /// Checks what the API would reject: `$top` outside 1..1000, a negative `$skip`.
    /// @return Nothing, or an ErrorKind::invalid_argument error (errc::invalid_argument) whose
    /// `target` is "$top" or "$skip". The operations check it before sending anything.
    expected<void> validate() const {
        if (top && (*top < 1 || *top > max_top))
            return detail::invalid_argument("$top must be between 1 and 1000, got " + std::to_string(*top), "$top");
        if (skip && *skip < 0)
            return detail::invalid_argument("$skip must not be negative, got " + std::to_string(*skip), "$skip");
        return {};
    }

    /// The query as sent, "?$top=20&$skip=40&$count=true", spelled as the API spells it; "" when
    /// nothing is set. Not checked: see validate().
    std::string query_string() const {
        std::string q{};
        auto add = [&q](const char* name, const std::string& value) {
            q += q.empty() ? "?" : "&";
            q += name;
            q += "=";
            q += value;
        };
        if (top) add("$top", std::to_string(*top));
        if (skip) add("$skip", std::to_string(*skip));
        if (count) add("$count", "true");
        return q;
    }
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_LIST_QUERY_HPP
