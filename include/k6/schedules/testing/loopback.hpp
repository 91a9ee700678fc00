// SPDX-License-Identifier: BSL-1.0
// A small HTTP/1.1 server (TLS or plain TCP, 127.0.0.1 only) and throw-away certificates, for tests.
// It can misbehave on purpose: stall, close, drop or reset connections. FakeApi
// (<k6/schedules/testing.hpp>) serves the Schedules API with it; a test that needs a server of its
// own can use it directly. It depends on nothing of the client, so that any test program can
// include it, whichever edition of the client (include/ or the single header) it uses.
#ifndef K6_SCHEDULES_TESTING_LOOPBACK_HPP
#define K6_SCHEDULES_TESTING_LOOPBACK_HPP

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// @file
/// k6::loopback: an HTTP/1.1 server on 127.0.0.1 that can misbehave on purpose, and run-time
/// certificates for it. Part of the CMake target k6::schedules_testing.

/// @namespace k6::loopback
/// An HTTP/1.1 server on 127.0.0.1 (HttpServer) and throw-away certificates (make_ca(), make_leaf())
/// for tests.
namespace k6::loopback {

/// A request as the server received it.
struct Request {
    std::string method{};  ///< "GET", "POST", ...
    std::string target{};  ///< The request-target exactly as received, e.g. "/cloud/v6/schedules?$top=5".
    std::vector<std::pair<std::string, std::string>> headers{};  ///< In the order received, names as received.
    std::string body{};                                           ///< The request body.
    std::uint64_t connection_id = 0;                              ///< 1, 2, 3... in accept order.
    std::uint64_t request_index_on_connection = 0;                ///< 0 for the first request on its connection.
    /// The first header named @p name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
};

/// What the server answers, and how.
struct Response {
    unsigned status = 200;                                       ///< The status code (100 to 999).
    std::vector<std::pair<std::string, std::string>> headers{};  ///< E.g. {"Content-Type", "application/json"}.
    std::string body{};  ///< Content-Length is set from it (none for 1xx, 204 and 304).
    /// Wait this long before writing anything (a stalled server); stop() cuts it short.
    std::chrono::milliseconds delay{0};
    bool close = false;  ///< Send "Connection: close" and close the connection after writing.
    /// Answer with keep-alive, then close the TCP connection silently (no close_notify): a server
    /// dropping an idle connection.
    bool drop_after = false;
    /// Answer nothing: reset the connection (after #delay).
    bool reset_before_response = false;
    /// Write the headers (with the full Content-Length) and only this many bytes of the body, then
    /// reset the connection.
    std::optional<std::size_t> reset_after_body_bytes{};
};

/// Makes the answer to a request. Runs on the server's thread (or strand), one request at a time;
/// it must not stop or destroy the server. An exception becomes a 500 answer.
using Handler = std::function<Response(const Request&)>;

/// How the server listens.
struct ServerOptions {
    bool tls = true;        ///< HTTPS (with #cert_pem and #key_pem), or plain HTTP.
    std::string cert_pem{};  ///< The server's certificate chain in PEM; required with #tls.
    std::string key_pem{};   ///< Its private key in PEM; required with #tls.
    std::uint16_t port = 0;  ///< 0: a free port.
    /// Larger request bodies get 413 with a JSON error body, and the connection is closed.
    std::size_t max_request_body = 1 << 20;
    /// A keep-alive connection idle this long is closed silently.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};  ///< For each TLS handshake.
};

/// @cond internal
namespace detail {
struct ServerState;
}
/// @endcond

/// An HTTP/1.1 server on 127.0.0.1, with a thread of its own or on an executor of the caller's.
class HttpServer {
public:
    /// A server that answers with @p handler; start() makes it listen. Throws std::invalid_argument
    /// when TLS is on without a certificate and key, or the handler is empty.
    HttpServer(ServerOptions options, Handler handler);
    /// Calls stop().
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;             ///< Not copyable: it owns a socket and a thread.
    HttpServer& operator=(const HttpServer&) = delete;  ///< Not copyable.

    /// Binds 127.0.0.1:port and starts one background thread with an io_context of its own; returns
    /// once connections are accepted. Throws on failure, and when already started.
    void start();
    /// Binds 127.0.0.1:port and serves on a strand of @p executor, which the caller runs. stop()
    /// then returns at once, and what is in flight ends on that executor.
    void start(boost::asio::any_io_executor executor);
    /// Stops accepting; requests in flight finish (delays cut short), idle connections are closed,
    /// and the server's own thread is joined. Idempotent. Throws std::logic_error when called from
    /// the server's own thread.
    void stop();
    std::uint16_t port() const;                  ///< The port it listens on (after start()).
    std::string url() const;                     ///< "https://127.0.0.1:<port>" or "http://...".
    std::uint64_t connections_accepted() const;  ///< Connections accepted so far (any thread).
    std::uint64_t requests_handled() const;      ///< Requests answered so far (any thread).
    std::uint64_t open_connections() const;      ///< Connections open now (any thread).
    std::size_t tls_handshake_failures() const;  ///< TLS handshakes that failed (any thread).

private:
    std::shared_ptr<detail::ServerState> state_;
};

/// A private key and its certificate, in PEM.
struct KeyAndCert {
    std::string key_pem;   ///< PKCS#8 "PRIVATE KEY".
    std::string cert_pem;  ///< The certificate.
};

/// A self-signed CA: EC P-256, basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign, a random
/// 128-bit serial, valid from an hour ago for 30 days, SHA-256.
KeyAndCert make_ca(std::string_view common_name);

/// A server certificate signed by @p ca: EC P-256, CA:FALSE, serverAuth, and the subjectAltName
/// entries of @p subject_alt_names, written like "DNS:localhost" or "IP:127.0.0.1".
KeyAndCert make_leaf(const KeyAndCert& ca, std::string_view common_name,
                     const std::vector<std::string>& subject_alt_names);

/// Writes @p text to @p path atomically (a temporary file, then a rename), readable by its owner only.
void write_file(const std::filesystem::path& path, std::string_view text);

}  // namespace k6::loopback

#endif  // K6_SCHEDULES_TESTING_LOOPBACK_HPP
