// SPDX-License-Identifier: BSL-1.0
// ClientOptions::validate and from_env (k6/schedules/options.hpp), and the endpoint they imply.
#include <k6/schedules.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <map>

using namespace k6::schedules;

namespace {

using Env = std::map<std::string, std::string, std::less<>>;

expected<ClientOptions> from(const Env& env) {
    return ClientOptions::from_env([&env](std::string_view name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    });
}

}  // namespace

TEST_CASE("from_env reads the four variables") {
    auto options = from({{"K6_CLOUD_API_URL", "http://127.0.0.1:8080"},
                         {"K6_CLOUD_TOKEN", "s3cret-token"},
                         {"K6_CLOUD_STACK_ID", "4242"},
                         {"K6_CLOUD_CA_FILE", "/tmp/ca.pem"}});
    REQUIRE(options.has_value());
    CHECK(options->api_url == "http://127.0.0.1:8080");
    CHECK(options->token == "s3cret-token");
    CHECK(options->stack_id == 4242);
    CHECK(options->ca_file == "/tmp/ca.pem");
    CHECK(options->validate().has_value());
}

TEST_CASE("from_env defaults the URL to https://api.k6.io and the CA file to none") {
    auto options = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", "1"}});
    REQUIRE(options.has_value());
    CHECK(options->api_url == "https://api.k6.io");
    CHECK_FALSE(options->ca_file.has_value());
    auto empty_url = from({{"K6_CLOUD_API_URL", ""}, {"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", "1"}});
    CHECK(empty_url.value().api_url == "https://api.k6.io");
}

TEST_CASE("from_env says what is missing, all at once") {
    auto none = from({});
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().kind == ErrorKind::invalid_argument);
    CHECK(none.error().message.find("K6_CLOUD_TOKEN is not set") != std::string::npos);
    CHECK(none.error().message.find("K6_CLOUD_STACK_ID is not set") != std::string::npos);
    CHECK(none.error().target == "K6_CLOUD_TOKEN");

    auto empty_token = from({{"K6_CLOUD_TOKEN", ""}, {"K6_CLOUD_STACK_ID", "1"}});
    REQUIRE_FALSE(empty_token.has_value());
    CHECK(empty_token.error().message.find("K6_CLOUD_TOKEN is not set") != std::string::npos);
}

TEST_CASE("from_env says what is malformed, without echoing the token") {
    for (std::string stack : {"abc", "12x", "-3", "0", "99999999999999999999", " 1"}) {
        CAPTURE(stack);
        auto options = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", stack}});
        REQUIRE_FALSE(options.has_value());
        CHECK(options.error().target == "K6_CLOUD_STACK_ID");
        CHECK(options.error().message.find("must be a positive integer") != std::string::npos);
    }
    for (std::string url : {"ftp://api.k6.io", "api.k6.io", "https://", "https://api.k6.io:99999",
                            "https://api.k6.io/?x=1", "https://user:pw@api.k6.io", "https://bad host"}) {
        CAPTURE(url);
        auto options = from({{"K6_CLOUD_API_URL", url}, {"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", "1"}});
        REQUIRE_FALSE(options.has_value());
        CHECK(options.error().target == "K6_CLOUD_API_URL");
        CHECK(options.error().message.find("pw") == std::string::npos);
    }
    auto injected = from({{"K6_CLOUD_TOKEN", "secret\r\nX-Evil: 1"}, {"K6_CLOUD_STACK_ID", "1"}});
    REQUIRE_FALSE(injected.has_value());
    CHECK(injected.error().target == "K6_CLOUD_TOKEN");
    CHECK(injected.error().message.find("secret") == std::string::npos);
}

TEST_CASE("from_env with K6_CLOUD_STACK_URL and no K6_CLOUD_STACK_ID leaves stack_id 0 for the client to resolve") {
    auto options = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_URL", "https://mystack.grafana.net"}});
    REQUIRE_MESSAGE(options.has_value(), options.error().message);
    CHECK(options->stack_id == 0);
    CHECK(options->stack_url == "https://mystack.grafana.net");
    CHECK(options->validate().has_value());
    // Set but empty counts as unset, so the stack id is missing again.
    auto empty = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_URL", ""}});
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().target == "K6_CLOUD_STACK_ID");
    CHECK(empty.error().message.find("K6_CLOUD_STACK_URL") != std::string::npos);  // says the alternative
}

TEST_CASE("from_env with both K6_CLOUD_STACK_ID and K6_CLOUD_STACK_URL uses the id and keeps the URL") {
    auto options = from({{"K6_CLOUD_TOKEN", "t0ken"},
                         {"K6_CLOUD_STACK_ID", "4242"},
                         {"K6_CLOUD_STACK_URL", "https://mystack.grafana.net"}});
    REQUIRE_MESSAGE(options.has_value(), options.error().message);
    CHECK(options->stack_id == 4242);
    CHECK(options->stack_url == "https://mystack.grafana.net");
    CHECK(options->validate().has_value());
    // Without the URL, nothing changes.
    CHECK_FALSE(from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", "4242"}}).value().stack_url.has_value());
}

TEST_CASE("from_env refuses an unusable K6_CLOUD_STACK_URL, naming the variable") {
    for (std::string url : {"mystack.grafana.net", "ftp://mystack.grafana.net", "https://", "https://a\r\nX-Evil: 1"}) {
        CAPTURE(url);
        auto options = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_URL", url}});
        REQUIRE_FALSE(options.has_value());
        CHECK(options.error().target == "K6_CLOUD_STACK_URL");
        CHECK(options.error().message.find_first_of("\r\n") == std::string::npos);  // quoted escaped, never raw
        auto with_id = from({{"K6_CLOUD_TOKEN", "t0ken"}, {"K6_CLOUD_STACK_ID", "1"}, {"K6_CLOUD_STACK_URL", url}});
        REQUIRE_FALSE(with_id.has_value());
        CHECK(with_id.error().target == "K6_CLOUD_STACK_URL");
    }
}

TEST_CASE("validate accepts stack_id 0 only with a usable stack_url") {
    ClientOptions options;
    options.token = "t";
    options.stack_id = 0;
    auto missing = options.validate();
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().target == "stack_id");

    options.stack_url = "https://mystack.grafana.net";
    CHECK(options.validate().has_value());
    options.stack_id = -1;  // a negative id is wrong whatever else is set
    REQUIRE_FALSE(options.validate().has_value());
    CHECK(options.validate().error().target == "stack_id");

    options.stack_id = 0;
    for (std::string url : {"", "mystack.grafana.net", "gopher://mystack.grafana.net", "https://a b", "https://a\n"}) {
        CAPTURE(url);
        options.stack_url = url;
        auto valid = options.validate();
        REQUIRE_FALSE(valid.has_value());
        CHECK(valid.error().target == "stack_url");
        CHECK(valid.error().kind == ErrorKind::invalid_argument);
    }
    // Client::create refuses the same, so an unusable URL is never sent.
    boost::asio::io_context io;
    auto client = Client::create(io, options);
    REQUIRE_FALSE(client.has_value());
    CHECK(client.error().target == "stack_url");
}

TEST_CASE("validate lists every problem and names the first setting") {
    ClientOptions options;
    options.api_url = "gopher://x";
    options.stack_id = -1;
    auto valid = options.validate();
    REQUIRE_FALSE(valid.has_value());
    CHECK(valid.error().target == "api_url");
    CHECK(valid.error().message.find("scheme must be https or http") != std::string::npos);
    CHECK(valid.error().message.find("token is empty") != std::string::npos);
    CHECK(valid.error().message.find("stack id must be a positive integer") != std::string::npos);

    options = {};
    options.token = "t";
    options.stack_id = 1;
    CHECK(options.validate().has_value());
    options.io_timeout = std::chrono::milliseconds{0};
    CHECK_FALSE(options.validate().has_value());
}

TEST_CASE("validate refuses http:// to a host that is not loopback unless allow_insecure_http, by address not prefix") {
    ClientOptions options;
    options.token = "t0ken-that-must-stay-private";
    options.stack_id = 1;
    for (std::string remote : {"http://192.0.2.1", "http://api.k6.io:8080/prefix", "http://127.evil.example",
                               "http://[::2]", "http://[::ffff:10.0.0.1]:80", "http://localhost.evil.example",
                               "http://10.0.0.1"}) {
        CAPTURE(remote);
        options.api_url = remote;
        options.allow_insecure_http = false;
        auto refused = options.validate();
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().kind == ErrorKind::invalid_argument);
        CHECK(refused.error().target == "api_url");
        CHECK(refused.error().message.find("unencrypted") != std::string::npos);
        CHECK(refused.error().message.find("allow_insecure_http") != std::string::npos);
        CHECK(refused.error().message.find(options.token) == std::string::npos);
        boost::asio::io_context io;
        CHECK(Client::create(io, options).error().target == "api_url");
        options.allow_insecure_http = true;
        CHECK(options.validate().has_value());
    }
    options.allow_insecure_http = false;
    for (std::string local : {"http://127.0.0.1", "http://127.1.2.3:8080", "http://localhost", "http://LOCALHOST:80",
                              "http://[::1]", "http://[::1]:8080/prefix", "https://192.0.2.1"}) {
        CAPTURE(local);
        options.api_url = local;
        CHECK(options.validate().has_value());
    }
}

TEST_CASE("Client::create reports invalid options and an unreadable CA file as values, never throwing") {
    boost::asio::io_context io;
    ClientOptions options;  // no token, no stack
    auto created = Client::create(io, options);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().kind == ErrorKind::invalid_argument);
    CHECK(created.error().target == "token");
    options.token = "t0ken";
    options.stack_id = 1;
    options.ca_file = "/nonexistent/ca.pem";
    created = Client::create(io.get_executor(), options);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().target == "ca_file");
    CHECK(created.error().message.find("/nonexistent/ca.pem") != std::string::npos);
    options.ca_file.reset();
    CHECK(Client::create(io, options).has_value());
}

TEST_CASE("the Client constructor refuses invalid options with std::invalid_argument") {
    boost::asio::io_context io;
    ClientOptions options;  // no token, no stack
    CHECK_THROWS_AS(Client(io, options), std::invalid_argument);
    options.token = "t0ken";
    options.stack_id = 1;
    options.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(Client(io, options), std::invalid_argument);
    options.ca_file.reset();
    CHECK_NOTHROW(Client(io, options));
}

TEST_CASE("the endpoint: host, port, Host header and path prefix") {
    using k6::schedules::detail::parse_endpoint;
    auto k6 = parse_endpoint("https://api.k6.io").value();
    CHECK(k6.tls);
    CHECK(k6.host == "api.k6.io");
    CHECK(k6.port == 443);
    CHECK(k6.host_header == "api.k6.io");
    CHECK(k6.base_path == "");

    auto local = parse_endpoint("http://127.0.0.1:8080/").value();
    CHECK_FALSE(local.tls);
    CHECK(local.port == 8080);
    CHECK(local.host_header == "127.0.0.1:8080");
    CHECK(local.base_path == "");

    auto upper = parse_endpoint("HTTPS://API.K6.IO:443/prefix/").value();
    CHECK(upper.host == "api.k6.io");
    CHECK(upper.host_header == "api.k6.io");
    CHECK(upper.base_path == "/prefix");

    auto v6 = parse_endpoint("https://[::1]:8443").value();
    CHECK(v6.host == "::1");
    CHECK(v6.host_header == "[::1]:8443");

    CHECK_FALSE(parse_endpoint("http://h:0").has_value());
    CHECK_FALSE(parse_endpoint("https://api.k6.io#frag").has_value());
}

TEST_CASE("proxy selection: explicit, HTTPS_PROXY/https_proxy, NO_PROXY, loopback and http:// bypass") {
    using k6::schedules::detail::parse_endpoint;
    using k6::schedules::detail::select_proxy;
    auto env = [](std::map<std::string, std::string, std::less<>> vars) {
        return [vars](std::string_view name) -> std::optional<std::string> {
            auto it = vars.find(name);
            return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
    };
    const auto k6 = parse_endpoint("https://api.k6.io").value();
    auto via = select_proxy(k6, std::nullopt, true, env({{"HTTPS_PROXY", "http://alice:s%40cret@proxy.corp:3128"}}));
    REQUIRE(via.proxy);
    CHECK_FALSE(via.unusable);
    CHECK(via.proxy->host == "proxy.corp");
    CHECK(via.proxy->port == 3128);
    CHECK_FALSE(via.proxy->tls);
    CHECK(via.proxy->display == "http://proxy.corp:3128");
    CHECK(via.proxy->user == "alice");  // decoded, for the CONNECT request's Proxy-Authorization
    CHECK(via.proxy->password == "s@cret");
    CHECK(select_proxy(k6, std::nullopt, true, env({{"https_proxy", "proxy.corp:8080"}})).proxy->port == 8080);
    for (const char* no_proxy :
         {"*", "api.k6.io", ".k6.io", "k6.io", "example.com, k6.io", "api.k6.io:443", " API.K6.IO "}) {
        CAPTURE(std::string(no_proxy));
        CHECK_FALSE(
            select_proxy(k6, std::nullopt, true, env({{"HTTPS_PROXY", "http://p:1"}, {"NO_PROXY", no_proxy}})).proxy);
    }
    for (const char* no_proxy : {"k6.io.evil", "pi.k6.io", "", "example.com"}) {
        CAPTURE(std::string(no_proxy));
        CHECK(select_proxy(k6, std::nullopt, true, env({{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", no_proxy}})).proxy);
    }
    CHECK_FALSE(select_proxy(k6, std::nullopt, false, env({{"HTTPS_PROXY", "http://p:1"}})).proxy);
    CHECK_FALSE(select_proxy(k6, std::nullopt, true, env({})).proxy);
    // Local servers: plain http:// and loopback hosts never take the environment's proxy...
    CHECK_FALSE(select_proxy(parse_endpoint("http://api.k6.io").value(), std::nullopt, true,
                             env({{"HTTPS_PROXY", "http://p:1"}}))
                    .proxy);
    for (const char* local : {"https://127.0.0.1:8443", "https://127.9.8.7:8443", "https://localhost:8443",
                              "https://[::1]:8443"})
        CHECK_FALSE(
            select_proxy(parse_endpoint(local).value(), std::nullopt, true, env({{"HTTPS_PROXY", "http://p:1"}}))
                .proxy);
    // Loopback is an address, not a prefix: a name that starts with "127." goes through the proxy.
    CHECK(select_proxy(parse_endpoint("https://127.evil.example").value(), std::nullopt, true,
                       env({{"HTTPS_PROXY", "http://p:1"}}))
              .proxy);
    // ...but an explicit proxy is used for them too.
    CHECK(select_proxy(parse_endpoint("https://127.0.0.1:8443").value(), std::string("http://127.0.0.1:3128"), true,
                       env({}))
              .proxy);
}

TEST_CASE("proxy URLs: http:// and https://, the scheme's port by default, as Go reads them") {
    using k6::schedules::detail::parse_proxy;
    CHECK(parse_proxy("http://proxy.corp").value().port == 80);
    CHECK(parse_proxy("proxy.corp").value().port == 80);  // http:// assumed
    const auto tls = parse_proxy("https://u:pw@proxy.corp").value();
    CHECK(tls.tls);
    CHECK(tls.port == 443);
    CHECK(tls.display == "https://proxy.corp:443");
    CHECK(tls.user == "u");
    CHECK(tls.password == "pw");
    CHECK_FALSE(parse_proxy("http://proxy.corp").value().user.has_value());
    CHECK(parse_proxy("HTTPS://proxy.corp:8443").value().port == 8443);
    CHECK_FALSE(parse_proxy("http://").has_value());
    auto socks = parse_proxy("socks5://u:pw@p:1080");
    REQUIRE_FALSE(socks.has_value());
    CHECK(socks.error().find("socks5") != std::string::npos);
    CHECK(socks.error().find("pw") == std::string::npos);
}

TEST_CASE("a proxy variable the client cannot use fails the requests, naming the variable, never its credentials") {
    using k6::schedules::detail::parse_endpoint;
    using k6::schedules::detail::select_proxy;
    const auto k6 = parse_endpoint("https://api.k6.io").value();
    for (const char* variable : {"HTTPS_PROXY", "https_proxy"}) {
        CAPTURE(std::string(variable));
        auto choice = select_proxy(k6, std::nullopt, true, [&](std::string_view name) -> std::optional<std::string> {
            if (name == variable) return "socks5://alice:hunter2@socks.corp:1080";
            return std::nullopt;
        });
        CHECK_FALSE(choice.proxy);
        REQUIRE(choice.unusable);
        CHECK(choice.unusable->kind == ErrorKind::invalid_argument);
        CHECK(choice.unusable->target == variable);
        CHECK(choice.unusable->message.starts_with(std::string(variable) + "="));
        CHECK(choice.unusable->message.find("NO_PROXY") != std::string::npos);
        CHECK(choice.unusable->message.find("hunter2") == std::string::npos);
        CHECK(choice.unusable->message.find("alice") == std::string::npos);
    }
    // The same variable no longer stops a Client from being made: its requests fail instead.
    // (ClientOptions::proxy, which the program sets itself, is checked by validate(), below.)
    ClientOptions options;
    options.token = "t0ken";
    options.stack_id = 1;
    options.proxy = "socks5://alice:hunter2@socks.corp:1080";
    auto invalid = options.validate();
    REQUIRE_FALSE(invalid.has_value());
    CHECK(invalid.error().target == "proxy");
    CHECK(invalid.error().message.find("hunter2") == std::string::npos);
}
