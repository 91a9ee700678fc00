// Fault injection for reliability tests: latency, 500/503 answers, 429 with Retry-After, resets in
// the middle of a response, "Connection: close" on every answer. Off by default; seeded, so a run
// with the same flags and requests misbehaves the same way.
#pragma once

#include "http_server.hpp"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace k6::emulator {

struct Faults {
    std::chrono::milliseconds latency{0};  // added before every answer
    double error_rate = 0;                 // answered 500 or 503 instead (nothing applied)
    double throttle_rate = 0;              // answered 429 with Retry-After instead (nothing applied)
    std::string retry_after = "1";         // delta-seconds or an HTTP-date
    double reset_rate = 0;                 // applied, then the connection is reset half-way through the answer
    bool close_connections = false;        // "Connection: close" on every answer
    std::uint64_t seed = 1;

    bool any() const {
        return latency.count() > 0 || error_rate > 0 || throttle_rate > 0 || reset_rate > 0 || close_connections;
    }
};

class FaultInjector {
public:
    enum class Refusal { none, throttled, internal_error, unavailable };

    explicit FaultInjector(Faults faults) : faults_(std::move(faults)), random_(faults_.seed) {}

    // Decided before the request is handled: an answer that replaces it, if any.
    Refusal refusal() {
        if (roll(faults_.throttle_rate)) return Refusal::throttled;
        if (roll(faults_.error_rate)) return roll(0.5) ? Refusal::internal_error : Refusal::unavailable;
        return Refusal::none;
    }

    // Applied to every answer, the request having been handled (or refused).
    void shape(Response& response) {
        response.delay += faults_.latency;
        if (faults_.close_connections) response.close = true;
        if (roll(faults_.reset_rate)) {
            // Half the body, then RST; an answer without a body is not started at all.
            if (response.body.empty())
                response.reset_before_response = true;
            else
                response.reset_after_body_bytes = response.body.size() / 2;
        }
    }

    const std::string& retry_after() const { return faults_.retry_after; }

private:
    bool roll(double rate) { return rate > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < rate; }

    Faults faults_;
    std::mt19937_64 random_;
};

}  // namespace k6::emulator
