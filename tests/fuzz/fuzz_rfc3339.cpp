// SPDX-License-Identifier: BSL-1.0
// Every date-time of the API goes through parse_rfc3339: it must not crash, and whatever it accepts
// must format (UTC, milliseconds) to text that parses back to the same instant.
#include <k6/schedules/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = k6::schedules::parse_rfc3339(text);
    if (!parsed) {
        if (parsed.error().empty()) __builtin_trap();
        return 0;
    }
    const std::string formatted = k6::schedules::format_rfc3339(*parsed);
    const auto again = k6::schedules::parse_rfc3339(formatted);
    if (!again) __builtin_trap();
    // format_rfc3339 clamps to years 0000-9999 (documented): an offset can push an accepted input
    // just outside that range, and only then may the instant differ.
    constexpr auto lowest = k6::schedules::Timestamp{sys_days{year{0} / January / 1}};
    constexpr auto highest =
        k6::schedules::Timestamp{sys_days{year{9999} / December / 31} + hours{24} - milliseconds{1}};
    if (*parsed >= lowest && *parsed <= highest && *again != *parsed) __builtin_trap();
    if (k6::schedules::format_rfc3339(*again) != formatted) __builtin_trap();
    return 0;
}
