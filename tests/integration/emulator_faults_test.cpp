// SPDX-License-Identifier: BSL-1.0
// The client against a misbehaving emulator over real TLS on 127.0.0.1: resets mid-body, bursts of
// 503, 429 with Retry-After in both forms, stalls, keep-alive connections dropped without notice.
// Whatever the faults, a listing yields each schedule exactly once and every mutation ends applied
// exactly as acknowledged.
#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <k6/schedules/testing/detail/emulator.hpp>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::schedules::testing::detail;
namespace loopback = k6::loopback;
using k6::test::Pki;
using k6::test::run;

namespace {

constexpr const char* token = "faults-test-token";
constexpr std::int64_t stack = 5;

emu::EmulatorOptions service_options(const std::filesystem::path& data_file, k6::schedules::testing::Faults faults = {}) {
    emu::EmulatorOptions options;
    options.token = token;
    options.stack_id = stack;
    options.load_tests = *emu::parse_id_list("1-1000");
    options.tls = true;
    options.data_file = data_file;
    options.faults = std::move(faults);
    return options;
}

// What the faults did, seen from the server: every answer as the emulator shaped it.
struct Observed {
    std::atomic<int> answers{0}, throttled{0}, errors{0}, resets{0}, stalls{0}, drops{0};
    std::atomic<std::uint64_t> connections{0};
    std::string summary() const {
        return "answers " + std::to_string(answers) + ", 429 " + std::to_string(throttled) + ", 5xx " +
               std::to_string(errors) + ", resets " + std::to_string(resets) + ", stalls " + std::to_string(stalls) +
               ", drops " + std::to_string(drops) + ", connections " + std::to_string(connections);
    }
};

// The emulator over TLS, its data seeded without faults first: schedules for load tests
// 1..seeded. Faults apply to everything the client then sends.
class FaultyService {
public:
    FaultyService(k6::schedules::testing::Faults faults, int seeded, std::chrono::milliseconds server_idle_timeout = 30s)
        : directory_(make_directory()),
          emulator_(seed(directory_ / "data.json", seeded, faults)),
          server_(server_options(server_idle_timeout), [this](const loopback::Request& request) {
              auto response = emulator_.handle(request);
              observe(request, response);
              return response;
          }) {
        server_.start();
    }
    ~FaultyService() {
        server_.stop();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    ClientOptions client_options() const {
        ClientOptions options;
        options.api_url = server_.url();
        options.token = token;
        options.stack_id = stack;
        options.ca_file = Pki::get().ca_file.string();
        options.proxy_from_environment = false;
        options.retry.max_retries = 10;
        options.retry.initial_delay = 2ms;
        options.retry.max_delay = 20ms;   // a longer Retry-After stops the retries: see the listing test
        options.attempt_timeout = 400ms;  // cuts a stalled answer short
        options.deadline = 20s;
        return options;
    }

    const Observed& observed() const { return observed_; }

private:
    static std::filesystem::path make_directory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "k6-faults-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        return pattern;
    }

    // Written as the emulator's data file, which it loads at start.
    static emu::EmulatorOptions seed(const std::filesystem::path& file, int count, k6::schedules::testing::Faults faults) {
        emu::Snapshot snapshot;
        for (std::int64_t i = 1; i <= count; ++i) {
            CreateScheduleRequest daily{
                parse_rfc3339("2030-01-01T00:00:00Z").value(), RecurrenceRule{Frequency::daily, 1, {}, {}, {}}, {}};
            snapshot.schedules.push_back({ScheduleId{1000 + i}, LoadTestId{i}, std::move(daily), false});
        }
        snapshot.next_id = 1000 + count + 1;
        emu::save_snapshot(file, snapshot);
        return service_options(file, std::move(faults));
    }

    static loopback::ServerOptions server_options(std::chrono::milliseconds idle_timeout) {
        auto options = k6::test::TestServer::tls_options();
        options.idle_timeout = idle_timeout;
        return options;
    }

    void observe(const loopback::Request& request, const loopback::Response& response) {
        ++observed_.answers;
        observed_.throttled += response.status == 429;
        observed_.errors += response.status >= 500;
        observed_.resets += response.reset_after_body_bytes.has_value() || response.reset_before_response;
        observed_.stalls += response.delay >= 1s;
        observed_.drops += response.drop_after;
        auto seen = observed_.connections.load();
        while (request.connection_id > seen &&
               !observed_.connections.compare_exchange_weak(seen, request.connection_id)) {
        }
    }

    std::filesystem::path directory_;
    emu::Emulator emulator_;
    Observed observed_;
    loopback::HttpServer server_;  // last: stopped before what its handler uses goes away
};

// Every schedule of a listing, page by page, or the error that ended it.
asio::awaitable<expected<std::vector<Schedule>>> list_everything(Pager pager) {
    std::vector<Schedule> all;
    while (!pager.done()) {
        auto page = co_await pager.async_next_page(asio::use_awaitable);
        if (!page) co_return std::unexpected(page.error());
        for (auto& s : page->items) all.push_back(std::move(s));
    }
    co_return all;
}

std::vector<Schedule> list_all(asio::io_context& io, const Client& client, bool read_ahead = false) {
    PagerOptions options;
    options.read_ahead = read_ahead;
    ListQuery query;
    query.top = 25;
    auto listed = run(io, asio::co_spawn(io, list_everything(client.list_schedules(query, options)), asio::deferred),
                      std::chrono::seconds(60));
    REQUIRE_MESSAGE(listed.has_value(), listed.error().to_string());
    return *listed;
}

// Each id exactly once, and the ids are those of load tests 1..count (one schedule each).
void check_exactly_once(const std::vector<Schedule>& listed, int count) {
    std::set<std::int64_t> ids, load_tests;
    for (const auto& s : listed) {
        ids.insert(s.id.value);
        load_tests.insert(s.load_test_id.value);
    }
    CHECK(listed.size() == static_cast<std::size_t>(count));
    CHECK(ids.size() == listed.size());  // no schedule twice
    CHECK(load_tests.size() == listed.size());
    if (!load_tests.empty()) {
        CHECK(*load_tests.begin() == 1);
        CHECK(*load_tests.rbegin() == count);
    }
}

}  // namespace

TEST_CASE("faults: every listing yields each schedule exactly once, whatever the server does") {
    constexpr int count = 240;  // 10 pages of 25 (the last one shorter)
    k6::schedules::testing::Faults resets;
    resets.reset_rate = 0.3;
    k6::schedules::testing::Faults bursts;
    bursts.error_rate = 0.25;
    bursts.error_burst = 3;
    k6::schedules::testing::Faults throttled_delta;  // (each 429 is waited for, a second or so: a few are enough)
    throttled_delta.throttle_rate = 0.15;
    throttled_delta.retry_after = "1";
    k6::schedules::testing::Faults throttled_date;
    throttled_date.throttle_rate = 0.15;
    throttled_date.retry_after = "+1";
    k6::schedules::testing::Faults stalls;
    stalls.stall_rate = 0.2;
    k6::schedules::testing::Faults drops;
    drops.drop_rate = 0.5;
    k6::schedules::testing::Faults everything;
    everything.reset_rate = 0.1;
    everything.error_rate = 0.1;
    everything.error_burst = 2;
    everything.throttle_rate = 0.05;
    everything.stall_rate = 0.05;
    everything.drop_rate = 0.1;
    everything.retry_after = "0";

    for (bool read_ahead : {false, true}) {
        for (auto [name, faults] :
             std::initializer_list<std::pair<const char*, k6::schedules::testing::Faults>>{{"resets mid-body", resets},
                                                                        {"503 bursts", bursts},
                                                                        {"429 + delta-seconds", throttled_delta},
                                                                        {"429 + HTTP-date", throttled_date},
                                                                        {"stalls", stalls},
                                                                        {"dropped keep-alives", drops},
                                                                        {"all at once", everything}}) {
            CAPTURE(name);
            CAPTURE(read_ahead);
            FaultyService service(faults, count);
            asio::io_context io;
            auto options = service.client_options();
            // The client never retries before the server's Retry-After: one longer than max_delay
            // would end the listing instead, so the policy must allow the 1 s these faults ask for.
            if (faults.throttle_rate > 0 && faults.retry_after != "0") options.retry.max_delay = 2s;
            Client client(io, options);
            check_exactly_once(list_all(io, client, read_ahead), count);
            const auto& seen = service.observed();
            INFO(seen.summary());
            const int injected = seen.throttled + seen.errors + seen.resets + seen.stalls + seen.drops;
            CHECK(injected > 0);  // the faults really happened
            if (faults.reset_rate > 0) CHECK(seen.resets > 0);
            if (faults.error_rate > 0) CHECK(seen.errors > 0);
            if (faults.throttle_rate > 0) CHECK(seen.throttled > 0);
            if (faults.stall_rate > 0) CHECK(seen.stalls > 0);
            if (faults.drop_rate > 0) CHECK(seen.drops > 0);
        }
    }
}

TEST_CASE("faults: a 503 burst longer than the retries is reported, with the attempts and the last answer") {
    k6::schedules::testing::Faults faults;
    faults.error_rate = 1;
    faults.error_burst = 100;
    FaultyService service(faults, 1);
    asio::io_context io;
    auto options = service.client_options();
    options.retry.max_retries = 3;
    Client client(io, options);
    auto r = run(io, client.async_get_load_test_schedule(LoadTestId{1}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 503);  // the burst's answers after the first one
    CHECK(r.error().code == "service_unavailable");
    CHECK(r.error().attempts == 4);
    CHECK(r.error().retry_stopped == "retries exhausted");
    CHECK(service.observed().answers == 4);
}

TEST_CASE("faults: Retry-After is waited for, in both forms") {
    for (const char* retry_after : {"1", "+2"}) {  // delta-seconds; an HTTP-date 1-2 s ahead (whole seconds)
        CAPTURE(retry_after);
        k6::schedules::testing::Faults faults;
        faults.throttle_rate = 0.5;
        faults.seed = 3;  // answers: 200, then 429 and 200 (one wait per form, to keep the test short)
        faults.retry_after = retry_after;
        FaultyService service(faults, 3);
        asio::io_context io;
        auto options = service.client_options();
        options.retry.max_delay = 5s;               // above what the server asks
        options.retry.jitter = [] { return 0.0; };  // no backoff of our own: any wait is the server's
        options.attempt_timeout.reset();
        Client client(io, options);
        const auto start = std::chrono::steady_clock::now();
        for (std::int64_t lt = 1; lt <= 10 && service.observed().throttled == 0; ++lt)
            REQUIRE(run(io, client.async_get_load_test_schedule(LoadTestId{1 + lt % 3})).has_value());
        const auto waited = std::chrono::steady_clock::now() - start;
        const int throttled = service.observed().throttled;
        INFO(service.observed().summary());
        REQUIRE(throttled > 0);
        CHECK(waited >= throttled * 900ms);  // each 429 cost (about) the second it asked for, or more
    }
}

TEST_CASE("faults: mutations under faults end applied exactly as acknowledged") {
    constexpr int count = 60;
    k6::schedules::testing::Faults faults;
    faults.reset_rate = 0.1;
    faults.error_rate = 0.1;
    faults.error_burst = 2;
    faults.throttle_rate = 0.05;
    faults.retry_after = "0";
    faults.stall_rate = 0.03;
    faults.drop_rate = 0.1;
    faults.seed = 11;
    FaultyService service(faults, 0);
    asio::io_context io;
    Client client(io, service.client_options());

    std::vector<LoadTestId> load_tests;
    for (int i = 1; i <= count; ++i) load_tests.push_back(LoadTestId{i});
    CreateScheduleRequest weekly{
        parse_rfc3339("2030-01-01T00:00:00Z").value(), RecurrenceRule{Frequency::weekly, 1, {}, {}, {}}, {}};

    // Set, with 8 in flight: one schedule per load test, and the one each answer named.
    auto set = run(io,
                   async_for_each(client, load_tests, 8,
                                  [&](Client& c, LoadTestId lt) { return c.async_set_load_test_schedule(lt, weekly); }),
                   60s);
    std::map<std::int64_t, std::int64_t> acknowledged;  // load test -> schedule id
    std::vector<ScheduleId> ids;
    for (std::size_t i = 0; i < set.size(); ++i) {
        REQUIRE_MESSAGE(set[i].has_value(), set[i].error().to_string());
        CHECK(set[i]->load_test_id == load_tests[i]);
        acknowledged[set[i]->load_test_id.value] = set[i]->id.value;
        ids.push_back(set[i]->id);
    }
    auto listed = list_all(io, client);
    check_exactly_once(listed, count);
    for (const auto& s : listed) {
        CHECK(acknowledged.at(s.load_test_id.value) == s.id.value);  // a retried set answered with what stayed
        CHECK(s.recurrence_rule->frequency == Frequency::weekly);
        CHECK_FALSE(s.deactivated);
    }

    // Deactivate (twice: it is idempotent), then activate, then delete.
    auto each = [&](auto operation) { return run(io, async_for_each(client, ids, 8, operation), 60s); };
    for (int round = 0; round < 2; ++round) {
        for (auto& r : each([](Client&c, ScheduleId id) { return c.async_deactivate_schedule(id); }))
            REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    }
    for (const auto& s : list_all(io, client)) CHECK(s.deactivated);
    for (auto& r : each([](Client&c, ScheduleId id) { return c.async_activate_schedule(id); }))
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    for (const auto& s : list_all(io, client)) CHECK_FALSE(s.deactivated);
    // A delete whose answer was lost is retried and then meets 404: that is the success it was.
    for (auto& r : each([](Client&c, ScheduleId id) { return c.async_delete_schedule(id); }))
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    CHECK(list_all(io, client).empty());

    const auto& seen = service.observed();
    INFO(seen.summary());
    CHECK(seen.resets > 0);
    CHECK(seen.errors > 0);
    CHECK(seen.throttled > 0);
    CHECK(seen.stalls > 0);
    CHECK(seen.drops > 0);
}

TEST_CASE("faults: keep-alive connections the server closed while idle are replaced, without a retry") {
    FaultyService service({}, 2, /*server_idle_timeout=*/60ms);
    asio::io_context io;
    auto options = service.client_options();
    options.retry.max_retries = 0;  // a stale connection is not a failed attempt
    Client client(io, options);
    for (int i = 0; i < 4; ++i) {
        auto r = run(io, client.async_get_load_test_schedule(LoadTestId{1 + i % 2}));
        REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
        asio::steady_timer pause(io, 150ms);  // the server closes the connection meanwhile
        run(io, pause.async_wait(asio::deferred));
    }
    CHECK(service.observed().answers == 4);
    CHECK(service.observed().connections == 4);  // each request found its old connection gone
}
