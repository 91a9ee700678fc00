// SPDX-License-Identifier: BSL-1.0
// The HTTP request an operation's RequestSpec becomes, with the headers every call carries.
// Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP
#define K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/request_spec.hpp>
#include <k6/schedules/version.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;

// The headers every request carries. `authorization` is "Bearer <token>", computed
// once per client; it is only ever attached to requests for the configured endpoint.
inline http::request<http::string_body> build_http_request(const Endpoint& endpoint, std::string_view authorization,
                                                           std::string_view stack_id, const RequestSpec& spec) {
    http::request<http::string_body> req{spec.method, spec.request_target(endpoint), 11};
    req.set(http::field::host, endpoint.host_header);
    req.set(http::field::authorization, authorization);
    req.set("X-Stack-Id", stack_id);
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, user_agent);
    if (spec.body) {
        req.set(http::field::content_type, "application/json");
        req.body() = *spec.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
}

// The bytes of the request build_http_request describes, written straight out in the same order
// (a unit test keeps the two equal byte for byte): building Beast's header container for every
// call, only to serialize it, cost a get about 4,000 instructions and 8 allocations.
inline std::string request_bytes(const Endpoint& endpoint, std::string_view authorization, std::string_view stack_id,
                                 const RequestSpec& spec) {
    constexpr std::string_view crlf = "\r\n";
    const std::string_view method = http::to_string(spec.method);
    const std::string_view base = spec.target_is_absolute ? std::string_view() : std::string_view(endpoint.base_path);
    const std::string_view body = spec.body ? std::string_view(*spec.body) : std::string_view();
    // As Beast's prepare_payload: a length for any body, and for a POST (or PUT) without one.
    const bool with_length = !body.empty() || spec.method == http::verb::post || spec.method == http::verb::put;
    const std::string length = with_length ? std::to_string(body.size()) : std::string();

    std::string bytes;
    bytes.reserve(160 + method.size() + base.size() + spec.target.size() + endpoint.host_header.size() +
                  authorization.size() + stack_id.size() + user_agent.size() + body.size());
    bytes.append(method).append(" ").append(base).append(spec.target).append(" HTTP/1.1").append(crlf);
    bytes.append("Host: ").append(endpoint.host_header).append(crlf);
    bytes.append("Authorization: ").append(authorization).append(crlf);
    bytes.append("X-Stack-Id: ").append(stack_id).append(crlf);
    bytes.append("Accept: application/json").append(crlf);
    bytes.append("User-Agent: ").append(user_agent).append(crlf);
    if (spec.body) bytes.append("Content-Type: application/json").append(crlf);
    if (with_length) bytes.append("Content-Length: ").append(length).append(crlf);
    bytes.append(crlf).append(body);
    return bytes;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP
