// SPDX-License-Identifier: BSL-1.0
// Connections through a real HTTP proxy (Debian's tinyproxy, started by the test on 127.0.0.1)
// with CONNECT and basic authentication.
#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using k6::test::run;
using k6::test::TestServer;

namespace {

std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// tinyproxy in the foreground, allowing CONNECT to `target_port` for proxyuser:proxypass only.
class Tinyproxy {
public:
    explicit Tinyproxy(std::uint16_t target_port) : port_(free_port()) {
        dir_ = k6::test::Pki::get().directory / ("tinyproxy-" + std::to_string(port_));
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "tinyproxy.conf") << "Port " << port_
                                               << "\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n"
                                                  "BasicAuth proxyuser proxypass\nConnectPort "
                                               << target_port << "\nLogFile \"" << (dir_ / "tinyproxy.log").string()
                                               << "\"\nLogLevel Connect\nMaxClients 20\n";
        const std::string binary = "/usr/bin/tinyproxy", config = (dir_ / "tinyproxy.conf").string();
        REQUIRE_MESSAGE(std::filesystem::exists(binary), "tinyproxy is not installed: run tools/setup.sh");
        char* argv[] = {const_cast<char*>(binary.c_str()), const_cast<char*>("-d"), const_cast<char*>("-c"),
                        const_cast<char*>(config.c_str()), nullptr};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        REQUIRE(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        for (int i = 0; i < 100; ++i) {  // until it accepts connections
            asio::io_context io;
            asio::ip::tcp::socket probe(io);
            boost::system::error_code ec;
            probe.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("tinyproxy did not start");
    }
    ~Tinyproxy() {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    std::string url(const char* credentials = "proxyuser:proxypass") const {
        return std::string("http://") + credentials + "@127.0.0.1:" + std::to_string(port_);
    }
    std::string log() const {
        std::ifstream in(dir_ / "tinyproxy.log");
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::uint16_t port_;
    std::filesystem::path dir_;
    pid_t pid_ = 0;
};

}  // namespace

TEST_CASE("through an authenticating HTTP proxy with CONNECT, TLS and the token stay end to end") {
    TestServer server(TestServer::ok_json(
        R"({"id": 1, "load_test_id": 2, "starts": "2025-01-01T00:00:00Z", "recurrence_rule": null, "cron": null,
            "deactivated": false, "next_run": null, "created_by": null})"));
    Tinyproxy proxy(server.server().port());
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url();
    Client client(io, options);
    auto schedule = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_MESSAGE(schedule.has_value(), schedule.error().to_string());
    CHECK(schedule->load_test_id == LoadTestId{2});
    REQUIRE(run(io, client.async_get_schedule(ScheduleId{1})).has_value());
    // The proxy saw one tunnel to the API server, kept alive for both requests; the server got
    // the bearer token, which the proxy only ever saw encrypted.
    const std::string log = proxy.log();
    CHECK(log.find("CONNECT 127.0.0.1:" + std::to_string(server.server().port())) != std::string::npos);
    CHECK(log.find(k6::test::test_token) == std::string::npos);
    CHECK(server.server().connections_accepted() == 1);
    CHECK(server.requests().at(0).header("Authorization") == std::string(k6::test::test_authorization));
}

TEST_CASE("a proxy that refuses the credentials is a transport error that hides them") {
    TestServer server;
    Tinyproxy proxy(server.server().port());
    asio::io_context io;
    auto options = server.client_options();
    options.proxy = proxy.url("proxyuser:wrong-password");
    Client client(io, options);
    auto result = run(io, client.async_get_schedule(ScheduleId{1}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::transport);
    CHECK(result.error().message.find("refused to CONNECT") != std::string::npos);
    // tinyproxy answers 401 where RFC 9110 says 407; either way the status is in the message.
    CHECK_MESSAGE((result.error().message.find(": 401 ") != std::string::npos ||
                   result.error().message.find(": 407 ") != std::string::npos),
                  result.error().message);
    CHECK(result.error().message.find("wrong-password") == std::string::npos);
    CHECK(server.requests().empty());
}
