// SPDX-License-Identifier: BSL-1.0
// Everything a server writes into an error answer reaches ApiError and from there a terminal and
// logs. Whatever the reason phrase, the body and the token, every field must be one line of
// printable UTF-8 (no C0/C1 control, DEL or bidi control), stay within its bound, and show
// neither the token nor a cut-off start of it (4 bytes or more, before "...", "…" or the end).
// The error body decoder must read a whole body exactly as boost::json::parse and
// from_json<ErrorBody> do, and any start of one (a body cut short) without failing.
// Input: [status/bound byte][secret length][reason length] secret reason body.
#include <k6/schedules/detail/error_body_decoder.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/detail/response_parser.hpp>
#include <k6/schedules/json.hpp>

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace detail = k6::schedules::detail;
namespace http = boost::beast::http;

namespace {

// Written independently of detail/text.hpp on purpose: a second reading of the rules.
void check_printable(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x20 || b == 0x7f) __builtin_trap();
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
        if (n == 0 || b > 0xF4 || i + n > text.size()) __builtin_trap();
        std::uint32_t cp = b & (0x7F >> n);
        for (std::size_t j = 1; j < n; ++j) {
            const auto c = static_cast<unsigned char>(text[i + j]);
            if ((c & 0xC0) != 0x80) __builtin_trap();
            cp = (cp << 6) | (c & 0x3F);
        }
        const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) __builtin_trap();
        if (cp <= 0x9F) __builtin_trap();                                    // C1
        if (cp == 0x061C || cp == 0x200E || cp == 0x200F) __builtin_trap();  // bidi marks
        if (cp >= 0x2028 && cp <= 0x202E) __builtin_trap();                  // separators, embeddings
        if (cp >= 0x2066 && cp <= 0x2069) __builtin_trap();                  // isolates
        i += n;
    }
}

// Whether text[0, end) ends with the first k >= 4 bytes of the secret, for some k.
bool ends_with_secret_start(std::string_view text, std::size_t end, std::string_view secret) {
    for (std::size_t k = 4; k <= end && k <= secret.size(); ++k)
        if (std::memcmp(text.data() + end - k, secret.data(), k) == 0) return true;
    return false;
}

void check_no_secret(std::string_view text, std::string_view secret) {
    if (secret.size() < 4) return;  // too short to be looked for
    if (text.find(secret) != std::string_view::npos) __builtin_trap();
    if (ends_with_secret_start(text, text.size(), secret)) __builtin_trap();
    for (std::string_view mark : {std::string_view("..."), std::string_view("\xE2\x80\xA6")})
        for (auto at = text.find(mark); at != std::string_view::npos; at = text.find(mark, at + 1))
            if (ends_with_secret_start(text, at, secret)) __builtin_trap();
}

void check_field(std::string_view text, std::string_view secret, std::size_t bound) {
    if (text.size() > bound + 3) __builtin_trap();  // plus "..."
    check_printable(text);
    check_no_secret(text, secret);
}

// The only '@' quote_url shows follows "***", and only a scheme comes before that.
void check_url(std::string_view quoted) {
    check_printable(quoted);
    if (quoted.size() > 2 + 200 + 3) __builtin_trap();
    const auto at = quoted.find('@');
    if (at == std::string_view::npos) return;
    if (quoted.find('@', at + 1) != std::string_view::npos) __builtin_trap();
    if (at < 4 || quoted.substr(at - 3, 3) != "***") __builtin_trap();
    const std::string_view before = quoted.substr(1, at - 4);
    if (before.empty()) return;
    if (!before.ends_with("://")) __builtin_trap();
    for (std::size_t i = 0; i + 3 < before.size(); ++i) {
        const char c = before[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) __builtin_trap();
    }
}

// The decoder against the parsed tree, on a whole body: the same verdict, the same model, the
// same count of details left out.
void check_decoder_matches_tree(std::string_view body) {
    namespace json = boost::json;
    const auto decoded = detail::decode_error_body(body, false);
    boost::system::error_code ec;
    const json::value parsed = json::parse(json::string_view(body.data(), body.size()), ec);
    if (ec) {
        if (decoded || decoded.error() != detail::ErrorBodyMismatch::not_json) __builtin_trap();
        return;
    }
    const json::value* inner = parsed.is_object() ? parsed.get_object().if_contains("error") : nullptr;
    const auto model = inner ? k6::schedules::from_json<k6::schedules::ErrorBody>(*inner)
                             : k6::schedules::expected<k6::schedules::ErrorBody>(std::unexpected(k6::schedules::ApiError{}));
    if (!model) {
        if (decoded || decoded.error() != detail::ErrorBodyMismatch::not_error_model) __builtin_trap();
        return;
    }
    if (!decoded || decoded->cut_short) __builtin_trap();
    const auto& got = decoded->error;
    if (got.code != model->code || got.message != model->message || got.target != model->target) __builtin_trap();
    const std::size_t kept = std::min(model->details.size(), detail::max_error_details);
    if (got.details.size() != kept || decoded->details_left_out != model->details.size() - kept) __builtin_trap();
    if (!std::equal(got.details.begin(), got.details.end(), model->details.begin())) __builtin_trap();
}

// A body cut anywhere: never a failure, never more than max_error_details kept.
void check_cut_body(std::string_view body, std::size_t cut_at) {
    const auto decoded = detail::decode_error_body(body.substr(0, std::min(cut_at, body.size())), true);
    if (decoded && decoded->error.details.size() > detail::max_error_details) __builtin_trap();
}

void check_error(const k6::schedules::ApiError& e, std::string_view secret) {
    check_field(e.code, secret, detail::server_text_max_bytes);
    check_field(e.message, secret, detail::server_text_max_bytes);
    if (e.target) check_field(*e.target, secret, detail::server_text_max_bytes);
    if (e.details.size() > detail::max_error_details + 1) __builtin_trap();
    for (const auto& d : e.details) {
        check_field(d.code, secret, detail::server_text_max_bytes);
        check_field(d.message, secret, detail::server_text_max_bytes);
        if (d.target) check_field(*d.target, secret, detail::server_text_max_bytes);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const unsigned selector = data[0];
    std::string_view rest = input.substr(3);
    const std::string_view secret = rest.substr(0, data[1] & 0x7f);
    rest.remove_prefix(secret.size());
    const std::string_view reason = rest.substr(0, data[2]);
    rest.remove_prefix(reason.size());
    const std::string_view body = rest;

    detail::HttpResponse res{
        .status = 400 + selector % 200, .reason = std::string(reason), .body = std::string(body)};
    check_error(detail::error_from_response(res, secret), secret);
    res.body_cut = true;  // the same bytes as the start of a longer body
    check_error(detail::error_from_response(res, secret), secret);
    check_decoder_matches_tree(body);
    check_cut_body(body, body.size() * data[2] / 255);

    const std::size_t bound = selector * 5;
    check_field(detail::server_text(body, secret, bound), secret, bound);
    check_field(detail::server_text(reason, {secret, body.substr(0, 16)}, bound), secret, bound);
    const std::string quoted = detail::quote_server_text(body, secret, bound);
    check_field(quoted, secret, bound + 2);
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') __builtin_trap();
    check_printable(detail::quote_for_message(body));
    check_url(detail::quote_url(body));
    return 0;
}
