// What an HTTP answer means: a decoded model for 2xx, an ApiError with the server's ErrorApiModel
// otherwise. Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_IMPL_INTERNAL_RESPONSE_PARSER_HPP
#define K6_SCHEDULES_IMPL_INTERNAL_RESPONSE_PARSER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/impl/internal/retry_after.hpp>
#include <k6/schedules/json.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;
using HttpResponse = http::response<http::string_body>;

// A server may echo what it was sent; the token must still never reach a message.
inline void redact(std::string& text, std::string_view secret) {
    if (secret.size() < 4) return;  // too short to tell apart from ordinary text
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
        text.replace(pos, secret.size(), "[redacted]");
}

inline void redact(ApiError& e, std::string_view secret) {
    redact(e.code, secret);
    redact(e.message, secret);
    if (e.target) redact(*e.target, secret);
    for (auto& d : e.details) {
        redact(d.code, secret);
        redact(d.message, secret);
        if (d.target) redact(*d.target, secret);
    }
}

inline std::string reason_phrase(const HttpResponse& res) {
    if (!res.reason().empty()) return std::string(res.reason());
    const auto standard = http::obsolete_reason(res.result());
    return std::string(standard.data(), standard.size());
}

// The ApiError for a non-2xx answer: the server's code/message/target/details when the body is an
// ErrorResponseApiModel; otherwise the status line and a bounded, printable excerpt of the body.
inline ApiError error_from_response(const HttpResponse& res, std::string_view token,
                                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    ApiError e;
    e.kind = ErrorKind::api;
    e.status = res.result_int();
    e.ec = make_error_code(classify_status(e.status).code);
    if (auto it = res.find(http::field::retry_after); it != res.end())
        e.retry_after = parse_retry_after(std::string_view(it->value().data(), it->value().size()), now);

    const std::string_view body(res.body());
    boost::system::error_code ec;
    const boost::json::value parsed = body.empty()
                                          ? boost::json::value()
                                          : boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
    const boost::json::value* inner = nullptr;
    if (!ec && parsed.is_object()) inner = parsed.get_object().if_contains("error");
    if (inner) {
        if (auto decoded = from_json<ErrorBody>(*inner)) {
            e.code = std::move(decoded->code);
            e.message = std::move(decoded->message);
            e.target = std::move(decoded->target);
            e.details = std::move(decoded->details);
            redact(e, token);
            return e;
        }
    }
    e.message = reason_phrase(res);
    if (e.message.empty()) e.message = "error status";
    if (!body.empty())
        e.message += (ec ? " (non-JSON body: " : " (unrecognised error body: ") + quote_for_message(body, 200) + ")";
    redact(e, token);
    return e;
}

// The model in a 2xx body, or malformed_response naming the field that does not match the schema.
template <class T>
expected<T> decode_success(const HttpResponse& res) {
    auto decoded = parse_json<T>(res.body());
    if (!decoded) {
        decoded.error().status = res.result_int();
        decoded.error().message = "unexpected response body: " + decoded.error().message;
    }
    return decoded;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_IMPL_INTERNAL_RESPONSE_PARSER_HPP
