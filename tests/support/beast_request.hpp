// SPDX-License-Identifier: BSL-1.0
// The request an operation sends, spelled as a Beast message: the reference that the client's
// detail::request_bytes, which writes the bytes out directly, must equal byte for byte once Beast
// serializes this.
#pragma once

#include <k6/schedules.hpp>
#include "support/internals.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

namespace k6::test {

// The headers every request carries, set the way Beast users would. `authorization` is
// "Bearer <token>".
inline boost::beast::http::request<boost::beast::http::string_body> build_http_request(
    const k6::schedules::detail::Endpoint& endpoint, std::string_view authorization, std::string_view stack_id,
    const k6::schedules::detail::RequestSpec& spec, std::string_view agent = k6::schedules::user_agent) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{spec.method, spec.request_target(endpoint), 11};
    req.set(http::field::host, endpoint.host_header);
    req.set(http::field::authorization, authorization);
    if (spec.stack_url)
        req.set("X-Stack-Url", *spec.stack_url);
    else
        req.set("X-Stack-Id", stack_id);
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, agent);
    if (spec.body) {
        req.set(http::field::content_type, "application/json");
        req.body() = *spec.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
}

}  // namespace k6::test
