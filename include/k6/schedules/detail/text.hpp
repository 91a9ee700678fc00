// SPDX-License-Identifier: BSL-1.0
// Small text helpers: case-insensitive compare, and making untrusted or secret-bearing text safe
// to put in a message.
#ifndef K6_SCHEDULES_DETAIL_TEXT_HPP
#define K6_SCHEDULES_DETAIL_TEXT_HPP

#include <k6/schedules/detail/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

// The pieces one after the other, in one allocation. (Also: GCC 12 at -O3 warns falsely,
// -Warray-bounds and -Wrestrict, about `"literal" + std::string&&` once inlined into a caller.)
inline std::string concat(std::initializer_list<std::string_view> pieces) {
    std::size_t size = 0;
    for (auto piece : pieces) size += piece.size();
    std::string joined;
    joined.reserve(size);
    for (auto piece : pieces) joined.append(piece);
    return joined;
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

// ---------------------------------------------------------------------------------------------
// Server-provided text in an ApiError.
//
// Anything a server (or a proxy) writes can reach a user's terminal and logs through an error
// message, so it is made safe in one place, in this order:
//   1. secrets are masked on the raw bytes, before anything can change how they look: every
//      occurrence of the secret (also as a JSON string would spell it, for bodies that are JSON
//      but not an error model), every start of the secret at least secret_fragment_min bytes
//      long that is cut off (by the end of the text, by a truncation mark, "..." or "…", a server
//      shortening its own echo, or by the bound below), and any secret_window bytes of it;
//   2. the text is bounded, cut between characters, never inside a UTF-8 sequence; "..." marks
//      the cut;
//   3. what could act on a terminal or break the one-line shape is escaped visibly: C0 controls
//      (CR, LF and TAB too), DEL, C1 controls (U+0080..U+009F, and raw 0x80..0x9F bytes such as
//      the 8-bit CSI), bytes that are not valid UTF-8, the Unicode bidi controls (which can make
//      text read differently from what it is) and the line/paragraph separators. Valid printable
//      UTF-8 ("Zeitplan ungültig") stays as it is.
// A last check on the result catches the secret showing up anyway (pieced together from a mask,
// an escape and neighbouring text, or a secret that is part of "[redacted]"); the text is then
// withheld as a whole ("***").

inline constexpr std::size_t server_text_max_bytes = 1024;  // one field of an ApiError
inline constexpr std::size_t reason_max_bytes = 256;        // an HTTP reason phrase
// Shorter secrets are not masked: they cannot be told apart from ordinary words, and masking
// them would garble every message. Shorter cut-off starts of a secret are left too: a few
// characters say next to nothing about a token (and real tokens begin with a public prefix).
inline constexpr std::size_t secret_fragment_min = 4;
inline constexpr std::string_view redacted_mark = "[redacted]";
inline constexpr std::string_view cut_mark = "...";
inline constexpr std::string_view withheld_mark = "***";  // shorter than any secret that is masked

namespace text_impl {

// A secret as a JSON string spells it (without the quotes), with or without the optional
// escapes some encoders add ("\/", and "\u003c" for <, > and & as Go's encoder does).
inline std::string json_spelling(std::string_view secret, bool escape_slash, bool escape_html) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (char ch : secret) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\' || (c == '/' && escape_slash)) {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&'))) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

// The forms of the secrets that are looked for, each at least secret_fragment_min bytes long.
inline std::vector<std::string> secret_forms(std::span<const std::string_view> secrets) {
    std::vector<std::string> forms;
    auto add = [&](std::string form) {
        if (form.size() >= secret_fragment_min && std::find(forms.begin(), forms.end(), form) == forms.end())
            forms.push_back(std::move(form));
    };
    for (std::string_view secret : secrets) {
        if (secret.size() < secret_fragment_min) continue;
        add(std::string(secret));
        add(json_spelling(secret, false, false));
        add(json_spelling(secret, true, false));
        add(json_spelling(secret, false, true));
    }
    return forms;
}

// Knuth-Morris-Pratt over one secret: linear in the text whatever the secret, so a 4 MB body
// of near-matches costs no more than any other 4 MB body. The matcher's state after a byte is
// the length of the longest start of the secret that ends there, which is exactly the
// cut-off fragment to mask.
class Matcher {
public:
    explicit Matcher(std::string secret) : secret_(std::move(secret)), border_(secret_.size(), 0) {
        for (std::size_t i = 1, k = 0; i < secret_.size(); ++i) {
            while (k > 0 && secret_[i] != secret_[k]) k = border_[k - 1];
            if (secret_[i] == secret_[k]) ++k;
            border_[i] = k;
        }
    }

    std::size_t size() const noexcept { return secret_.size(); }

    // The state after `c` when it was `k`; secret.size() is a whole occurrence.
    std::size_t step(std::size_t k, char c) const noexcept {
        if (k == secret_.size()) k = border_[k - 1];
        while (k > 0 && c != secret_[k]) k = border_[k - 1];
        return c == secret_[k] ? k + 1 : k;
    }

    // The longest start of the secret that text[0, end) ends with; only the last size() bytes matter.
    std::size_t state_at(std::string_view text, std::size_t end) const noexcept {
        std::size_t k = 0;
        for (std::size_t i = end - std::min(end, secret_.size()); i < end; ++i) k = step(k, text[i]);
        return k;
    }

private:
    std::string secret_;
    std::vector<std::size_t> border_;
};

inline bool truncation_mark_at(std::string_view text, std::size_t i) noexcept {
    return text.substr(i).starts_with(cut_mark) || text.substr(i).starts_with("\xE2\x80\xA6");
}

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;  // [begin, end) of the raw text

// Every window of this many bytes of a secret is masked wherever it appears, not only the whole
// secret and its cut-off starts: a server that reflects part of a token (its middle, say, after
// its own truncation) must not leak that part either.
inline constexpr std::size_t secret_window = 8;

// The secrets of one client in the forms that are looked for: a matcher per form (whole
// occurrences and cut-off starts) and the sorted set of every secret_window-byte window of the
// forms at least that long. Built once per client, not per message.
class SecretSet {
public:
    SecretSet() = default;
    explicit SecretSet(std::span<const std::string_view> secrets) {
        for (std::string& form : secret_forms(secrets)) {
            for (std::size_t i = 0; i + secret_window <= form.size(); ++i) windows_.push_back(window_at(form, i));
            matchers_.emplace_back(std::move(form));
        }
        std::sort(windows_.begin(), windows_.end());
        windows_.erase(std::unique(windows_.begin(), windows_.end()), windows_.end());
    }

    bool empty() const noexcept { return matchers_.empty(); }
    const std::vector<Matcher>& matchers() const noexcept { return matchers_; }

    // Whether text[i, i + secret_window) is a window of a secret.
    bool window_at_matches(std::string_view text, std::size_t i) const noexcept {
        if (windows_.empty() || i + secret_window > text.size()) return false;
        return std::binary_search(windows_.begin(), windows_.end(), window_at(text, i));
    }

private:
    static std::uint64_t window_at(std::string_view text, std::size_t i) noexcept {
        std::uint64_t value = 0;
        for (std::size_t j = 0; j < secret_window; ++j)
            value = (value << 8) | static_cast<unsigned char>(text[i + j]);
        return value;
    }

    std::vector<Matcher> matchers_;
    std::vector<std::uint64_t> windows_;
};

// Step 1: the byte ranges of `text` to mask, sorted, merged when they touch.
inline Ranges secret_ranges(std::string_view text, const SecretSet& secrets) {
    Ranges ranges;
    for (const Matcher& m : secrets.matchers()) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (k >= secret_fragment_min && k < m.size() && truncation_mark_at(text, i)) ranges.emplace_back(i - k, i);
            k = m.step(k, text[i]);
            if (k == m.size()) ranges.emplace_back(i + 1 - k, i + 1);
        }
        if (k >= secret_fragment_min && k < m.size()) ranges.emplace_back(text.size() - k, text.size());
    }
    for (std::size_t i = 0; i + secret_window <= text.size(); ++i)
        if (secrets.window_at_matches(text, i)) ranges.emplace_back(i, i + secret_window);
    std::sort(ranges.begin(), ranges.end());
    Ranges merged;
    for (const auto& r : ranges) {
        if (!merged.empty() && r.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, r.second);
        else
            merged.push_back(r);
    }
    return merged;
}

// The length of the UTF-8 sequence at text[i] and its code point, or 0 when the bytes there are
// not a valid (shortest-form, non-surrogate, at most U+10FFFF) sequence that ends before `limit`.
inline std::size_t utf8_sequence(std::string_view text, std::size_t i, std::size_t limit, char32_t& cp) noexcept {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (limit - i < n) return 0;
    for (std::size_t j = 1; j < n; ++j) {
        const auto b = static_cast<unsigned char>(text[i + j]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

// C1 controls, the characters with the Unicode Bidi_Control property, and the line and
// paragraph separators: printed as they are, they act on the terminal or on how the line reads.
constexpr bool escaped_code_point(char32_t cp) noexcept {
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Step 3 for one character of `text` at i (not reaching `limit`): appends its printable form to
// `out` and returns how many bytes of `text` it took. `quoted` also escapes " and \, so a reader
// can tell where the quoted text ends.
inline std::size_t append_printable(std::string& out, std::string_view text, std::size_t i, std::size_t limit,
                                    bool quoted) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            if (quoted && (c == '"' || c == '\\')) out += '\\';
            out += static_cast<char>(c);
        }
        return 1;
    }
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(text, i, limit, cp);
    if (n == 0) {  // not UTF-8: the byte, visibly
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 0xf];
        return 1;
    }
    if (escaped_code_point(cp)) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 0xf];
    } else {
        out.append(text.substr(i, n));
    }
    return n;
}

// Whether `text` shows one of the secret forms: whole, a start of it at least
// secret_fragment_min bytes long that is cut off by the end of the text or a truncation mark, or
// any secret_window bytes of it.
inline bool shows_secret(std::string_view text, const SecretSet& secrets) {
    for (const Matcher& m : secrets.matchers()) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (k >= secret_fragment_min && truncation_mark_at(text, i)) return true;
            k = m.step(k, text[i]);
            if (k == m.size()) return true;
        }
        if (k >= secret_fragment_min) return true;
    }
    for (std::size_t i = 0; i + secret_window <= text.size(); ++i)
        if (secrets.window_at_matches(text, i)) return true;
    return false;
}

// Steps 1-3: `raw` as at most max_bytes of printable text (plus cut_mark when cut).
inline std::string render(std::string_view raw, const SecretSet& secrets, std::size_t max_bytes, bool quoted) {
    const Ranges masked = secret_ranges(raw, secrets);

    std::string out;
    // After each piece: how far into `raw` it reached, how long `out` was, and where the last
    // masked range that was shown ends; to step back to.
    struct Mark {
        std::size_t raw_end, out_size, masked_until;
    };
    std::vector<Mark> marks{{0, 0, 0}};
    std::size_t i = 0, next_mask = 0, masked_until = 0;
    bool cut = false;
    while (i < raw.size()) {
        const std::size_t before = out.size();
        const bool is_mask = next_mask < masked.size() && masked[next_mask].first == i;
        std::size_t after_piece = 0;
        if (is_mask) {
            out += redacted_mark;
            after_piece = masked[next_mask].second;
        } else {
            // A character never reaches into a masked range: its bytes there belong to the secret.
            const std::size_t limit = next_mask < masked.size() ? masked[next_mask].first : raw.size();
            after_piece = i + append_printable(out, raw, i, limit, quoted);
        }
        if (out.size() > max_bytes) {
            out.resize(before);
            cut = true;
            break;
        }
        if (is_mask) {
            masked_until = after_piece;
            ++next_mask;
        }
        i = after_piece;
        marks.push_back({i, out.size(), masked_until});
    }

    if (cut) {
        // A secret that starts before the cut and would go on after it: what was kept of it is
        // masked. One or two dots just before the cut make a truncation mark with the "..." added
        // here, so a start of the secret before them counts too. The mark takes the fragment's
        // place when it fits; otherwise the text ends before the fragment (as before a whole
        // secret whose mark does not fit), and that new end is looked at again.
        for (;;) {
            const Mark& end = marks.back();
            std::size_t masked_from = end.raw_end;
            for (std::size_t dots = 0; dots <= 2 && dots <= end.raw_end - end.masked_until; ++dots) {
                const std::size_t at = end.raw_end - dots;
                if (dots > 0 && raw[at] != '.') break;
                std::size_t fragment = 0;
                for (const Matcher& m : secrets.matchers()) fragment = std::max(fragment, m.state_at(raw, at));
                fragment = std::min(fragment, at - end.masked_until);
                if (fragment >= secret_fragment_min) masked_from = std::min(masked_from, at - fragment);
            }
            if (masked_from == end.raw_end) break;
            while (marks.size() > 1 && marks.back().raw_end > masked_from) marks.pop_back();
            out.resize(marks.back().out_size);
            if (out.size() + redacted_mark.size() <= max_bytes) {
                out += redacted_mark;
                break;
            }
        }
        out += cut_mark;
    }
    if (shows_secret(out, secrets)) return std::string(withheld_mark);
    return out;
}

}  // namespace text_impl

namespace text_impl {

// render() in double quotes, with " and \ escaped so the reader sees where the quote ends; at
// most max_bytes between the quotes (plus "..." when cut).
inline std::string quoted(std::string_view raw, const SecretSet& secrets, std::size_t max_bytes) {
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on `"\"" + std::string&&`.
    std::string out(1, '"');
    out.append(render(raw, secrets, max_bytes, true));
    out.push_back('"');
    // The quotes themselves could complete a secret that ends or starts with one.
    if (shows_secret(out, secrets)) {
        out.assign(1, '"');
        out.append(withheld_mark);
        out.push_back('"');
    }
    return out;
}

// `text` with every range of a secret (as secret_ranges finds them) replaced by redacted_mark,
// and nothing else changed.
inline std::string redact(std::string_view text, const SecretSet& secrets) {
    const Ranges masked = secret_ranges(text, secrets);
    if (masked.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    for (const auto& [begin, end] : masked) {
        out.append(text.substr(from, begin - from)).append(redacted_mark);
        from = end;
    }
    out.append(text.substr(from));
    // The mark and what surrounds it could still spell a pathological secret.
    if (shows_secret(out, secrets)) return std::string(withheld_mark);
    return out;
}

inline SecretSet secret_set(std::initializer_list<std::string_view> secrets) {
    return SecretSet(std::span<const std::string_view>(secrets.begin(), secrets.size()));
}

}  // namespace text_impl

// Server-provided text (an error's code, message or target, a reason phrase, a body excerpt) as
// it may appear in an ApiError: the secrets masked as "[redacted]", at most max_bytes bytes (plus
// "..." when cut), one line of printable UTF-8. See the comment above for the rules. A client
// uses its Redactor instead (k6/schedules/redactor.hpp), whose secrets are looked up once.
inline std::string server_text(std::string_view raw, std::initializer_list<std::string_view> secrets,
                               std::size_t max_bytes = server_text_max_bytes) {
    return text_impl::render(raw, text_impl::secret_set(secrets), max_bytes, false);
}

inline std::string server_text(std::string_view raw, std::string_view secret,
                               std::size_t max_bytes = server_text_max_bytes) {
    return server_text(raw, {secret}, max_bytes);
}

// The same, in double quotes (see text_impl::quoted).
inline std::string quote_server_text(std::string_view raw, std::string_view secret, std::size_t max_bytes) {
    return text_impl::quoted(raw, text_impl::secret_set({secret}), max_bytes);
}

// Whether `text` shows `secret`: for a message put together from several pieces, which
// server_text cannot check one by one.
inline bool shows_secret(std::string_view text, std::string_view secret) {
    return text_impl::shows_secret(text, text_impl::secret_set({secret}));
}

// Untrusted text quoted into a message: bounded and printable, so a hostile body cannot flood
// logs or inject control characters. The same escaping as server_text.
inline std::string quote_for_message(std::string_view text, std::size_t max_bytes = 64) {
    return text_impl::quoted(text, text_impl::SecretSet(), max_bytes);
}

// A URL for a message, without anything that could be credentials. Everything from the start of
// the authority (after "scheme://", or the start of the text when it has no valid scheme) to the
// last '@' is replaced by "***": a password may hold an unencoded '/', '?', '#' or '@', and
// without a scheme "user:pass@host" has no "://" to start from, so neither the first '@' nor the
// end of a well-formed authority is a boundary that can be trusted. The host and what follows
// the last '@' stay readable.
inline std::string quote_url(std::string_view url) {
    std::size_t authority = 0;
    if (const auto sep = url.find("://"); sep != std::string_view::npos && sep > 0) {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); "user:pa://ss@host" has none.
        const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
        bool scheme = is_alpha(url[0]);
        for (std::size_t i = 1; scheme && i < sep; ++i)
            scheme =
                is_alpha(url[i]) || (url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' || url[i] == '.';
        if (scheme) authority = sep + 3;
    }
    const auto at = url.rfind('@');
    if (at == std::string_view::npos || at < authority) return quote_for_message(url, 200);
    std::string masked(url.substr(0, authority));
    masked += withheld_mark;
    masked += url.substr(at);
    return quote_for_message(masked, 200);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_TEXT_HPP
