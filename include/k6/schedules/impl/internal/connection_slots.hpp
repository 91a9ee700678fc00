// At most max_connections requests on the wire at once per client; the others wait, first come
// first served. Used only on the client's strand.
#ifndef K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_SLOTS_HPP
#define K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_SLOTS_HPP

#include <k6/schedules/detail/config.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

class ConnectionSlots {
public:
    ConnectionSlots(asio::strand<asio::any_io_executor> strand, std::size_t slots)
        : strand_(std::move(strand)), free_(slots) {}

    // Takes a free slot if there is one and nobody is waiting ahead.
    bool try_acquire() noexcept {
        if (free_ == 0 || !waiters_.empty()) return false;
        --free_;
        return true;
    }

    // Queues for a slot: completes with no error once the caller holds one, or with
    // operation_aborted when the wait is cancelled (the caller then holds none).
    template <class CompletionToken>
    auto async_wait(CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
            [this](auto handler) {
                auto waiter = std::make_shared<Waiter>();
                waiter->handler.emplace(std::move(handler));
                // The slot of the type-erased handler: wrapping the handler took over its own slot.
                auto slot = waiter->handler->get_cancellation_slot();
                if (slot.is_connected())
                    slot.assign([this, weak = std::weak_ptr<Waiter>(waiter)](asio::cancellation_type) {
                        if (auto w = weak.lock()) cancel(w);
                    });
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

    std::size_t free() const noexcept { return free_; }
    std::size_t waiting() const noexcept { return waiters_.size(); }

private:
    struct Waiter {
        std::optional<asio::any_completion_handler<void(boost::system::error_code)>> handler;
    };

    void complete(const std::shared_ptr<Waiter>& waiter, boost::system::error_code ec) {
        auto handler = std::move(*waiter->handler);
        waiter->handler.reset();
        asio::post(strand_, [handler = std::move(handler), ec]() mutable { std::move(handler)(ec); });
    }

    void cancel(const std::shared_ptr<Waiter>& waiter) {
        if (!waiter->handler) return;  // already given a slot
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
            if (*it == waiter) {
                waiters_.erase(it);
                break;
            }
        complete(waiter, asio::error::operation_aborted);
    }

    asio::strand<asio::any_io_executor> strand_;
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

#endif  // K6_SCHEDULES_IMPL_INTERNAL_CONNECTION_SLOTS_HPP
