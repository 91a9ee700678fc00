// SPDX-License-Identifier: BSL-1.0
// @nextLink comes from the server and the bearer token follows it, so next_link_request must never
// crash, never yield a request target that is not a clean origin-form path, and never accept a link
// that leaves the API origin or the API URL's path, whether it is absolute or relative to the page
// that carried it; proxy URLs and NO_PROXY lists (from the environment) get the same input.
//
// Input: one byte choosing the API URL, then links separated by '\n'. Each link is resolved against
// the page the previous accepted one led to (the first against the API URL, as when resuming), and
// the same links drive a PageCursor as successive pages' @nextLinks.
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/detail/page_cursor.hpp>

#include <boost/url/parse.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace detail = k6::schedules::detail;

namespace {

const detail::Endpoint& api(std::uint8_t choice) {
    static const std::array<detail::Endpoint, 5> endpoints = {
        *detail::parse_endpoint("https://api.k6.io"),
        *detail::parse_endpoint("https://api.k6.io/cloud/v6"),
        *detail::parse_endpoint("https://gw/k6"),
        *detail::parse_endpoint("http://127.0.0.1:8080/a/../k%36/"),  // its path is /k6 once normalised
        *detail::parse_endpoint("https://[::1]:8443/k6/v%2F1"),
    };
    return endpoints[choice % endpoints.size()];
}

// The API URL's path as a plain-text oracle: written out for each endpoint above.
std::string_view expected_base(std::uint8_t choice) {
    static constexpr std::array<std::string_view, 5> bases = {"", "/cloud/v6", "/k6", "/k6", "/k6/v%2F1"};
    return bases[choice % bases.size()];
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

// What parse_origin guarantees for an accepted authority: the API's scheme (written or inherited),
// its host after lower-casing, no userinfo, and its port (written or not).
void check_same_origin(const detail::Endpoint& endpoint, std::string_view link) {
    auto reference = boost::urls::parse_uri_reference(boost::urls::string_view(link.data(), link.size()));
    if (!reference) __builtin_trap();  // next_link_request accepted it, so it parses
    if (reference->has_scheme() && !detail::iequals(reference->scheme(), endpoint.tls ? "https" : "http"))
        __builtin_trap();
    if (!reference->has_authority()) {
        if (reference->has_scheme()) __builtin_trap();  // "https:path" has no host to check
        return;                                         // a path: resolved on the API origin
    }
    if (detail::lower(std::string(reference->host_address())) != endpoint.host) __builtin_trap();
    if (reference->has_userinfo()) __builtin_trap();
    if (reference->has_port()) {
        unsigned long port = 0;
        for (char c : std::string_view(reference->port())) port = port < 100000 ? port * 10 + (c - '0') : port;
        if (port != endpoint.port) __builtin_trap();
    } else if (endpoint.port != (endpoint.tls ? 443 : 80)) {
        __builtin_trap();
    }
}

// An accepted target: origin-form, printable, no fragment, its path in normal form (no "." or ".."
// segment, no percent-encoded unreserved character that could hide one) and under the base path.
void check_target(std::string_view target, std::string_view base) {
    if (target.empty() || target.front() != '/') __builtin_trap();
    for (unsigned char c : target)  // no space, CR, LF or other byte that could split the request line
        if (c <= 0x20 || c >= 0x7f || c == '#') __builtin_trap();
    const std::string_view path = target.substr(0, target.find('?'));
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') continue;
        if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2])) __builtin_trap();
        const int value = std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16);
        if (detail::uri::is_unreserved(static_cast<char>(value))) __builtin_trap();
    }
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        if (segment == "." || segment == "..") __builtin_trap();
        start = end + 1;
    }
    if (!base.empty() && path != base &&
        !(path.starts_with(base) && path.size() > base.size() && path[base.size()] == '/'))
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t choice = data[0];
    const detail::Endpoint& endpoint = api(choice);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    std::vector<std::string_view> links;
    for (std::size_t start = 0; links.size() < 16;) {
        const std::size_t end = text.find('\n', start);
        links.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }

    // Each link against the page the previous accepted one led to.
    std::optional<std::string> page;
    for (std::string_view link : links) {
        auto spec =
            detail::next_link_request(endpoint, link, page ? std::optional<std::string_view>(*page) : std::nullopt);
        if (!spec) {
            if (spec.error().message.empty() || spec.error().target != "@nextLink") __builtin_trap();
            continue;
        }
        check_target(spec->target, expected_base(choice));
        check_same_origin(endpoint, link);
        // next_link() hands out the link as an absolute URL; resuming from it asks for the same page.
        const std::string absolute = detail::absolute_link(
            endpoint, std::string(link), page ? std::optional<std::string_view>(*page) : std::nullopt);
        auto resumed = detail::next_link_request(endpoint, absolute);
        if (!resumed || resumed->target != spec->target) __builtin_trap();
        page = spec->target;
    }

    // The same links as successive pages' @nextLinks (every other page empty): every request the
    // cursor makes is checked the same way, and it never makes more than one per page.
    auto cursor = detail::PageCursor::from_query({}, 3);
    std::size_t requests = 0;
    for (std::size_t i = 0; i <= links.size(); ++i) {
        auto request = cursor.next_request(endpoint);
        if (!request || !*request) break;
        if (++requests > links.size() + 1) __builtin_trap();
        if ((*request)->target_is_absolute) check_target((*request)->target, expected_base(choice));  // not the query
        k6::schedules::SchedulePage next;
        next.items.resize(i % 2);
        if (i < links.size()) next.next_link = std::string(links[i]);
        cursor.on_page(next);
    }

    if (auto proxy = detail::parse_proxy(text)) {
        if (proxy->host.empty() || proxy->port == 0) __builtin_trap();
        if (proxy->display.find('@') != std::string::npos) __builtin_trap();  // never the credentials
        if (!proxy->user && !proxy->password.empty()) __builtin_trap();  // a password only with credentials
    }
    (void)detail::no_proxy_matches(text, "api.k6.io");
    return 0;
}
