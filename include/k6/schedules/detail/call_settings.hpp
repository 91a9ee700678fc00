// SPDX-License-Identifier: BSL-1.0
// What one call runs with: the client's retry policy, attempt timeout and deadline, or a with()
// handle's overrides of them.
#ifndef K6_SCHEDULES_DETAIL_CALL_SETTINGS_HPP
#define K6_SCHEDULES_DETAIL_CALL_SETTINGS_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/options.hpp>

#include <chrono>
#include <optional>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// What one call runs with: the client's settings, with a handle's CallOptions applied.
struct CallSettings {
    RetryPolicy retry;
    std::optional<std::chrono::milliseconds> attempt_timeout;
    std::optional<std::chrono::milliseconds> deadline;
    std::optional<ApiError> invalid;  // invalid CallOptions: every operation completes with this, sending nothing
    AttemptObserver observer;

    static CallSettings from(const ClientOptions& options, const CallOptions& overrides = {}) {
        CallSettings settings{overrides.retry.value_or(options.retry),
                              overrides.attempt_timeout ? overrides.attempt_timeout : options.attempt_timeout,
                              overrides.deadline ? overrides.deadline : options.deadline, std::nullopt,
                              overrides.observer.value_or(options.observer)};
        if (auto valid = overrides.validate(); !valid) settings.invalid = std::move(valid.error());
        return settings;
    }
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_CALL_SETTINGS_HPP
