// SPDX-License-Identifier: BSL-1.0
// At most max_connections requests on the wire at once per client; the others wait, first come
// first served. Used only on the client's strand.
#ifndef K6_SCHEDULES_DETAIL_IO_CONNECTION_SLOTS_HPP
#define K6_SCHEDULES_DETAIL_IO_CONNECTION_SLOTS_HPP

#include <k6/schedules/detail/config.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

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

    ConnectionSlots(asio::any_io_executor strand, std::size_t slots)
        : strand_(std::move(strand)), free_(slots) {}

    // Takes a free slot if there is one and nobody is waiting ahead.
    bool try_acquire() noexcept {
        if (free_ == 0 || !waiters_.empty()) return false;
        --free_;
        return true;
    }

    // Queues for a slot: completes with no error once the caller holds one; with operation_aborted
    // when the wait is cancelled, or timed_out when `deadline` passes first (the caller then holds
    // none and has left the queue). Granting, cancelling and expiring all run on the strand, so
    // exactly one of them happens to a waiter: a slot is never handed to a caller that gave up.
    template <class CompletionToken>
    auto async_acquire(std::optional<clock::time_point> deadline, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
            [this, deadline](auto handler) {
                auto waiter = std::make_shared<Waiter>();
                waiter->handler.emplace(std::move(handler));
                const std::weak_ptr<Waiter> weak = waiter;
                // The slot of the type-erased handler: wrapping the handler took over its own slot.
                auto slot = waiter->handler->get_cancellation_slot();
                if (slot.is_connected())
                    slot.assign([this, weak](asio::cancellation_type) {
                        if (auto w = weak.lock()) leave(w, asio::error::operation_aborted);
                    });
                if (deadline) {
                    waiter->expiry.emplace(strand_, *deadline);
                    // Holds the waiter weakly: the timer lives inside it.
                    waiter->expiry->async_wait([this, weak](boost::system::error_code ec) {
                        if (ec) return;  // cancelled: the waiter got its slot or left the queue
                        if (auto w = weak.lock()) leave(w, asio::error::timed_out);
                    });
                }
                waiters_.push_back(std::move(waiter));
            },
            token);
    }

    // Gives the slot to the first waiter, or back to the pool of free slots.
    void release() {
        while (!waiters_.empty()) {
            auto next = waiters_.front();
            waiters_.pop_front();
            if (next->handler) {
                complete(next, {});
                return;
            }
        }
        ++free_;
    }


private:
    struct Waiter {
        std::optional<asio::any_completion_handler<void(boost::system::error_code)>> handler;
        std::optional<asio::steady_timer> expiry;
    };

    void complete(const std::shared_ptr<Waiter>& waiter, boost::system::error_code ec) {
        auto handler = std::move(*waiter->handler);
        waiter->handler.reset();
        if (waiter->expiry) waiter->expiry->cancel();
        asio::post(strand_, [handler = std::move(handler), ec]() mutable { std::move(handler)(ec); });
    }

    // Takes a waiter out of the queue without a slot (cancelled or expired).
    void leave(const std::shared_ptr<Waiter>& waiter, boost::system::error_code ec) {
        if (!waiter->handler) return;  // already given a slot, or already gone
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
            if (*it == waiter) {
                waiters_.erase(it);
                break;
            }
        complete(waiter, ec);
    }

    asio::any_io_executor strand_;
    std::size_t free_;
    std::deque<std::shared_ptr<Waiter>> waiters_;
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
