// SPDX-License-Identifier: BSL-1.0
// What an HTTP answer means: a decoded model for 2xx, an ApiError with the server's ErrorApiModel
// otherwise. Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_DETAIL_RESPONSE_PARSER_HPP
#define K6_SCHEDULES_DETAIL_RESPONSE_PARSER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/http_response.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/retry_after.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/redactor.hpp>

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;

// At most this many of the server's error.details are kept; one more entry then says how many
// were left out, so nothing is dropped silently.
inline constexpr std::size_t max_error_details = 32;

inline std::string reason_phrase(const HttpResponse& res) {
    if (!res.reason.empty()) return res.reason;
    const auto standard = http::obsolete_reason(http::int_to_status(res.status));
    return std::string(standard.data(), standard.size());
}

// The ApiError for a non-2xx answer: the server's code/message/target/details when the body is an
// ErrorResponseApiModel; otherwise the status line and a bounded excerpt of the body. Every piece
// of server text goes through the client's Redactor: its secrets masked (a server may echo what it
// was sent), bounded, one printable line.
inline ApiError error_from_response(const HttpResponse& res, const Redactor& redactor,
                                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    ApiError e;
    e.kind = ErrorKind::api;
    e.status = res.status;
    e.ec = make_error_code(classify_status(e.status).code);
    if (res.retry_after) e.retry_after = parse_retry_after(*res.retry_after, now);

    const std::string_view body(res.body);
    boost::system::error_code ec;
    const boost::json::value parsed = body.empty()
                                          ? boost::json::value()
                                          : boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
    const boost::json::value* inner = nullptr;
    if (!ec && parsed.is_object()) inner = parsed.get_object().if_contains("error");
    if (inner) {
        if (auto decoded = from_json<ErrorBody>(*inner)) {
            auto optional_text = [&](const std::optional<std::string>& text) -> std::optional<std::string> {
                if (!text) return std::nullopt;
                return redactor.text(*text);
            };
            e.code = redactor.text(decoded->code);
            e.message = redactor.text(decoded->message);
            e.target = optional_text(decoded->target);
            const std::size_t kept = std::min(decoded->details.size(), max_error_details);
            e.details.reserve(kept + 1);
            for (std::size_t i = 0; i < kept; ++i) {
                const ErrorDetails& d = decoded->details[i];
                e.details.push_back(
                    {redactor.text(d.code), redactor.text(d.message), optional_text(d.target)});
            }
            // The summary has no code: it is the client speaking, not the server.
            if (const std::size_t left_out = decoded->details.size() - kept; left_out > 0)
                e.details.push_back(
                    {"", std::to_string(left_out) + (left_out == 1 ? " more detail" : " more details") + " not shown",
                     std::nullopt});
            return e;
        }
    }
    e.message = redactor.text(reason_phrase(res), reason_max_bytes);
    if (e.message.empty()) e.message = "error status";
    if (!body.empty())
        e.message +=
            (ec ? " (non-JSON body: " : " (unrecognised error body: ") + redactor.quoted(body, 200) + ")";
    // Each piece is clean; the fixed words around them could still complete a pathological token.
    if (redactor.reveals(e.message)) e.message = std::string(withheld_mark);
    return e;
}

// The same, for code that has only the token (tests, fuzzers).
inline ApiError error_from_response(const HttpResponse& res, std::string_view token,
                                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    return error_from_response(res, Redactor{token}, now);
}

// The model in a 2xx body, or malformed_response naming the field that does not match the schema.
template <class T>
expected<T> decode_success(const HttpResponse& res, ParseScratch* scratch = nullptr) {
    auto decoded = parse_json<T>(res.body, scratch);
    if (!decoded) {
        decoded.error().status = res.status;
        decoded.error().message = "unexpected response body: " + decoded.error().message;
    }
    return decoded;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_RESPONSE_PARSER_HPP
