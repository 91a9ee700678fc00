// SPDX-License-Identifier: BSL-1.0
// Whether and how long to wait before sending a failed request again. A pure function of the
// error, the retries so far, the policy and a jitter value, so it is tested as a table.
#ifndef K6_SCHEDULES_DETAIL_RETRY_DECIDER_HPP
#define K6_SCHEDULES_DETAIL_RETRY_DECIDER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/options.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

struct RetryDecision {
    std::optional<std::chrono::milliseconds> wait;  // nullopt: stop and report the error
    std::string reason{};                           // why retrying stopped, for the final error
};

// retries_done: how many retries were already made after the first attempt.
// jitter01: in [0, 1]; full jitter scales the exponential backoff by it. A Retry-After hint
// replaces the backoff (no jitter: the server said when). A hint longer than max_delay stops the
// retries: sending earlier than the server allows only earns another refusal, and waiting that
// long is more than the caller agreed to.
inline RetryDecision decide_retry(const ApiError& error, unsigned retries_done, const RetryPolicy& policy,
                                  double jitter01) {
    using std::chrono::milliseconds;
    if (!error.retryable()) return {std::nullopt, "the error is not retryable"};
    if (retries_done >= policy.max_retries) return {std::nullopt, "retries exhausted"};
    if (error.retry_after) {
        const auto asked = std::chrono::duration_cast<milliseconds>(*error.retry_after);
        if (asked > policy.max_delay)
            return {std::nullopt, "the server asked to wait " + std::to_string(error.retry_after->count()) +
                                      " s (Retry-After), longer than RetryPolicy::max_delay of " +
                                      std::to_string(policy.max_delay.count()) + " ms"};
        return {asked, ""};
    }
    const double factor = std::pow(policy.multiplier, static_cast<double>(retries_done));
    const double backoff = std::min(static_cast<double>(policy.max_delay.count()),
                                    static_cast<double>(policy.initial_delay.count()) * factor);
    const double jitter = std::clamp(jitter01, 0.0, 1.0);
    // A double near milliseconds::max() (a max_delay meant as "no limit") rounds above it, and
    // converting that back is undefined: the wait is kept below it.
    constexpr double longest = static_cast<double>(std::numeric_limits<milliseconds::rep>::max() / 2);
    return {milliseconds{static_cast<milliseconds::rep>(std::min(backoff * jitter, longest))}, ""};
}

inline double default_jitter() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_RETRY_DECIDER_HPP
