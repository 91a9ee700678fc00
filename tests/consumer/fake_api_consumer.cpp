// SPDX-License-Identifier: BSL-1.0
// A downstream project's test program, built against the installed package's k6::schedules_testing:
// a FakeApi on 127.0.0.1 (HTTPS, its CA in memory), one schedule seeded, and the client reading it back.
#include <k6/schedules.hpp>
#include <k6/schedules/testing.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

namespace k6s = k6::schedules;

int main() {
    k6s::testing::FakeApi api;
    const auto added = api.add_schedule(
        k6s::LoadTestId{1}, {*k6s::parse_rfc3339("2030-01-01T00:00:00Z"),
                             k6s::RecurrenceRule{k6s::Frequency::daily, 1, {}, {}, {}}, {}});
    boost::asio::io_context io;
    k6s::Client client(io, api.client_options());
    auto future = client.async_get_schedule(added.id, boost::asio::use_future);
    io.run();
    const auto got = future.get();
    if (!got || *got != added) {
        std::cout << "fake api consumer: FAILED " << (got ? "a different schedule" : got.error().to_string()) << "\n";
        return 1;
    }
    std::cout << "fake api consumer: passed (schedule " << got->id.value << " read back over HTTPS)\n";
    return 0;
}
