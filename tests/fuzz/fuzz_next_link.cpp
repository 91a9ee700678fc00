// @nextLink comes from the server and the bearer token follows it, so next_link_request must never
// crash, never yield a request target that is not a clean origin-form path, and never accept a link
// whose authority is not the API's; proxy URLs and NO_PROXY lists (from the environment) get the same input.
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/impl/internal/page_cursor.hpp>

#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace detail = k6::schedules::detail;

namespace {

const detail::Endpoint& api() {
    static const detail::Endpoint endpoint = *detail::parse_endpoint("https://api.k6.io/cloud/v6");
    return endpoint;
}

// What parse_origin guarantees for an accepted authority: https (or inherited from the base), the
// host api.k6.io after percent-decoding and lower-casing, no userinfo, and port 443 (written or not).
void check_same_origin(std::string_view link) {
    auto reference = boost::urls::parse_uri_reference(boost::urls::string_view(link.data(), link.size()));
    if (!reference) __builtin_trap();  // next_link_request accepted it, so it parses
    if (reference->has_scheme() && !detail::iequals(reference->scheme(), "https")) __builtin_trap();
    if (!reference->has_authority()) return;  // a path: resolved against the API URL
    if (detail::lower(std::string(reference->host_address())) != "api.k6.io") __builtin_trap();
    if (reference->has_userinfo()) __builtin_trap();
    if (reference->has_port()) {
        unsigned long port = 0;
        for (char c : std::string_view(reference->port())) port = port < 100000 ? port * 10 + (c - '0') : port;
        if (port != 443) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto spec = detail::next_link_request(api(), text)) {
        if (spec->target.empty() || spec->target.front() != '/') __builtin_trap();
        for (unsigned char c : spec->target)  // no space, CR, LF or other byte that could split the request line
            if (c <= 0x20 || c >= 0x7f) __builtin_trap();
        check_same_origin(text);
    } else if (spec.error().message.empty()) {
        __builtin_trap();
    }

    if (auto proxy = detail::parse_proxy(text)) {
        if (proxy->host.empty() || proxy->port == 0) __builtin_trap();
        if (proxy->display.find('@') != std::string::npos) __builtin_trap();  // never the credentials
        if (proxy->authorization && !proxy->authorization->starts_with("Basic ")) __builtin_trap();
    }
    (void)detail::no_proxy_matches(text, "api.k6.io");
    return 0;
}
