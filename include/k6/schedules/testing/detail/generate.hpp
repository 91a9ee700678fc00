// SPDX-License-Identifier: BSL-1.0
// --generate N: a varied, reproducible set of schedules to start with, so that listing, paging and
// rendering can be tried at scale (50,000 schedules, say) without creating them one request at a time.
#pragma once

#include <k6/schedules/testing/detail/store.hpp>

#include <k6/schedules/time.hpp>

#include <cstddef>
#include <cstdint>
#include <set>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

// The most --generate accepts: a million schedules take about 600 MB in the emulator and 7 s to make
// (Release build; 50,000 take 40 MB and under a second).
inline constexpr std::size_t max_generated_schedules = 1'000'000;

// Appends `count` schedules to `snapshot`, with ids from snapshot.next_id on (next_id is advanced),
// each on a load test of `load_tests` that has no schedule in `snapshot` yet: the API keeps one
// schedule per load test. The mix: cron expressions in time zones around the world, RRULEs of every
// frequency with and without interval, byday, count and until, one-off runs; some expired, and some
// of those not expired deactivated. Every schedule passes the API's validation (Recurrence::compile).
// The data depends on `seed`, on the UTC day of `now` (starts lie around it, so that next runs stay
// near the present) and, for which are deactivated, on `now` itself: with a fixed clock and the same
// seed it is the same every time. Throws std::runtime_error when fewer than `count` load tests are
// free.
void generate_schedules(Snapshot& snapshot, std::size_t count, const std::set<std::int64_t>& load_tests,
                        std::uint64_t seed, schedules::Timestamp now);

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
