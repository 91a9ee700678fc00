// SPDX-License-Identifier: BSL-1.0
// The API origin parsed once from ClientOptions::api_url: where to connect and what to send as Host.
#ifndef K6_SCHEDULES_DETAIL_ENDPOINT_HPP
#define K6_SCHEDULES_DETAIL_ENDPOINT_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/text.hpp>

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

struct Endpoint {
    bool tls = true;
    std::string host;  // for DNS, SNI and certificate checks: "api.k6.io", "127.0.0.1", "::1"
    std::uint16_t port = 443;
    std::string host_header;  // "api.k6.io", "127.0.0.1:8443", "[::1]:8443"
    std::string base_path;    // "" or a prefix such as "/proxy" (no trailing slash)

    bool same_origin(bool other_tls, std::string_view other_host, std::uint16_t other_port) const noexcept {
        return other_tls == tls && other_port == port && other_host == host;
    }
};

// Origin of an absolute http(s) URL. The error is a short reason (never the URL's userinfo).
struct Origin {
    bool tls = true;
    std::string host;
    std::uint16_t port = 443;
};

inline std::expected<Origin, std::string> parse_origin(const boost::urls::url_view& url) {
    Origin o;
    if (iequals(url.scheme(), "https")) {
        o.tls = true;
        o.port = 443;
    } else if (iequals(url.scheme(), "http")) {
        o.tls = false;
        o.port = 80;
    } else {
        return std::unexpected("the scheme must be https or http");
    }
    if (!url.has_authority() || url.host().empty()) return std::unexpected("the URL has no host");
    // After an authority the path is empty or starts with '/' (RFC 3986 §3.3). Boost.URL 1.81 lets
    // "https://host:443'x/y" through with port 443 and path "'x/y": refused, as the URL is not one.
    if (!url.encoded_path().empty() && url.encoded_path().front() != '/')
        return std::unexpected("the URL is malformed after its host and port");
    if (url.has_userinfo()) return std::unexpected("credentials in the URL are not supported");
    o.host = lower(url.host_address());  // IPv6 without brackets, names lower-cased
    for (char c : o.host) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '_';
        if (!ok) return std::unexpected("the host name has characters a host name cannot have");
    }
    if (url.has_port()) {
        // url.port_number() wraps values over 65535, so the digits are checked here.
        const std::string_view digits = url.port();
        unsigned long value = 0;
        for (char c : digits) {
            if (c < '0' || c > '9' || value > 65535) break;
            value = value * 10 + static_cast<unsigned long>(c - '0');
        }
        if (digits.empty() || digits.size() > 5 || value == 0 || value > 65535)
            return std::unexpected("the port must be 1-65535");
        o.port = static_cast<std::uint16_t>(value);
    }
    return o;
}

inline std::expected<Endpoint, std::string> parse_endpoint(std::string_view api_url) {
    auto parsed = boost::urls::parse_absolute_uri(boost::urls::string_view(api_url.data(), api_url.size()));
    if (!parsed) return std::unexpected("not an absolute URL");
    const boost::urls::url_view url = *parsed;
    auto origin = parse_origin(url);
    if (!origin) return std::unexpected(origin.error());
    if (url.has_query() || url.has_fragment()) return std::unexpected("the URL must not have a query or fragment");
    Endpoint e;
    e.tls = origin->tls;
    e.host = origin->host;
    e.port = origin->port;
    const bool ipv6 = e.host.find(':') != std::string::npos;
    e.host_header = ipv6 ? "[" + e.host + "]" : e.host;
    if (e.port != (e.tls ? 443 : 80)) e.host_header += ":" + std::to_string(e.port);
    e.base_path = std::string(url.encoded_path());
    while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
    return e;
}

// This machine, for certain: an IPv4 address in 127.0.0.0/8, the IPv6 address ::1, or the name
// "localhost". `host` as Endpoint::host has it (lower-cased, IPv6 without brackets). Decided by
// parsing the address, never by its text: "127.evil.example" is a name anyone can register.
inline bool is_loopback_host(std::string_view host) noexcept {
    if (host == "localhost") return true;
    const boost::urls::string_view text(host.data(), host.size());
    if (auto v4 = boost::urls::parse_ipv4_address(text)) return v4->is_loopback();
    if (auto v6 = boost::urls::parse_ipv6_address(text)) return v6->is_loopback();
    return false;
}

// Why `url` cannot be sent as X-Stack-Url (a Grafana stack's URL, "https://mystack.grafana.net"),
// or nothing. It goes into a header, so control characters would end the header line and let the
// caller's text become headers of its own; it must be an absolute http(s) URL with a host, as the
// service matches it against the stacks it knows. The reason never quotes the URL.
inline std::optional<std::string> stack_url_problem(std::string_view url) {
    if (url.empty()) return "the stack URL is empty";
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return "the stack URL has spaces, control or non-ASCII characters";
    }
    auto parsed = boost::urls::parse_absolute_uri(boost::urls::string_view(url.data(), url.size()));
    if (!parsed) return "the stack URL is not an absolute URL";
    if (!iequals(parsed->scheme(), "https") && !iequals(parsed->scheme(), "http"))
        return "the stack URL's scheme must be https or http";
    if (!parsed->has_authority() || parsed->host().empty()) return "the stack URL has no host";
    return std::nullopt;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_ENDPOINT_HPP
