// SPDX-License-Identifier: BSL-1.0
// Response and request bodies are untrusted JSON: decoding must never crash, and a decoded value must
// re-encode to JSON that decodes again and re-encodes to the same text (the encoding is a fixed point).
// And a decoder's error, once sealed as the client seals every error it completes with, never shows
// a secret the body carried: every "$$" in the input is replaced by a planted token first, so the
// fuzzer puts it into fields, values, keys and the middle of anything the decoders quote.
#include <k6/schedules/detail/redaction.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/redactor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view planted_token = "fz-tok-7c1d2e3f4a5b6c7d8e9f";

// The input with each "$$" as "Bearer <planted_token>", as a reflecting gateway would put it.
std::string plant(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.substr(i, 2) == "$$") {
            out.append("Bearer ").append(planted_token);
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// No 8 bytes in a row of the token anywhere in `text`.
void check_clean(std::string_view text) {
    for (std::size_t i = 0; i + 8 <= planted_token.size(); ++i)
        if (text.find(planted_token.substr(i, 8)) != std::string_view::npos) __builtin_trap();
}

void check_sealed(k6::schedules::ApiError error) {
    static const k6::schedules::Redactor redactor{planted_token};
    k6::schedules::detail::seal(redactor, error);
    check_clean(error.to_string());
    check_clean(error.message);
    check_clean(error.code);
    check_clean(error.target.value_or(""));
    for (const auto& detail : error.details) {
        check_clean(detail.code);
        check_clean(detail.message);
        check_clean(detail.target.value_or(""));
    }
}

template <class T>
void round_trip(std::string_view text) {
    auto decoded = k6::schedules::parse_json<T>(text);
    if (!decoded) {
        if (decoded.error().message.empty()) __builtin_trap();  // every failure says why
        check_sealed(decoded.error());
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
    const std::string text = plant(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    switch (data[0] % 4) {  // the first byte picks the model; make_corpus.py writes seeds the same way
        case 0: round_trip<k6::schedules::Schedule>(text); break;
        case 1: round_trip<k6::schedules::SchedulePage>(text); break;
        case 2: round_trip<k6::schedules::ErrorBody>(text); break;
        case 3: round_trip<k6::schedules::CreateScheduleRequest>(text); break;
    }
    return 0;
}
