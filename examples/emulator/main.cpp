// SPDX-License-Identifier: BSL-1.0
// k6-schedules-emulator: the Schedules API on 127.0.0.1, for development without a Grafana Cloud
// account. Prints one JSON line {"url": ..., "ca_file": ...} once it accepts connections, and runs
// until SIGINT or SIGTERM. The service itself is k6::schedules_testing's (FakeApi serves the same);
// this program adds flags, a data file and the certificate files.
#include <k6/schedules/testing/detail/emulator.hpp>
#include <k6/schedules/testing/detail/generate.hpp>
#include <k6/schedules/testing/loopback.hpp>

#include <k6/schedules/version.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <string_view>

namespace emu = k6::schedules::testing::detail;
namespace loopback = k6::loopback;

namespace {

constexpr std::string_view usage = R"(usage: k6-schedules-emulator [OPTIONS]

Serves the k6 Schedules REST API from memory on 127.0.0.1.

  --port N            port to listen on (default 0: a free port)
  --http              plain HTTP instead of HTTPS
  --cert-dir DIR      where to write the generated CA and server certificate
                      (default: a new temporary directory)
  --token T           the accepted bearer token (default: $K6_CLOUD_TOKEN)
  --stack-id N        the accepted X-Stack-Id (default: $K6_CLOUD_STACK_ID, else 1)
  --stack-url URL     the X-Stack-Url that GET /cloud/v6/auth answers for with the
                      stack id; any other is 403 (default https://emulator.grafana.net)
  --default-project-id N
                      the default_project_id GET /cloud/v6/auth answers (default 1)
  --load-tests LIST   ids of existing load tests, e.g. 1-100,250 (default 1-100;
                      1-(N+100) with --generate N)
  --now RFC3339       a fixed clock, for deterministic runs
  --public-url URL    the base of @nextLink links, for clients reaching the emulator
                      through a proxy (default: the scheme and the request's Host)
  --data FILE         keep the schedules in FILE (JSON, rewritten atomically after
                      every change) and load them from it at start
  --generate N        start with N made-up schedules (at most 1000000), each on a
                      load test without one: cron in many time zones, RRULEs of
                      every frequency, one-offs, some expired or deactivated. Made
                      from --seed and the clock's day: the same with --now. With
                      --data they are added to FILE's and written to it
  --help              this text
  --version           print the version and exit

Fault injection (off by default; decisions are seeded, so runs repeat):
  --latency-ms N      wait N ms before every answer
  --error-rate P      answer this fraction of requests 500 or 503 (not applied)
  --error-burst N     each such error starts a burst: N - 1 more requests get 503 (default 1)
  --throttle-rate P   answer this fraction 429 with Retry-After (not applied)
  --retry-after V     the Retry-After value: seconds, an HTTP-date, or +N for the
                      HTTP-date N seconds after each answer (default 1)
  --reset-rate P      apply this fraction, then reset the connection mid-answer
  --stall-rate P      apply this fraction, then hold the answer back (--stall-ms)
  --stall-ms N        how long a stalled answer is held back (default 30000)
  --drop-rate P       answer this fraction with keep-alive, then close the
                      connection without notice
  --close             send "Connection: close" with every answer
  --seed N            seed of the fault decisions and of --generate (default 1)

The first line on stdout is {"url": "...", "ca_file": "..."} (ca_file is null with --http).
)";

[[noreturn]] void fail_usage(const std::string& message) {
    std::cerr << "k6-schedules-emulator: " << message << "\n\n" << usage;
    std::exit(2);
}

long long number(std::string_view flag, const std::string& text, long long min, long long max) {
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || n < min || n > max)
        fail_usage(std::string(flag) + " must be a whole number from " + std::to_string(min) + " to " +
                   std::to_string(max));
    return n;
}

double rate(std::string_view flag, const std::string& text) {
    char* end = nullptr;
    const double r = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(r >= 0 && r <= 1))
        fail_usage(std::string(flag) + " must be a fraction from 0 to 1");
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    emu::EmulatorOptions options;
    loopback::ServerOptions server_options;
    std::filesystem::path cert_dir;
    if (const char* token = std::getenv("K6_CLOUD_TOKEN")) options.token = token;
    std::string stack = std::getenv("K6_CLOUD_STACK_ID") ? std::getenv("K6_CLOUD_STACK_ID") : "1";
    std::string load_tests = "1-100";
    bool load_tests_given = false;

    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) fail_usage(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "k6-schedules-emulator " << k6::schedules::version << '\n';
            return 0;
        } else if (arg == "--port") {
            server_options.port = static_cast<std::uint16_t>(number(arg, value(), 0, 65535));
        } else if (arg == "--http") {
            server_options.tls = false;
        } else if (arg == "--cert-dir") {
            cert_dir = value();
        } else if (arg == "--token") {
            options.token = value();
        } else if (arg == "--stack-id") {
            stack = value();
        } else if (arg == "--stack-url") {
            options.stack_url = value();
            if (!options.stack_url.starts_with("http://") && !options.stack_url.starts_with("https://"))
                fail_usage("--stack-url must start with http:// or https://");
        } else if (arg == "--default-project-id") {
            options.default_project_id = number(arg, value(), 1, std::numeric_limits<long long>::max());
        } else if (arg == "--load-tests") {
            load_tests = value();
            load_tests_given = true;
        } else if (arg == "--now") {
            const std::string text = value();
            const auto now = k6::schedules::parse_rfc3339(text);
            if (!now) fail_usage("--now: " + std::string(now.error()));
            options.now = [fixed = *now] { return fixed; };
        } else if (arg == "--public-url") {
            std::string url = value();
            while (!url.empty() && url.back() == '/') url.pop_back();
            if (!url.starts_with("http://") && !url.starts_with("https://"))
                fail_usage("--public-url must start with http:// or https://");
            options.public_url = std::move(url);
        } else if (arg == "--data") {
            options.data_file = value();
        } else if (arg == "--generate") {
            options.generate = static_cast<std::size_t>(
                number(arg, value(), 0, static_cast<long long>(emu::max_generated_schedules)));
        } else if (arg == "--latency-ms") {
            options.faults.latency = std::chrono::milliseconds(number(arg, value(), 0, 600'000));
        } else if (arg == "--error-rate") {
            options.faults.error_rate = rate(arg, value());
        } else if (arg == "--throttle-rate") {
            options.faults.throttle_rate = rate(arg, value());
        } else if (arg == "--error-burst") {
            options.faults.error_burst = static_cast<unsigned>(number(arg, value(), 1, 1'000'000));
        } else if (arg == "--retry-after") {
            options.faults.retry_after = value();
            if (options.faults.retry_after.starts_with('+'))
                number(arg, options.faults.retry_after.substr(1), 0, 86'400);  // +N: N is checked here
        } else if (arg == "--stall-rate") {
            options.faults.stall_rate = rate(arg, value());
        } else if (arg == "--stall-ms") {
            options.faults.stall = std::chrono::milliseconds(number(arg, value(), 0, 3'600'000));
        } else if (arg == "--drop-rate") {
            options.faults.drop_rate = rate(arg, value());
        } else if (arg == "--reset-rate") {
            options.faults.reset_rate = rate(arg, value());
        } else if (arg == "--close") {
            options.faults.close_connections = true;
        } else if (arg == "--seed") {
            options.faults.seed =
                static_cast<std::uint64_t>(number(arg, value(), 0, std::numeric_limits<long long>::max()));
            options.generate_seed = options.faults.seed;
        } else {
            fail_usage("unknown option " + std::string(arg));
        }
    }
    if (options.token.empty()) fail_usage("a token is required (--token or K6_CLOUD_TOKEN)");
    char* end = nullptr;
    options.stack_id = std::strtoll(stack.c_str(), &end, 10);
    if (stack.empty() || *end != '\0' || options.stack_id < 1) fail_usage("the stack id must be a positive integer");
    auto ids = emu::parse_id_list(load_tests);
    if (!ids) fail_usage("--load-tests must look like 1-100,250");
    options.load_tests = std::move(*ids);
    // The default leaves room for one generated schedule per load test (the API keeps one each),
    // next to the schedules a --data file has on 1-100.
    if (!load_tests_given)
        for (std::int64_t id = 101; id <= static_cast<std::int64_t>(options.generate) + 100; ++id)
            options.load_tests.insert(options.load_tests.end(), id);
    if (options.generate > options.load_tests.size())
        fail_usage("--generate " + std::to_string(options.generate) + " needs as many load tests; --load-tests has " +
                   std::to_string(options.load_tests.size()));
    options.tls = server_options.tls;

    boost::json::value ca_file = nullptr;
    try {
        if (server_options.tls) {
            if (cert_dir.empty()) {
                std::string pattern =
                    (std::filesystem::temp_directory_path() / "k6-schedules-emulator-XXXXXX").string();
                if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
                cert_dir = pattern;
            }
            std::filesystem::create_directories(cert_dir);
            const auto ca = loopback::make_ca("k6-schedules-emulator CA");
            const auto leaf = loopback::make_leaf(ca, "127.0.0.1", {"IP:127.0.0.1", "DNS:localhost"});
            loopback::write_file(cert_dir / "ca.pem", ca.cert_pem);
            loopback::write_file(cert_dir / "server.pem", leaf.cert_pem);
            loopback::write_file(cert_dir / "server-key.pem", leaf.key_pem);
            server_options.cert_pem = leaf.cert_pem;
            server_options.key_pem = leaf.key_pem;
            ca_file = std::filesystem::absolute(cert_dir / "ca.pem").string();
        }

        // Block the stop signals before the server thread starts, so that only sigwait sees them.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

        const bool faulty = options.faults.any();
        emu::Emulator emulator(std::move(options));
        loopback::HttpServer server(server_options,
                               [&emulator](const loopback::Request& request) { return emulator.handle(request); });
        server.start();
        std::cout << boost::json::serialize(boost::json::object{{"url", server.url()}, {"ca_file", ca_file}})
                  << std::endl;

        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stop();  // finishes the requests in flight
        std::cerr << "k6-schedules-emulator: stopped (" << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ")";
        if (faulty) std::cerr << "; " << emulator.fault_counts().to_string();
        std::cerr << "\n";
    } catch (const std::exception& e) {
        std::cerr << "k6-schedules-emulator: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
