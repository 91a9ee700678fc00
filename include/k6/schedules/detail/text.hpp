// Small text helpers: case-insensitive compare, and making untrusted or secret-bearing text safe
// to put in a message.
#ifndef K6_SCHEDULES_DETAIL_TEXT_HPP
#define K6_SCHEDULES_DETAIL_TEXT_HPP

#include <k6/schedules/detail/config.hpp>

#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

// Visible ASCII and spaces only: no CR/LF that could split a header, no control bytes.
constexpr bool is_header_safe(std::string_view value) noexcept {
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) return false;
    }
    return true;
}

// Untrusted text quoted into a message: bounded and printable, so a hostile body cannot flood
// logs or inject control characters.
inline std::string quote_for_message(std::string_view text, std::size_t max = 64) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') out.push_back('\\');  // unambiguous where the quote ends
        out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    }
    if (text.size() > max) out += "...";
    return out + "\"";
}

// A URL for a message, with any "user:password@" replaced by "***@".
inline std::string quote_url(std::string_view url) {
    std::string copy(url);
    const auto scheme_end = copy.find("://");
    if (scheme_end != std::string::npos) {
        const auto authority = scheme_end + 3;
        const auto authority_end = copy.find_first_of("/?#", authority);
        const auto at = copy.rfind('@', authority_end == std::string::npos ? copy.size() : authority_end);
        if (at != std::string::npos && at >= authority) copy.replace(authority, at - authority, "***");
    }
    return quote_for_message(copy, 200);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_TEXT_HPP
