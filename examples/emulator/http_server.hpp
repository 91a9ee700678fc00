// SPDX-License-Identifier: BSL-1.0
// A small HTTP/1.1 server (TLS or plain TCP, 127.0.0.1 only) for integration tests and the local emulator.
// It can misbehave on purpose: stall, close, drop or reset connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k6::emulator {

struct Request {
    std::string method{};  // "GET", "POST", ...
    std::string target{};  // request-target exactly as received, e.g. "/cloud/v6/schedules?$top=5"
    std::vector<std::pair<std::string, std::string>> headers{};  // in order received, names as received
    std::string body{};
    std::uint64_t connection_id = 0;                                 // 1, 2, 3... in accept order
    std::uint64_t request_index_on_connection = 0;                   // 0 for the first request on that connection
    std::optional<std::string> header(std::string_view name) const;  // case-insensitive lookup, first match
};

struct Response {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers{};  // e.g. {"Content-Type","application/json"}
    std::string body{};  // Content-Length set automatically (none for 1xx/204/304)
    std::chrono::milliseconds delay{
        0};                   // wait this long before writing anything (a stalled server); cut short by stop()
    bool close = false;       // send "Connection: close" and close after writing
    bool drop_after = false;  // keep-alive response, then silently close the TCP connection (no close_notify) --
                              // simulates a server dropping an idle keep-alive connection
    bool reset_before_response = false;  // abort: RST the connection (SO_LINGER 0) without answering (after `delay`)
    std::optional<std::size_t>
        reset_after_body_bytes{};  // write headers (with full Content-Length) and only this many body bytes, then RST
};

// Runs on the server thread; must not call HttpServer::stop() or destroy the server.
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
    bool tls = true;
    std::string cert_pem{}, key_pem{};  // required when tls
    std::uint16_t port = 0;             // 0 = any free port
    std::size_t max_request_body =
        1 << 20;  // larger → 413 with a JSON body {"error":{"code":"payload_too_large","message":"..."}} and close
    std::chrono::milliseconds idle_timeout{
        std::chrono::seconds(30)};  // a keep-alive connection idle this long is closed silently
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
};

namespace detail {
struct ServerState;
}

class HttpServer {
public:
    HttpServer(ServerOptions options, Handler handler);
    ~HttpServer();  // calls stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();  // binds 127.0.0.1:port, starts ONE background thread with its own io_context; returns once accepting
    void stop();   // stop accepting; in-flight requests finish (delays cut short); idle connections closed; joins
                   // thread. Idempotent.
    std::uint16_t port() const;
    std::string url() const;                     // "https://127.0.0.1:<port>" or "http://..."
    std::uint64_t connections_accepted() const;  // atomic counters, readable from any thread
    std::uint64_t requests_handled() const;
    std::uint64_t open_connections() const;
    std::size_t tls_handshake_failures() const;

private:
    std::unique_ptr<detail::ServerState> state_;
};

}  // namespace k6::emulator
