// SPDX-License-Identifier: BSL-1.0
// A coroutine of the client parked on its strand until another one wakes it, its deadline passes,
// or it is cancelled. The wait is a timer's, so the parked handler lives in Asio's own queue:
// destroying the io_context destroys it (and the operation waiting behind it, whose caller then
// sees its handler released), where a handler kept in a container of the client would be
// stranded and leaked.
#ifndef K6_SCHEDULES_DETAIL_IO_PARKING_SPOT_HPP
#define K6_SCHEDULES_DETAIL_IO_PARKING_SPOT_HPP

#include <k6/schedules/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace asio = boost::asio;

class ParkingSpot {
public:
    using clock = std::chrono::steady_clock;
    enum class Outcome { woken, timed_out, cancelled };

    // `strand`: the client's; the spot is used only there.
    explicit ParkingSpot(const asio::any_io_executor& strand) : timer_(strand, clock::time_point::max()) {}

    // Waits until wake(), `deadline`, or the cancellation of the awaiting coroutine, whichever comes
    // first. A wake() that came before the wait, or at the same time as a cancellation or the
    // deadline, wins: whoever wakes a spot may have handed it something (a connection slot).
    template <class = void>  // compiled only where an operation runs: see K6_SCHEDULES_DECL
    asio::awaitable<Outcome> park(std::optional<clock::time_point> deadline) {
        if (woken_) co_return Outcome::woken;
        // A cancellation that came while the caller had no wait pending interrupted nothing: it is
        // honoured here, or the spot would wait for a wake-up that may never come.
        const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
        if (cancel_state.cancelled() != asio::cancellation_type::none) co_return Outcome::cancelled;
        if (deadline) timer_.expires_at(*deadline);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (woken_) co_return Outcome::woken;
        co_return ec ? Outcome::cancelled : Outcome::timed_out;
    }

    void wake() {
        woken_ = true;
        timer_.cancel();
    }

private:
    asio::steady_timer timer_;
    bool woken_ = false;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_PARKING_SPOT_HPP
