// SPDX-License-Identifier: BSL-1.0
// At most max_connections requests on the wire at once per client; the others wait, first come
// first served. Used only on the client's strand.
#ifndef K6_SCHEDULES_DETAIL_IO_CONNECTION_SLOTS_HPP
#define K6_SCHEDULES_DETAIL_IO_CONNECTION_SLOTS_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

class ConnectionSlots {
public:
    using clock = std::chrono::steady_clock;

    ConnectionSlots(asio::any_io_executor strand, std::size_t slots) : strand_(std::move(strand)), free_(slots) {}

    // Takes a free slot if there is one and nobody is waiting ahead.
    bool try_acquire() noexcept {
        if (free_ == 0 || !waiters_.empty()) return false;
        --free_;
        return true;
    }

    // Queues for a slot: no error once the caller holds one; operation_aborted when the awaiting
    // coroutine is cancelled, or timed_out when `deadline` passes first (the caller then holds none
    // and has left the queue). Granting, cancelling and expiring all run on the strand, and a grant
    // wins over a cancellation that comes at the same time: a slot is never lost, and one granted
    // to a caller that gave up is released by it.
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<boost::system::error_code> wait(std::optional<clock::time_point> deadline) {
        auto spot = std::make_shared<ParkingSpot>(strand_);
        waiters_.push_back(spot);
        const ParkingSpot::Outcome outcome = co_await spot->park(deadline);
        if (outcome == ParkingSpot::Outcome::woken) co_return boost::system::error_code{};
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), spot));
        co_return outcome == ParkingSpot::Outcome::timed_out ? asio::error::timed_out : asio::error::operation_aborted;
    }

    // Gives the slot to the first waiter, or back to the pool of free slots.
    void release() {
        if (waiters_.empty()) {
            ++free_;
            return;
        }
        const std::shared_ptr<ParkingSpot> next = std::move(waiters_.front());
        waiters_.pop_front();
        next->wake();
    }

private:
    asio::any_io_executor strand_;
    std::size_t free_;
    std::deque<std::shared_ptr<ParkingSpot>> waiters_;  // in order of arrival, each not yet woken
};

// Holds a slot for a scope.
class SlotGuard {
public:
    explicit SlotGuard(ConnectionSlots& slots) : slots_(&slots) {}
    SlotGuard(const SlotGuard&) = delete;
    SlotGuard& operator=(const SlotGuard&) = delete;
    ~SlotGuard() {
        if (slots_) slots_->release();
    }

private:
    ConnectionSlots* slots_;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_CONNECTION_SLOTS_HPP
