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

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_REQUEST_BUILDER_HPP
