// SPDX-License-Identifier: BSL-1.0
// Fault injection for reliability tests: latency, 500/503 answers (alone or in bursts), 429 with
// Retry-After, resets in the middle of a response, stalls, keep-alive connections dropped without
// notice, "Connection: close" on every answer. Off by default; seeded, so a run with the same flags
// and requests misbehaves the same way.
#pragma once

#include "http_server.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>
#include <string>

namespace k6::emulator {

struct Faults {
    std::chrono::milliseconds latency{0};  // added before every answer
    double error_rate = 0;                 // answered 500 or 503 instead (nothing applied)
    unsigned error_burst = 1;              // an error is followed by this many - 1 more 503s (a burst)
    double throttle_rate = 0;              // answered 429 with Retry-After instead (nothing applied)
    std::string retry_after = "1";         // delta-seconds, an HTTP-date, or "+N": the HTTP-date N s from now
    double reset_rate = 0;                 // applied, then the connection is reset half-way through the answer
    double stall_rate = 0;                 // applied, then the answer is held back for `stall`
    std::chrono::milliseconds stall{std::chrono::seconds(30)};
    double drop_rate = 0;            // answered with keep-alive, then the connection is closed silently
    bool close_connections = false;  // "Connection: close" on every answer
    std::uint64_t seed = 1;

    bool any() const {
        return latency.count() > 0 || error_rate > 0 || throttle_rate > 0 || reset_rate > 0 || stall_rate > 0 ||
               drop_rate > 0 || close_connections;
    }
};

// How many answers each fault shaped, for the emulator's exit report.
struct FaultCounts {
    std::uint64_t answers = 0, errors = 0, throttled = 0, resets = 0, stalls = 0, drops = 0;

    std::string to_string() const {
        return std::to_string(answers) + " answers; injected: " + std::to_string(errors) + " 500/503, " +
               std::to_string(throttled) + " 429, " + std::to_string(resets) + " resets, " + std::to_string(stalls) +
               " stalls, " + std::to_string(drops) + " drops";
    }
};

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
    void shape(Response& response) {
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

}  // namespace k6::emulator
