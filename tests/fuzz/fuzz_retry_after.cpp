// SPDX-License-Identifier: BSL-1.0
// Retry-After comes from the server and decides how long the client sleeps: it must not crash and
// any hint must lie in [0 s, 24 h].
#include <k6/schedules/detail/retry_after.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono;
    // A fixed "now" (2024-07-16T08:46:04Z) keeps runs reproducible.
    static const system_clock::time_point now{sys_days{year{2024} / July / 16} + hours{8} + minutes{46} + seconds{4}};
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto wait = k6::schedules::detail::parse_retry_after(text, now);
    if (wait && (*wait < seconds{0} || *wait > hours{24})) __builtin_trap();
    return 0;
}
