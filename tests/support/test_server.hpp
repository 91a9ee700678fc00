// SPDX-License-Identifier: BSL-1.0
// An HTTPS server on 127.0.0.1 in the test process, with certificates generated at test time,
// that records what it receives and answers as each test says. Built on k6::loopback, the server behind FakeApi.
#pragma once

#include <k6/schedules.hpp>

#include <k6/schedules/testing/loopback.hpp>

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k6::test {

namespace emu = k6::loopback;

inline constexpr const char* test_token = "test-token-9f8e7d6c5b4a";
// The Authorization header the client sends with test_token. (Spelled as a literal: GCC 12 at -O3
// warns falsely, -Warray-bounds, about std::string("Bearer ") + test_token once inlined.)
inline constexpr const char* test_authorization = "Bearer test-token-9f8e7d6c5b4a";
static_assert(std::string_view(test_authorization).substr(7) == std::string_view(test_token));
inline constexpr std::int64_t test_stack_id = 4242;

// The certificates of one test process: a CA the client trusts, a server certificate for
// 127.0.0.1/localhost, one for another host name, and a CA the client does not know.
struct Pki {
    emu::KeyAndCert ca, leaf, wrong_host_leaf, unknown_ca, unknown_ca_leaf;
    std::filesystem::path directory, ca_file;

    static const Pki& get() {
        static const Pki pki;
        return pki;
    }

private:
    Pki() {
        ca = emu::make_ca("k6-schedules test CA");
        leaf = emu::make_leaf(ca, "127.0.0.1", {"IP:127.0.0.1", "DNS:localhost"});
        wrong_host_leaf = emu::make_leaf(ca, "api.example.invalid", {"DNS:api.example.invalid"});
        unknown_ca = emu::make_ca("some other CA");
        unknown_ca_leaf = emu::make_leaf(unknown_ca, "127.0.0.1", {"IP:127.0.0.1", "DNS:localhost"});
        std::string pattern = (std::filesystem::temp_directory_path() / "k6-schedules-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        directory = pattern;
        ca_file = directory / "ca.pem";
        emu::write_file(ca_file, ca.cert_pem);
    }
};

// Starts at construction, stops at destruction. The answer function may be replaced at any time.
class TestServer {
public:
    using Answer = std::function<emu::Response(const emu::Request&)>;

    TestServer() : TestServer(ok_json("{}")) {}
    explicit TestServer(Answer answer) : TestServer(std::move(answer), tls_options()) {}
    TestServer(Answer answer, emu::ServerOptions options)
        : answer_(std::move(answer)), server_(std::move(options), [this](const emu::Request& request) {
              std::lock_guard lock(mutex_);
              requests_.push_back(request);
              return answer_(request);
          }) {
        server_.start();
    }

    static emu::ServerOptions tls_options(const emu::KeyAndCert& cert = Pki::get().leaf) {
        emu::ServerOptions options;
        options.tls = true;
        options.cert_pem = cert.cert_pem;
        options.key_pem = cert.key_pem;
        return options;
    }

    static emu::ServerOptions plain_options() {
        emu::ServerOptions options;
        options.tls = false;
        return options;
    }

    static Answer ok_json(std::string body, unsigned status = 200) {
        return [body = std::move(body), status](const emu::Request&) {
            emu::Response response;
            response.status = status;
            response.headers = {{"Content-Type", "application/json"}};
            response.body = body;
            return response;
        };
    }

    void answer(Answer answer) {
        std::lock_guard lock(mutex_);
        answer_ = std::move(answer);
    }

    std::vector<emu::Request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    emu::HttpServer& server() { return server_; }

    // Options for a client of this server: its URL, the test token and stack, the test CA.
    k6::schedules::ClientOptions client_options() const {
        k6::schedules::ClientOptions options;
        options.api_url = server_.url();
        options.token = test_token;
        options.stack_id = test_stack_id;
        options.ca_file = Pki::get().ca_file.string();
        options.connect_timeout = std::chrono::seconds(5);
        options.io_timeout = std::chrono::seconds(5);
        options.retry.max_retries = 0;           // each test sees every answer; the retry tests turn it on
        options.proxy_from_environment = false;  // whatever the machine's HTTPS_PROXY says
        return options;
    }

private:
    mutable std::mutex mutex_;
    Answer answer_;
    std::vector<emu::Request> requests_;
    emu::HttpServer server_;  // last: stopped (joined) before the members its handler uses go away
};

// Runs a deferred operation (or co_spawn(..., deferred)) on `io` until it completes, bounded in
// time. Other work (a read-ahead, say) may still be pending when it returns.
template <class Deferred>
auto run(boost::asio::io_context& io, Deferred&& operation, std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto future = std::forward<Deferred>(operation)(boost::asio::use_future);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
        if (io.stopped()) io.restart();
        io.run_one_for(std::chrono::milliseconds(50));
    }
    REQUIRE_MESSAGE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                    "the operation did not complete in time");
    return future.get();
}

}  // namespace k6::test
