// SPDX-License-Identifier: BSL-1.0
// k6s-bench: one benchmark job run with this library, for bench/compare (which runs it next to
// the peers in bench/peers/, against nginx on 127.0.0.1). Command line and output: harness.hpp.
//
//   get:  N async_get_schedule(SCHEDULE_ID) one after the other on one client (one kept-alive
//         connection); with --in-flight K, K at a time over the client's pool (K connections).
//         Against a server that closes after every answer, the client opens a new connection for
//         each get, resuming the last TLS session with the host unless --no-tls-resume.
//   list: every schedule with the Pager (ListQuery{.top = TOP}), following @nextLink to the end.
//
// Decoding depth: the library decodes every schedule into the full k6::schedules::Schedule model
// (timestamps parsed, enums mapped); the peers extract id, load_test_id, starts and cron or
// recurrence_rule from each one, which is the least all three do (see touch() below).
#include "harness.hpp"

#include <k6/schedules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// ---- the jobs ---------------------------------------------------------------------------------

namespace {

namespace asio = boost::asio;
namespace k6s = k6::schedules;

using k6_bench::Tally;

// The least all three programs read of a schedule (the library has decoded all of it).
void touch(Tally& tally, const k6s::Schedule& s) {
    if (s.id.value <= 0 || s.load_test_id.value <= 0 || (!s.cron && !s.recurrence_rule))
        throw std::runtime_error("schedule " + std::to_string(s.id.value) + " lacks id, load test or recurrence");
    tally.schedule(s.id.value, s.load_test_id.value + (s.starts.time_since_epoch().count() & 1) +
                                   static_cast<std::int64_t>(s.cron ? s.cron->schedule.size()
                                                                    : s.recurrence_rule->effective_interval()));
}

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

// Runs `job` (a coroutine filling `tally`) on the io_context, rethrowing its exception.
template <class Job>
void run(asio::io_context& io, Job job) {
    std::exception_ptr failure;
    asio::co_spawn(io, std::move(job), [&](std::exception_ptr e) {
        if (e && !failure) failure = e;
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> get_loop(k6s::Client client, k6s::ScheduleId id, std::int64_t n, Tally& tally) {
    for (std::int64_t i = 0; i < n; ++i) {
        auto s = co_await client.async_get_schedule(id);
        if (!s) fail("get_schedule: " + s.error().to_string());
        ++tally.requests;
        touch(tally, *s);
    }
}

asio::awaitable<void> list_loop(k6s::Client client, std::int64_t top, bool read_ahead, Tally& tally) {
    auto pager = client.list_schedules(k6s::ListQuery{.top = top}, k6s::PagerOptions{.read_ahead = read_ahead});
    while (!pager.done()) {
        auto page = co_await pager.async_next_page();
        if (!page) fail("list_schedules: " + page.error().to_string());
        ++tally.requests;
        for (const auto& s : page->items) touch(tally, s);
    }
}

// Set-up (the client) outside the measured job.
auto prepare(const k6_bench::Job& job) {
    k6s::ClientOptions options;
    options.api_url = job.base_url;
    options.token = job.token;
    options.stack_id = job.stack_id;
    options.ca_file = job.ca_file;
    options.proxy_from_environment = false;  // all traffic stays on the given URL
    options.retry.max_retries = 0;           // a benchmark fails rather than hide a retry
    options.max_connections = static_cast<std::size_t>(job.in_flight);
    options.max_idle_connections = options.max_connections;
    options.resume_tls_sessions = job.resume_tls_sessions;  // --no-tls-resume: a full handshake per connection

    struct Setup {
        asio::io_context io{1};
        std::optional<k6s::Client> client;  // destroyed before its io_context
    };
    auto setup = std::make_shared<Setup>();
    auto created = k6s::Client::create(setup->io, std::move(options));
    if (!created) fail("cannot create the client: " + created.error().to_string());
    setup->client.emplace(std::move(*created));
    return [setup, &job] {
        asio::io_context* io = &setup->io;
        const k6s::Client& client = *setup->client;
        Tally tally;
        if (job.list) {
            run(*io, list_loop(client, job.top, job.read_ahead, tally));
        } else if (job.in_flight == 1) {
            run(*io, get_loop(client, k6s::ScheduleId{job.schedule_id}, job.n, tally));
        } else {  // K coroutines, each its share of the N gets one after the other
            std::vector<Tally> shares(static_cast<std::size_t>(job.in_flight));
            std::exception_ptr failure;
            for (std::int64_t k = 0; k < job.in_flight; ++k)
                asio::co_spawn(*io,
                               get_loop(client, k6s::ScheduleId{job.schedule_id}, k6_bench::share_of(job, k),
                                        shares[static_cast<std::size_t>(k)]),
                               [&](std::exception_ptr e) {
                                   if (e && !failure) failure = e;
                               });
            io->run();
            if (failure) std::rethrow_exception(failure);
            for (const auto& share : shares) tally += share;
        }
        return tally;
    };
}

}  // namespace

int main(int argc, char** argv) { return k6_bench::bench_main("k6s-bench", argc, argv, prepare); }
