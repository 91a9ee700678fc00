// SPDX-License-Identifier: BSL-1.0
// A proxy's answer to CONNECT decides whether the TLS session to the API begins: read as the client
// reads it (Beast's parser, header only), it must open the tunnel only for a 2xx answer with nothing
// after its header, and a refusal's message must be one bounded, printable line that never shows
// the credentials the proxy was sent.
#include <k6/schedules/detail/io/connection.hpp>

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

const k6::schedules::detail::Proxy& proxy() {
    static const auto parsed = k6::schedules::detail::parse_proxy("http://proxyuser:hunter2secret@127.0.0.1:3128");
    return *parsed;
}

const k6::schedules::detail::Endpoint& endpoint() {
    static const auto parsed = k6::schedules::detail::parse_endpoint("https://api.k6.io");
    return *parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    k6::schedules::detail::ResponseReader answer;
    answer.skip(true);  // as the client reads it: a CONNECT answer has no body
    answer.header_limit(16 * 1024);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!answer.is_header_done() && used < size) {
        const std::size_t n = answer.put(boost::asio::buffer(data + used, size - used), ec);
        used += n;
        if (ec || n == 0) break;
    }
    if (ec || !answer.is_header_done()) return 0;  // the client reports a malformed or short answer
    const auto& header = answer.get();
    const auto verdict =
        k6::schedules::detail::connect_answer_verdict(header.status, header.reason, size - used, proxy(), endpoint());
    if (verdict) {
        if (header.status / 100 != 2 || used != size) __builtin_trap();  // opened a tunnel it must not
        return 0;
    }
    const std::string& message = verdict.error().message;
    if (message.size() > 512) __builtin_trap();
    for (unsigned char c : message)
        if (c < 0x20 || c == 0x7f) __builtin_trap();
    if (message.find("hunter2secret") != std::string::npos) __builtin_trap();
    if (message.find(k6::schedules::detail::basic_credentials(proxy())) != std::string::npos) __builtin_trap();
    return 0;
}
