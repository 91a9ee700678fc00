// SPDX-License-Identifier: BSL-1.0
#include <k6/schedules/testing/detail/generate.hpp>

#include <k6/schedules/recurrence.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

namespace k6s = k6::schedules;

namespace {

// splitmix64: a few lines that give the same numbers on every platform and standard library (the
// std:: distributions do not), so a seed means the same data everywhere.
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed ^ 0x6b36'7363'6865'6475ULL) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e37'79b9'7f4a'7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebULL;
        return z ^ (z >> 31);
    }
    // [0, n); the modulo bias is far below anything a listing could show.
    std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
    std::int64_t between(std::int64_t low, std::int64_t high) { return low + below(high - low + 1); }
    bool percent(int p) { return below(100) < p; }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& items) {
        return items[static_cast<std::size_t>(below(static_cast<std::int64_t>(N)))];
    }

private:
    std::uint64_t state_;
};

// Zones with whole-hour, half-hour and 45-minute offsets, both hemispheres' DST, a 30-minute DST
// shift (Lord Howe), a 2-hour one (Troll), and the long three-part names a column must fit.
constexpr std::array<std::string_view, 24> time_zones{
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Helsinki",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Argentina/Buenos_Aires",
    "America/Argentina/ComodRivadavia",
    "America/Indiana/Indianapolis",
    "America/Kentucky/Louisville",
    "America/North_Dakota/New_Salem",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Asia/Ho_Chi_Minh",
    "Asia/Tehran",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Antarctica/Troll",
};

// Expressions as people write them: aliases, names, lists, ranges, steps, a leap-day-only one, and
// times inside the hour DST skips or repeats in Europe and North America.
constexpr std::array<std::string_view, 22> cron_expressions{
    "0 7 * * MON-FRI", "*/15 * * * *",  "30 2 * * *",      "0 0 1 * *",        "0 9-17 * * 1-5", "@daily",
    "@hourly",         "@weekly",       "@monthly",        "@yearly",          "15 4 1,15 * *",  "0 12 * JAN,JUL *",
    "5 0 * 8 *",       "0 22 * * 1-5",  "0 */6 * * *",     "30 8 * * SAT,SUN", "0 0 29 2 *",     "45 23 * * 0",
    "10,40 * * * *",   "0 18 1-7 * FRI", "30 1 * * *",     "0 0 31 * *",
};

k6s::CreateScheduleRequest make_cron(Random& random, const std::vector<std::string_view>& zones) {
    k6s::CreateScheduleRequest request;
    std::string expression;
    if (random.percent(60)) {
        expression = random.pick(cron_expressions);
    } else {
        // A random time of day on a random set of weekdays, so that next runs spread over the week.
        static constexpr std::array<std::string_view, 6> days{"*", "1-5", "0,6", "1,3,5", "2,4", "MON"};
        expression = std::to_string(random.below(60)) + " " + std::to_string(random.below(24)) + " * * " +
                     std::string(random.pick(days));
    }
    const auto zone = zones[static_cast<std::size_t>(random.below(static_cast<std::int64_t>(zones.size())))];
    request.cron = k6s::ScheduleCron{std::move(expression), std::string(zone)};
    return request;
}

k6s::RecurrenceRule make_rule(Random& random, k6s::Timestamp starts) {
    k6s::RecurrenceRule rule;
    rule.frequency = static_cast<k6s::Frequency>(random.below(5));
    // The largest interval that still runs often enough to be seen, per frequency.
    static constexpr std::array<std::int64_t, 5> max_interval{12, 7, 4, 6, 2};
    if (random.percent(75)) rule.interval = random.between(1, max_interval[static_cast<std::size_t>(rule.frequency)]);
    if (rule.frequency == k6s::Frequency::weekly && random.percent(60)) {
        std::vector<k6s::Weekday> days;
        const auto mask = random.between(1, 127);  // a non-empty set of the seven days
        for (int d = 0; d < 7; ++d)
            if (mask & (1 << d)) days.push_back(static_cast<k6s::Weekday>(d));
        rule.byday = std::move(days);
    }
    // COUNT and UNTIL together are not allowed by RFC 5545: at most one of them.
    switch (random.below(4)) {
        case 0: rule.count = random.between(1, 200); break;
        case 1: rule.until = starts + std::chrono::days{random.between(1, 730)}; break;
        default: break;
    }
    return rule;
}

}  // namespace

void generate_schedules(Snapshot& snapshot, std::size_t count, const std::set<std::int64_t>& load_tests,
                        std::uint64_t seed, k6s::Timestamp now) {
    using namespace std::chrono;
    if (count == 0) return;
    if (count > max_generated_schedules)
        throw std::runtime_error("--generate: at most " + std::to_string(max_generated_schedules) + " schedules");

    // One schedule per load test: only those without one yet, in id order.
    std::set<std::int64_t> taken;
    for (const auto& s : snapshot.schedules) taken.insert(s.load_test_id.value);
    std::vector<std::int64_t> free;
    free.reserve(count);
    for (auto it = load_tests.begin(); it != load_tests.end() && free.size() < count; ++it)
        if (!taken.contains(*it)) free.push_back(*it);
    if (free.size() < count)
        throw std::runtime_error("--generate " + std::to_string(count) + ": only " + std::to_string(free.size()) +
                                 " of the load tests (--load-tests) have no schedule yet");

    // A zone list this machine's time-zone database lacks (an old tzdata) must not stop the start.
    std::vector<std::string_view> zones;
    for (const auto zone : time_zones)
        if (k6s::detail::TimeZone::locate(zone)) zones.push_back(zone);
    if (zones.empty()) throw std::runtime_error("--generate: no time-zone database (not even UTC)");

    // Ids go on from the snapshot's, past any of its schedules (as the emulator's own start does).
    for (const auto& s : snapshot.schedules) snapshot.next_id = std::max(snapshot.next_id, s.id.value + 1);

    Random random(seed);
    const sys_days today = floor<days>(now);
    snapshot.schedules.reserve(snapshot.schedules.size() + count);
    for (const std::int64_t load_test : free) {
        k6s::CreateScheduleRequest request;
        const auto kind = random.below(100);
        if (kind < 35) {
            request = make_cron(random, zones);
        }
        // Starts within the last year or the next two months, at a whole minute, one in ten with
        // seconds and milliseconds (the API keeps them); one-offs mostly ahead, so most still run.
        const auto day = kind >= 80 ? random.between(-30, 365) : random.between(-365, 60);
        request.starts = k6s::Timestamp{today + days{day}} + minutes{random.below(24 * 60)};
        if (random.percent(10)) request.starts += milliseconds{random.below(60'000)};
        if (kind >= 35 && kind < 80) request.recurrence_rule = make_rule(random, request.starts);

        // The service's own rules decide: what fails them is a bug here, not data to serve.
        auto recurrence = k6s::Recurrence::compile(request);
        if (!recurrence)
            throw std::logic_error("--generate made an invalid schedule: " + recurrence.error().message);
        // Only a schedule that still runs can be deactivated (an expired one is left as it is).
        const bool deactivated = random.percent(12) && recurrence->next_run(now).has_value();

        snapshot.schedules.push_back({k6s::ScheduleId{snapshot.next_id++}, k6s::LoadTestId{load_test},
                                      std::move(request), deactivated});
    }
}

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
