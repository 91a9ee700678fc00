// SPDX-License-Identifier: BSL-1.0
// The HTTP request an operation's RequestSpec becomes, with the headers every call carries.
// Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP
#define K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/request_spec.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/observer.hpp>
#include <k6/schedules/version.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/verb.hpp>

#include <string>
#include <vector>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;

// The bytes of the request for `spec`, with the headers every call carries, written straight out
// (a unit test keeps them equal byte for byte to what Beast serializes for the same request as a
// Beast message): building Beast's header container for every call, only to serialize it, cost a
// get about 4,000 instructions and 8 allocations. `authorization` is "Bearer <token>", computed
// once per client; it is only ever attached to requests for the configured endpoint.
inline std::string request_bytes(const Endpoint& endpoint, std::string_view authorization, std::string_view stack_id,
                                 const RequestSpec& spec, std::string_view agent = user_agent) {
    constexpr std::string_view crlf = "\r\n";
    const std::string_view method = http::to_string(spec.method);
    const std::string_view base = spec.target_is_absolute ? std::string_view() : std::string_view(endpoint.base_path);
    const std::string_view body = spec.body ? std::string_view(*spec.body) : std::string_view();
    // As Beast's prepare_payload: a length for any body, and for a POST (or PUT) without one.
    const bool with_length = !body.empty() || spec.method == http::verb::post || spec.method == http::verb::put;
    const std::string length = with_length ? std::to_string(body.size()) : std::string();

    std::string bytes;
    // The auth call names the stack by its URL, instead of by the id it is there to find out.
    const std::string_view stack_name = spec.stack_url ? "X-Stack-Url: " : "X-Stack-Id: ";
    const std::string_view stack = spec.stack_url ? std::string_view(*spec.stack_url) : stack_id;
    bytes.reserve(160 + method.size() + base.size() + spec.target.size() + endpoint.host_header.size() +
                  authorization.size() + stack.size() + agent.size() + body.size());
    bytes.append(method).append(" ").append(base).append(spec.target).append(" HTTP/1.1").append(crlf);
    bytes.append("Host: ").append(endpoint.host_header).append(crlf);
    bytes.append("Authorization: ").append(authorization).append(crlf);
    bytes.append(stack_name).append(stack).append(crlf);
    bytes.append("Accept: application/json").append(crlf);
    bytes.append("User-Agent: ").append(agent).append(crlf);
    if (spec.body) bytes.append("Content-Type: application/json").append(crlf);
    if (with_length) bytes.append("Content-Length: ").append(length).append(crlf);
    bytes.append(crlf).append(body);
    return bytes;
}

// A header name an observer may not add (reserved_request_headers).
inline bool is_reserved_header(std::string_view name) noexcept {
    for (std::string_view reserved : reserved_request_headers)
        if (boost::beast::iequals(name, reserved)) return true;  // field names are case-insensitive
    return false;
}

// An HTTP field name: one or more tchar (RFC 9110, section 5.6.2).
inline bool is_field_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (char c : name) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
    }
    return true;
}

// A field value that cannot end the header line: printable ASCII, spaces and tabs.
inline bool is_field_value(std::string_view value) noexcept {
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u >= 0x7f) return false;
    }
    return true;
}

// `request` (from request_bytes) with `headers` added at the end of its header section, or the
// reason one of them cannot be sent (its name is quoted, never its value: it may be a secret).
inline expected<std::string> with_headers(std::string_view request, const std::vector<RequestHeader>& headers) {
    std::size_t extra = 0;
    for (const RequestHeader& header : headers) {
        const std::string name = quote_for_message(header.name);
        if (!is_field_name(header.name))
            return invalid_argument("the request header " + name + " added by the AttemptObserver is not a valid name",
                                    "observer");
        if (is_reserved_header(header.name))
            return invalid_argument("the request header " + name +
                                        " added by the AttemptObserver is one the client sets itself",
                                    "observer");
        if (!is_field_value(header.value))
            return invalid_argument("the value of the request header " + name +
                                        " added by the AttemptObserver has characters a header cannot carry",
                                    "observer");
        extra += header.name.size() + header.value.size() + 4;
    }
    const std::size_t end = request.find("\r\n\r\n");
    std::string bytes;
    bytes.reserve(request.size() + extra);
    bytes.append(request.substr(0, end + 2));
    for (const RequestHeader& header : headers) bytes.append(header.name).append(": ").append(header.value).append("\r\n");
    bytes.append(request.substr(end + 2));
    return bytes;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP
