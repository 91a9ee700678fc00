// SPDX-License-Identifier: BSL-1.0
// Fault injection (the rates of testing::Faults) for reliability tests: latency, 500/503 answers
// (alone or in bursts), 429 with
// Retry-After, resets in the middle of a response, stalls, keep-alive connections dropped without
// notice, "Connection: close" on every answer. Off by default; seeded, so a run with the same flags
// and requests misbehaves the same way.
#pragma once

#include <k6/schedules/testing.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>
#include <string>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

class FaultInjector {
public:
    enum class Refusal { none, throttled, internal_error, unavailable };

    explicit FaultInjector(Faults faults) : faults_(std::move(faults)), random_(faults_.seed) {}

    // Decided before the request is handled: an answer that replaces it, if any.
    Refusal refusal() {
        ++counts_.answers;
        if (burst_left_ > 0) {
            --burst_left_;
            ++counts_.errors;
            return Refusal::unavailable;
        }
        if (roll(faults_.throttle_rate)) {
            ++counts_.throttled;
            return Refusal::throttled;
        }
        if (roll(faults_.error_rate)) {
            burst_left_ = faults_.error_burst > 0 ? faults_.error_burst - 1 : 0;
            ++counts_.errors;
            return roll(0.5) ? Refusal::internal_error : Refusal::unavailable;
        }
        return Refusal::none;
    }

    // Applied to every answer, the request having been handled (or refused). At most one of
    // reset, stall and drop per answer.
    void shape(loopback::Response& response) {
        response.delay += faults_.latency;
        if (faults_.close_connections) response.close = true;
        if (roll(faults_.reset_rate)) {
            ++counts_.resets;
            // Half the body, then RST; an answer without a body is not started at all.
            if (response.body.empty())
                response.reset_before_response = true;
            else
                response.reset_after_body_bytes = response.body.size() / 2;
        } else if (roll(faults_.stall_rate)) {
            ++counts_.stalls;
            response.delay += faults_.stall;
        } else if (roll(faults_.drop_rate)) {
            ++counts_.drops;
            response.drop_after = true;
        }
    }

    // The header's value now: "+N" becomes the IMF-fixdate N seconds from now.
    std::string retry_after() const {
        const auto& value = faults_.retry_after;
        if (value.empty() || value.front() != '+') return value;
        const auto when = std::chrono::system_clock::now() + std::chrono::seconds(std::stoll(value.substr(1)));
        const std::time_t t = std::chrono::system_clock::to_time_t(when);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char text[40];
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);  // the C locale's names
        return text;
    }

    const FaultCounts& counts() const { return counts_; }

private:
    bool roll(double rate) { return rate > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < rate; }

    Faults faults_;
    std::mt19937_64 random_;
    unsigned burst_left_ = 0;
    FaultCounts counts_;
};

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
