// SPDX-License-Identifier: BSL-1.0
// Which HTTP proxy, if any, carries the connections to the API: ClientOptions::proxy, or the
// HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy variables every mainstream HTTP client honours.
// Sans-io: parsing and matching only, without OpenSSL (the public headers reach it).
#ifndef K6_SCHEDULES_DETAIL_PROXY_HPP
#define K6_SCHEDULES_DETAIL_PROXY_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

struct Proxy {
    bool tls = false;  // https:// proxy: TLS to the proxy, then CONNECT, then TLS to the API inside
    std::string host;
    std::uint16_t port = 80;
    std::string display;  // "http://proxy:3128", without credentials
    // The URL's credentials, percent-decoded: `user` is set when it has any (the CONNECT request then
    // carries them, see detail/io/proxy_authorization.hpp).
    std::optional<std::string> user;
    std::string password;  // also masked wherever the proxy's own text is shown
};

// "http://user:pass@proxy:3128", "https://proxy" or "proxy:3128" (http:// assumed, as curl and Go
// do). Without a port, the scheme's own (80 or 443), as Go does. The error is a short reason that
// never contains the URL's credentials.
inline std::expected<Proxy, std::string> parse_proxy(std::string_view text) {
    std::string url(text);
    if (url.find("://") == std::string::npos) url = "http://" + url;
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return std::unexpected("the proxy is not a URL");
    const bool tls = iequals(parsed->scheme(), "https");
    if (!tls && !iequals(parsed->scheme(), "http"))
        return std::unexpected("the proxy's scheme " + quote_for_message(parsed->scheme(), 16) +
                               " is not supported (only http:// and https:// proxies are)");
    // A proxy URL has nothing after its authority. Something there means the URL is not what it
    // seems, e.g. a password with an unencoded '/', '?' or '#': "http://user:p/ss@host" is host
    // "user" and path "/ss@host", so using it would send credentials to the wrong place.
    if (!(parsed->encoded_path().empty() || parsed->encoded_path() == "/") || parsed->has_query() ||
        parsed->has_fragment())
        return std::unexpected(
            "a proxy URL is scheme://[user:password@]host[:port] and nothing more (percent-encode any "
            "'/', '?', '#' or '@' in the user name or password)");
    boost::urls::url without_credentials(*parsed);
    without_credentials.remove_userinfo();
    auto origin = parse_origin(without_credentials);
    if (!origin) return std::unexpected(origin.error());
    Proxy proxy;
    proxy.tls = tls;
    proxy.host = origin->host;
    proxy.port = origin->port;  // the scheme's when the URL has none
    proxy.display = (tls ? "https://" : "http://") +
                    (proxy.host.find(':') != std::string::npos ? "[" + proxy.host + "]" : proxy.host) + ":" +
                    std::to_string(proxy.port);
    if (parsed->has_userinfo()) {
        proxy.user = std::string(parsed->user());
        proxy.password = std::string(parsed->password());
    }
    return proxy;
}

// NO_PROXY: comma-separated host names, domain suffixes (".example.com" or "example.com" match
// sub.example.com too) or IP addresses; "*" matches everything. Ports in entries are ignored.
inline bool no_proxy_matches(std::string_view list, std::string_view host) {
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto comma = std::min(list.find(',', start), list.size());
        std::string entry = lower(list.substr(start, comma - start));
        start = comma + 1;
        entry.erase(0, entry.find_first_not_of(" \t"));
        entry.erase(entry.find_last_not_of(" \t") + 1);
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '[') {  // [::1]:8080
            entry = entry.substr(1, entry.find(']') - 1);
        } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
            entry.erase(entry.find(':'));  // name:port
        }
        while (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
        if (host == entry) return true;
        if (host.size() > entry.size() && host.ends_with(entry) && host[host.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

// Which proxy carries the connections: `proxy` (none: direct), or why no connection can be made
// (`unusable`, the error every request then completes with).
struct ProxyChoice {
    std::optional<Proxy> proxy;
    std::optional<ApiError> unusable;
};

// The proxy for `endpoint`: the explicit one, else (when allowed) the environment's; never for
// plain http:// endpoints (local servers). The environment's is not used for a host NO_PROXY
// lists, nor for loopback hosts (as Go's HTTP client does), so a local emulator is always
// reached directly. A variable the user may not control (an https:// or socks5:// proxy set for
// other programs) must not make constructing a client fail: an unusable one fails the requests
// instead, with an error that names the variable and never its credentials.
inline ProxyChoice select_proxy(const Endpoint& endpoint, const std::optional<std::string>& explicit_proxy,
                                bool from_environment,
                                const std::function<std::optional<std::string>(std::string_view)>& env) {
    if (!endpoint.tls) return {};
    std::optional<std::string> chosen = explicit_proxy;
    std::string source = "ClientOptions::proxy";
    if (!chosen && from_environment && !is_loopback_host(endpoint.host)) {
        source = "HTTPS_PROXY";
        chosen = env(source);
        if (!chosen || chosen->empty()) chosen = env(source = "https_proxy");
        if (chosen && chosen->empty()) chosen.reset();
        if (chosen) {
            auto no_proxy = env("NO_PROXY");
            if (!no_proxy || no_proxy->empty()) no_proxy = env("no_proxy");
            if (no_proxy && no_proxy_matches(*no_proxy, endpoint.host)) chosen.reset();
        }
    }
    if (!chosen) return {};
    auto proxy = parse_proxy(*chosen);
    if (proxy) return {std::move(*proxy), std::nullopt};
    std::string message = source + "=" + quote_url(*chosen) + " cannot be used: " + proxy.error();
    if (source != "ClientOptions::proxy")
        message += " (list " + endpoint.host + " in NO_PROXY, or set ClientOptions::proxy_from_environment = false)";
    return {std::nullopt, invalid_argument(std::move(message), source).error()};
}

inline std::optional<std::string> getenv_string(std::string_view name) {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_PROXY_HPP
