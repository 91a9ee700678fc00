// SPDX-License-Identifier: BSL-1.0
// The Proxy-Authorization a proxy's credentials become when the CONNECT request is built: Basic,
// base64 by OpenSSL. On the transport side, so that reading a proxy URL (detail/proxy.hpp, which
// the public headers reach) needs no OpenSSL.
#ifndef K6_SCHEDULES_DETAIL_IO_PROXY_AUTHORIZATION_HPP
#define K6_SCHEDULES_DETAIL_IO_PROXY_AUTHORIZATION_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/proxy.hpp>

#include <openssl/evp.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

inline std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// base64(user:password), the credentials of Basic authentication (RFC 7617); empty without any.
inline std::string basic_credentials(const Proxy& proxy) {
    if (!proxy.user) return {};
    return base64(*proxy.user + ":" + proxy.password);
}

// "Basic <credentials>" when the proxy URL has credentials, else nothing.
inline std::optional<std::string> proxy_authorization(const Proxy& proxy) {
    if (!proxy.user) return std::nullopt;
    return "Basic " + basic_credentials(proxy);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_PROXY_AUTHORIZATION_HPP
