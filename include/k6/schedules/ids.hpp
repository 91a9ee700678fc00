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

/// @file
/// Strong id types: LoadTestId and ScheduleId.

K6_SCHEDULES_BEGIN_NAMESPACE

/// A numeric id of the API that only converts explicitly, so that a schedule id cannot be passed
/// where a load test id is expected. Ordered and hashable (std::hash is specialized).
/// @tparam Tag An incomplete type that makes each kind of id a distinct type.
template <class Tag>
struct Id {
    /// The id as the API writes it. Valid ids are positive; operations refuse others with
    /// ErrorKind::invalid_argument before sending anything.
    std::int64_t value = 0;

    /// Id 0, which names nothing.
    constexpr Id() = default;
    /// Wraps @p v, unchecked.
    constexpr explicit Id(std::int64_t v) noexcept : value(v) {}

    /// Compares the values.
    friend constexpr auto operator<=>(Id, Id) = default;
    /// The value in decimal, "42".
    friend std::string to_string(Id id) { return std::to_string(id.value); }
};

/// The id of a load test: the path parameter of the load test's schedule operations.
using LoadTestId = Id<struct LoadTestIdTag>;
/// The id of a schedule.
using ScheduleId = Id<struct ScheduleIdTag>;

/// Parses an id typed by a user ("42"): decimal digits only, positive, within int64. For example
/// `parse_id<ScheduleId>(argv[1])`.
/// @tparam IdType LoadTestId or ScheduleId.
/// @param text The text, without spaces or sign.
/// @return The id, or std::nullopt when @p text is not such a number.
template <class IdType>
constexpr std::optional<IdType> parse_id(std::string_view text) noexcept {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || text.front() == '-' || ec != std::errc{} || end != text.data() + text.size() || value <= 0)
        return std::nullopt;
    return IdType{value};
}

K6_SCHEDULES_END_NAMESPACE

/// Hashes an id like its value, for unordered containers.
template <class Tag>
struct std::hash<k6::schedules::Id<Tag>> {
    /// The hash of @p id's value.
    std::size_t operator()(k6::schedules::Id<Tag> id) const noexcept { return std::hash<std::int64_t>{}(id.value); }
};

#endif  // K6_SCHEDULES_IDS_HPP
