// SPDX-License-Identifier: BSL-1.0
// What an HTTP answer means: a decoded model for 2xx, an ApiError with the server's ErrorApiModel
// otherwise. Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_DETAIL_RESPONSE_PARSER_HPP
#define K6_SCHEDULES_DETAIL_RESPONSE_PARSER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/error_body_decoder.hpp>
#include <k6/schedules/detail/http_response.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/retry_after.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/redactor.hpp>

#include <boost/beast/http/status.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;

inline std::string reason_phrase(const HttpResponse& res) {
    if (!res.reason.empty()) return res.reason;
    const auto standard = http::obsolete_reason(http::int_to_status(res.status));
    return std::string(standard.data(), standard.size());
}

// The client's own last detail, when there were more than it shows: counted, or cut off with the
// answer. It has no code: it is the client speaking, not the server.
inline std::optional<ErrorDetails> details_summary(std::size_t left_out, bool cut_short) {
    const std::string count = std::to_string(left_out);
    const std::string_view more = left_out == 1 ? " more detail" : " more details";
    if (cut_short) {
        const std::string kib = std::to_string(error_body_keep_bytes / 1024);
        if (left_out == 0)
            return ErrorDetails{"", concat({"more details may not be shown: the answer was cut at ", kib, " KiB"}),
                                std::nullopt};
        return ErrorDetails{
            "", concat({count, more, " and any after them not shown: the answer was cut at ", kib, " KiB"}),
            std::nullopt};
    }
    if (left_out == 0) return std::nullopt;
    return ErrorDetails{"", concat({count, more, " not shown"}), std::nullopt};
}

// The ApiError for a non-2xx answer: the server's code/message/target/details when the body is an
// ErrorResponseApiModel (read without building a tree: error_body_decoder.hpp); otherwise the
// status line and a bounded excerpt of the body. A body cut at error_body_keep_bytes still gives
// the model when its code and message came before the cut. Every piece of server text goes
// through the client's Redactor: its secrets masked (a server may echo what it was sent), bounded,
// one printable line.
template <class = void>  // see decode_error_body
ApiError error_from_response(const HttpResponse& res, const Redactor& redactor,
                             std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    ApiError e;
    e.kind = ErrorKind::api;
    e.status = res.status;
    e.ec = make_error_code(classify_status(e.status).code);
    if (res.retry_after) e.retry_after = parse_retry_after(*res.retry_after, now);

    const std::string_view body(res.body);
    std::expected<DecodedErrorBody, ErrorBodyMismatch> decoded = std::unexpected(ErrorBodyMismatch::not_json);
    if (!body.empty()) decoded = decode_error_body(body, res.body_cut);
    if (decoded) {
        auto optional_text = [&](const std::optional<std::string>& text) -> std::optional<std::string> {
            if (!text) return std::nullopt;
            return redactor.text(*text);
        };
        const ErrorBody& model = decoded->error;
        e.code = redactor.text(model.code);
        e.message = redactor.text(model.message);
        e.target = optional_text(model.target);
        const auto summary = details_summary(decoded->details_left_out, decoded->cut_short);
        e.details.reserve(model.details.size() + (summary ? 1 : 0));
        for (const ErrorDetails& d : model.details)
            e.details.push_back({redactor.text(d.code), redactor.text(d.message), optional_text(d.target)});
        if (summary) e.details.push_back(*summary);
        return e;
    }
    e.message = redactor.text(reason_phrase(res), reason_max_bytes);
    if (e.message.empty()) e.message = "error status";
    if (!body.empty())
        e.message += (decoded.error() == ErrorBodyMismatch::not_json ? " (non-JSON body: " : " (unrecognised error body: ") +
                     redactor.quoted(body, 200) + ")";
    // Each piece is clean; the fixed words around them could still complete a pathological token.
    if (redactor.reveals(e.message)) e.message = std::string(withheld_mark);
    return e;
}

// The same, for code that has only the token (tests, fuzzers).
template <class = void>
ApiError error_from_response(const HttpResponse& res, std::string_view token,
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
