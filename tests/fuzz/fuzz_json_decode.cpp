// SPDX-License-Identifier: BSL-1.0
// Response and request bodies are untrusted JSON: decoding must never crash, and a decoded value must
// re-encode to JSON that decodes again and re-encodes to the same text (the encoding is a fixed point).
#include <k6/schedules/json.hpp>
#include <k6/schedules/model.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

template <class T>
void round_trip(std::string_view text) {
    auto decoded = k6::schedules::parse_json<T>(text);
    if (!decoded) {
        if (decoded.error().message.empty()) __builtin_trap();  // every failure says why
        return;
    }
    const std::string first = k6::schedules::to_json(*decoded);
    auto again = k6::schedules::parse_json<T>(first);
    if (!again) __builtin_trap();
    if (k6::schedules::to_json(*again) != first) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {  // the first byte picks the model; make_corpus.py writes seeds the same way
        case 0: round_trip<k6::schedules::Schedule>(text); break;
        case 1: round_trip<k6::schedules::SchedulePage>(text); break;
        case 2: round_trip<k6::schedules::ErrorBody>(text); break;
        case 3: round_trip<k6::schedules::CreateScheduleRequest>(text); break;
    }
    return 0;
}
