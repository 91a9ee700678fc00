// SPDX-License-Identifier: BSL-1.0
// FakeApi: the Schedules API in-process, for the unit tests of code that uses the client. It is the
// emulator (k6-schedules-emulator) as a library: the same validation, next_run, @nextLink, 409 on an
// expired schedule and auth, over real HTTP(S) on 127.0.0.1, with failures to script and every
// request recorded. CMake target k6::schedules_testing (it links k6::schedules_compiled).
#ifndef K6_SCHEDULES_TESTING_HPP
#define K6_SCHEDULES_TESTING_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/testing/loopback.hpp>
#include <k6/schedules/time.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

/// @file
/// k6::schedules::testing::FakeApi, the Schedules API in-process for unit tests (CMake target
/// k6::schedules_testing). docs/testing.md shows how to use it.

K6_SCHEDULES_BEGIN_NAMESPACE

/// @namespace k6::schedules::testing
/// FakeApi: the Schedules API in-process, for the unit tests of code that uses the client.
namespace testing {

/// Faults injected at random into the answers, at these rates (0 to 1), decided by a generator
/// seeded with #seed: the same requests in the same order misbehave the same way. Off by default.
struct Faults {
    std::chrono::milliseconds latency{0};  ///< Added before every answer.
    double error_rate = 0;     ///< Answered 500 or 503 instead (the request is not applied).
    unsigned error_burst = 1;  ///< Each such error is followed by this many minus one more 503 answers.
    double throttle_rate = 0;  ///< Answered 429 with Retry-After instead (not applied).
    std::string retry_after = "1";  ///< The Retry-After: delta-seconds, an HTTP-date, or "+N" (the date N s later).
    double reset_rate = 0;  ///< Applied, then the connection is reset half-way through the answer.
    double stall_rate = 0;  ///< Applied, then the answer is held back for #stall.
    std::chrono::milliseconds stall{std::chrono::seconds(30)};  ///< How long a stalled answer waits.
    double drop_rate = 0;            ///< Answered with keep-alive, then the connection is closed silently.
    bool close_connections = false;  ///< "Connection: close" on every answer.
    std::uint64_t seed = 1;          ///< The seed of the decisions.

    /// Whether any fault is on.
    bool any() const {
        return latency.count() > 0 || error_rate > 0 || throttle_rate > 0 || reset_rate > 0 || stall_rate > 0 ||
               drop_rate > 0 || close_connections;
    }
};

/// How many answers each fault of Faults shaped.
struct FaultCounts {
    std::uint64_t answers = 0;    ///< Every answer, faulty or not.
    std::uint64_t errors = 0;     ///< Answered 500 or 503.
    std::uint64_t throttled = 0;  ///< Answered 429.
    std::uint64_t resets = 0;     ///< Reset half-way.
    std::uint64_t stalls = 0;     ///< Held back.
    std::uint64_t drops = 0;      ///< Closed silently after the answer.

    /// "N answers; injected: ...", one line.
    std::string to_string() const {
        return std::to_string(answers) + " answers; injected: " + std::to_string(errors) + " 500/503, " +
               std::to_string(throttled) + " 429, " + std::to_string(resets) + " resets, " + std::to_string(stalls) +
               " stalls, " + std::to_string(drops) + " drops";
    }
};

/// What a FakeApi accepts and how it serves.
struct FakeApiOptions {
    bool tls = true;  ///< HTTPS with a CA made in memory (once per process), or plain HTTP on 127.0.0.1.
    std::string token = "k6-fake-api-token";  ///< The one bearer token accepted (any other: 401).
    std::int64_t stack_id = 1;                ///< The one X-Stack-Id accepted (any other: 403).
    /// The stack URL that GET /cloud/v6/auth resolves to #stack_id (any other: 403).
    std::string stack_url = "https://fake-api.grafana.net";
    std::int64_t default_project_id = 1;  ///< What GET /cloud/v6/auth answers next to the stack id.
    std::int64_t load_tests = 1000;       ///< Load tests 1 to this exist (add_schedule() adds any other).
    /// A fixed clock for next_run and expiry (the system clock when empty); see FakeApi::set_now().
    std::optional<Timestamp> now{};
    std::string created_by = "fake-api@example.com";  ///< The created_by of every schedule.
    Faults faults{};                                  ///< Random faults; off by default.
};

/// Answers a request in place of the emulator; see FakeApi::on().
using RouteHandler = std::function<loopback::Response(const loopback::Request&)>;

/// The Schedules API on 127.0.0.1, in-process: what a test of code that uses the client talks to.
///
/// It serves the seven schedule operations and GET /cloud/v6/auth with the rules of the real
/// service (validation, next_run, `\@nextLink` paging, 409 when activating an expired schedule, 401
/// for another token, 403 for another stack), from memory, on an ephemeral port, with a thread of
/// its own or on an executor the test runs. A test seeds state (add_schedule(), set_now()),
/// scripts failures (fail_next(), throttle_next(), delay_next(), reset_next(), set_faults(), on()),
/// points a client at it (client_options()) and checks what the client sent (requests()).
///
/// Every member may be called from any thread. Destroying it stops the server: with a thread of its
/// own, requests in flight finish first (their delays cut short); on the caller's executor, what is
/// in flight ends there.
class FakeApi {
public:
    /// Starts serving, on a thread of its own. Throws std::runtime_error when it cannot listen.
    explicit FakeApi(FakeApiOptions options = {});
    /// Starts serving on a strand of @p executor, which the caller runs (a single-threaded test can
    /// run the client and the fake on one io_context).
    explicit FakeApi(boost::asio::any_io_executor executor, FakeApiOptions options = {});
    /// Stops serving.
    ~FakeApi();
    FakeApi(const FakeApi&) = delete;             ///< Not copyable: it owns a server.
    FakeApi& operator=(const FakeApi&) = delete;  ///< Not copyable.

    /// Options for Client::create(): the URL, the token, the stack id and, over HTTPS, a TLS
    /// context that trusts this fake's CA (verification stays on). The rest are the defaults,
    /// retries included; change what the test needs.
    ClientOptions client_options() const;
    /// "https://127.0.0.1:<port>" (or http://).
    const std::string& url() const;
    /// The accepted token.
    const std::string& token() const;
    /// The CA that signed the server's certificate, in PEM (empty over plain HTTP).
    const std::string& ca_pem() const;

    /// Stores a schedule for @p load_test, as POST /cloud/v6/load_tests/{id}/schedule would
    /// (replacing the load test's schedule, if any), deactivated when asked, and returns it as the
    /// API would. Throws std::invalid_argument, with the API's validation message, when the request
    /// is invalid.
    Schedule add_schedule(LoadTestId load_test, const CreateScheduleRequest& request, bool deactivated = false);
    /// Every stored schedule, in id order, as the API shows them now.
    std::vector<Schedule> schedules() const;
    /// Sets the clock that next_run and expiry are computed from.
    void set_now(Timestamp now);

    /// The next @p count requests, whatever they are, are answered @p status with the API's error
    /// body ({"error": {"code", "message"}}) and not applied.
    void fail_next(unsigned status, std::size_t count = 1);
    /// The next @p count requests are answered 429 with this Retry-After, and not applied.
    void throttle_next(std::string retry_after = "1", std::size_t count = 1);
    /// The next @p count answers wait @p delay first (they are applied and answered as usual).
    void delay_next(std::chrono::milliseconds delay, std::size_t count = 1);
    /// The next @p count requests get their connection reset, without an answer, and are not applied.
    void reset_next(std::size_t count = 1);
    /// Random faults from now on (FakeApiOptions::faults at start), with their counts restarted.
    void set_faults(const Faults& faults);
    /// What the random faults have done since they were set.
    FaultCounts fault_counts() const;

    /// Answers @p method requests for @p path (the target without its query, e.g.
    /// "/cloud/v6/schedules/7") with @p handler instead, for what the emulator cannot produce: any
    /// status, header or body, a stall, a reset. Replaces an earlier handler of the same route;
    /// scripted failures (fail_next() and the like) still come first. The handler runs on the
    /// server's thread and may call this FakeApi's members.
    void on(std::string method, std::string path, RouteHandler handler);
    /// Removes every handler set with on().
    void clear_routes();

    /// Every request received so far, in order, with the token shown as "[redacted]" wherever it
    /// appears (the Authorization header reads "Bearer [redacted]").
    std::vector<loopback::Request> requests() const;
    /// Forgets the requests received so far.
    void clear_requests();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace testing
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_TESTING_HPP
