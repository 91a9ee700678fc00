// SPDX-License-Identifier: BSL-1.0
// Idle keep-alive connections waiting for the next request. Used only on the client's strand.
#ifndef K6_SCHEDULES_DETAIL_IO_CONNECTION_POOL_HPP
#define K6_SCHEDULES_DETAIL_IO_CONNECTION_POOL_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/io/connection.hpp>
#include <k6/schedules/detail/saturating_time.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

class ConnectionPool {
public:
    using clock = std::chrono::steady_clock;

    // The most recently used connection that is still open and not idle for too long; older or
    // closed ones met on the way are dropped (closing their sockets). nullptr when none is left.
    std::unique_ptr<Connection> take(clock::time_point now, std::chrono::milliseconds idle_timeout) {
        while (!idle_.empty()) {
            std::unique_ptr<Connection> connection = std::move(idle_.back());
            idle_.pop_back();
            if (elapsed_ms(connection->idle_since, now) < idle_timeout && !connection->looks_closed()) return connection;
        }
        return nullptr;
    }

    void put(std::unique_ptr<Connection> connection, clock::time_point now, std::size_t max_idle) {
        if (max_idle == 0) return;
        connection->idle_since = now;
        if (idle_.size() >= max_idle) idle_.erase(idle_.begin());  // the oldest is the likeliest to be stale
        idle_.push_back(std::move(connection));
    }

    // Closes the connections idle for idle_timeout or longer; returns when the next one will be.
    std::optional<clock::time_point> close_expired(clock::time_point now, std::chrono::milliseconds idle_timeout) {
        std::erase_if(idle_, [&](const auto& c) { return elapsed_ms(c->idle_since, now) >= idle_timeout; });
        if (idle_.empty()) return std::nullopt;
        auto oldest = idle_.front()->idle_since;
        for (const auto& c : idle_) oldest = std::min(oldest, c->idle_since);
        return later(oldest, idle_timeout);
    }

    void clear() noexcept { idle_.clear(); }
    std::size_t size() const noexcept { return idle_.size(); }

private:
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CONNECTION_POOL_HPP
