// SPDX-License-Identifier: BSL-1.0
// Strong ids: a schedule id cannot be passed where a load test id is expected.
#ifndef K6_SCHEDULES_IDS_HPP
#define K6_SCHEDULES_IDS_HPP

#include <k6/schedules/detail/config.hpp>

#include <charconv>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE

template <class Tag>
struct Id {
    std::int64_t value = 0;

    constexpr Id() = default;
    constexpr explicit Id(std::int64_t v) noexcept : value(v) {}

    friend constexpr auto operator<=>(Id, Id) = default;
    friend std::string to_string(Id id) { return std::to_string(id.value); }
};

using LoadTestId = Id<struct LoadTestIdTag>;
using ScheduleId = Id<struct ScheduleIdTag>;

// An id typed by a user ("42"): decimal digits only, positive, within int64. parse_id<ScheduleId>(argv[1]).
template <class IdType>
constexpr std::optional<IdType> parse_id(std::string_view text) noexcept {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || text.front() == '-' || ec != std::errc{} || end != text.data() + text.size() || value <= 0)
        return std::nullopt;
    return IdType{value};
}

K6_SCHEDULES_END_NAMESPACE

template <class Tag>
struct std::hash<k6::schedules::Id<Tag>> {
    std::size_t operator()(k6::schedules::Id<Tag> id) const noexcept { return std::hash<std::int64_t>{}(id.value); }
};

#endif  // K6_SCHEDULES_IDS_HPP
