// SPDX-License-Identifier: BSL-1.0
// One plain-HTTP request with Beast's synchronous API, for tests that must send what the client
// never would (no token, a malformed body, an unknown method).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace k6::test {

struct RawResponse {
    unsigned status = 0;
    std::string body;
    boost::beast::http::fields headers;

    boost::json::value json() const { return boost::json::parse(body); }
};

inline RawResponse raw_request(std::uint16_t port, boost::beast::http::verb method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body = {}) {
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return {response.result_int(), response.body(), response.base()};
}

}  // namespace k6::test
