// SPDX-License-Identifier: BSL-1.0
// The Schedules API as a local, in-memory service: routing, auth, validation and storage.
// The HTTP(S) side is k6::loopback::HttpServer; this class only maps a Request to a Response.
// FakeApi (k6/schedules/testing.hpp) and k6-schedules-emulator both serve it.
#pragma once

#include <k6/schedules/testing/detail/fault_injector.hpp>
#include <k6/schedules/testing/loopback.hpp>
#include <k6/schedules/testing/detail/store.hpp>

#include <k6/schedules/error.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/recurrence.hpp>
#include <k6/schedules/time.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

struct EmulatorOptions {
    std::string token;                          // the one accepted bearer token
    std::int64_t stack_id = 1;                  // the one accepted X-Stack-Id
    std::string stack_url = "https://emulator.grafana.net";  // the X-Stack-Url that GET /cloud/v6/auth knows
    std::int64_t default_project_id = 1;                     // what GET /cloud/v6/auth answers with it
    std::set<std::int64_t> load_tests;          // ids of the load tests that exist
    bool tls = true;                            // scheme of the @nextLink URLs
    std::optional<std::string> public_url;      // base of @nextLink behind a proxy (default: scheme + Host header)
    std::function<schedules::Timestamp()> now;  // the clock (system clock when empty)
    std::string created_by = "emulator@example.com";
    std::optional<std::filesystem::path> data_file;  // persisted there after every change, loaded at start
    std::size_t generate = 0;                        // schedules made up at start, after data_file's (generate.hpp)
    std::uint64_t generate_seed = 1;                 // what they are made from: the same seed, the same schedules
    Faults faults;                                   // off by default
};

class Emulator {
public:
    // Throws std::runtime_error when the data file exists but cannot be loaded.
    explicit Emulator(EmulatorOptions options);

    // Thread-safe; called on the server thread.
    loopback::Response handle(const loopback::Request& request);

    // What fault injection has done so far (thread-safe).
    FaultCounts fault_counts();
    // New fault rates from now on, with the counts started again (thread-safe).
    void set_faults(const Faults& faults);

    // Stores a schedule for `load_test` as POST /cloud/v6/load_tests/{id}/schedule would (the load
    // test is made to exist first), and returns it; deactivated when asked. The API's validation
    // applies: an invalid request is the error (thread-safe).
    expected<Schedule> add_schedule(LoadTestId load_test, const CreateScheduleRequest& request, bool deactivated);
    // Every schedule, in id order, as GET would show it now (thread-safe).
    std::vector<Schedule> schedules();

private:
    struct Stored {
        schedules::ScheduleId id;
        schedules::LoadTestId load_test_id;
        schedules::CreateScheduleRequest request;
        schedules::Recurrence recurrence;  // compiled once: next_run is asked for on every read
        bool deactivated = false;
    };

    using Request = loopback::Request;
    using Response = loopback::Response;
    Response route(const Request& request);
    Response authenticate(const Request& request);
    Response get_load_test_schedule(std::int64_t load_test);
    Response set_load_test_schedule(std::int64_t load_test, const std::string& body);
    Response list_schedules(const Request& request);
    Response get_schedule(std::int64_t id);
    Response delete_schedule(std::int64_t id);
    Response activate_schedule(std::int64_t id);
    Response deactivate_schedule(std::int64_t id);
    // Stores a valid request as the load test's schedule, replacing the one it had, under mutex_.
    Stored& store(std::int64_t load_test, CreateScheduleRequest request, Recurrence recurrence);

    schedules::Schedule view(const Stored& stored) const;
    schedules::Timestamp now() const;
    void persist();  // after every change, when there is a data file

    std::mutex mutex_;
    EmulatorOptions options_;
    std::map<std::int64_t, Stored> schedules_;           // by schedule id, listed in id order
    std::map<std::int64_t, std::int64_t> by_load_test_;  // load test id -> schedule id
    std::int64_t next_id_ = 1;
    FaultInjector faults_;
};

// "1-100,250" -> {1..100, 250}; nullopt when malformed.
std::optional<std::set<std::int64_t>> parse_id_list(std::string_view text);

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
