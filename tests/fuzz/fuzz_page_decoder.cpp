// SPDX-License-Identifier: BSL-1.0
// Differential: the streaming page decoder (no tree) against the tree decoder, on any input. What
// the streaming one accepts, the tree one accepts as the same page; and parse_json, which tries the
// streaming one first and falls back on the tree, answers exactly as the tree decoder alone: the
// same page, or the same error (message and target).
#include <k6/schedules/detail/page_decoder.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/model.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace k6s = k6::schedules;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto streamed = k6s::detail::decode_page_streaming(text);
    const auto tree = k6s::detail::parse_json_through_tree<k6s::SchedulePage>(text, nullptr);
    if (streamed && (!tree || !(*tree == *streamed))) __builtin_trap();  // accepted what the tree refuses, or differs

    const auto combined = k6s::parse_json<k6s::SchedulePage>(text);
    if (combined.has_value() != tree.has_value()) __builtin_trap();
    if (combined && !(*combined == *tree)) __builtin_trap();
    if (!combined) {
        const k6s::ApiError& a = combined.error();
        const k6s::ApiError& b = tree.error();
        if (a.kind != b.kind || a.message != b.message || a.target != b.target || a.ec != b.ec) __builtin_trap();
    }
    return 0;
}
