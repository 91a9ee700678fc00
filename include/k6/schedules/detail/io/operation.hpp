// SPDX-License-Identifier: BSL-1.0
// One operation of a client, whatever it does: spawned on the client's strand, registered so
// that Client::cancel_all() reaches it, and completing its caller's handler exactly once, on the
// handler's executor. Needs nothing of the client but the few accessors declared here, so that
// async_for_each (a template over the caller's operation) can use it without the transport.
#ifndef K6_SCHEDULES_DETAIL_IO_OPERATION_HPP
#define K6_SCHEDULES_DETAIL_IO_OPERATION_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/redaction.hpp>
#include <k6/schedules/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/strand.hpp>

#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace asio = boost::asio;

struct ClientState;

// One operation in flight, as Client::cancel_all() reaches it: its coroutine listens to `signal`.
struct OperationRecord {
    asio::cancellation_signal signal;
};

// What an operation needs of the client it runs on (defined with ClientState).
K6_SCHEDULES_DECL const asio::any_io_executor& strand_of(const ClientState& state) noexcept;
K6_SCHEDULES_DECL const asio::any_io_executor& executor_of(const ClientState& state) noexcept;
K6_SCHEDULES_DECL const Redactor& redactor_of(const ClientState& state) noexcept;
K6_SCHEDULES_DECL void add_running(ClientState& state, OperationRecord& record);
K6_SCHEDULES_DECL void remove_running(ClientState& state, OperationRecord& record) noexcept;
K6_SCHEDULES_DECL void outstanding_started(ClientState& state) noexcept;
K6_SCHEDULES_DECL void outstanding_finished(const std::shared_ptr<ClientState>& state) noexcept;

// Keeps an operation in the client's set of running ones (which cancel_all() goes through) while
// its body runs. Every operation's body holds one, first thing, on the strand.
class RunningOperation {
public:
    RunningOperation(ClientState& state, OperationRecord& record) : state_(state), record_(record) {
        add_running(state_, record_);
    }
    RunningOperation(const RunningOperation&) = delete;
    RunningOperation& operator=(const RunningOperation&) = delete;
    ~RunningOperation() { remove_running(state_, record_); }

private:
    ClientState& state_;
    OperationRecord& record_;
};

// Work of the client that is not over until its handler has run (or been destroyed unrun): an
// operation from the moment it starts, a read-ahead page. Client::async_close() waits until there
// is none. Move-only; the last owner ends it.
class OutstandingWork {
public:
    explicit OutstandingWork(std::shared_ptr<ClientState> state, bool counted = true) noexcept
        : state_(std::move(state)), counted_(counted) {
        if (counted_) outstanding_started(*state_);
    }
    OutstandingWork(OutstandingWork&& other) noexcept
        : state_(std::move(other.state_)), counted_(std::exchange(other.counted_, false)) {}
    OutstandingWork& operator=(OutstandingWork&&) = delete;
    ~OutstandingWork() {
        if (counted_) outstanding_finished(state_);
    }

    const std::shared_ptr<ClientState>& state() const noexcept { return state_; }

private:
    std::shared_ptr<ClientState> state_;
    bool counted_;
};

// What an operation completes with when something threw (nothing throws on purpose; bad_alloc and
// the like must still complete the handler rather than escape into the caller's io_context).
inline ApiError internal_error(std::exception_ptr exception) {
    std::string message = "internal error";
    try {
        std::rethrow_exception(exception);
    } catch (const std::exception& ex) {
        message.append(": ").append(ex.what());
    } catch (...) {
    }
    return fail(ErrorKind::internal, errc::internal_error, std::move(message)).error();
}

// The result of an operation that threw, for results that are an expected<T>.
struct RecoverWithInternalError {
    template <class Result>
    Result operator()(std::exception_ptr exception, std::type_identity<Result>) const {
        return Result(std::unexpected(internal_error(exception)));
    }
};

// A result on its way to its handler, with the work it ends. Boxed, with memory from Asio's
// per-thread recycling cache (no malloc once warm), so that the hops below move a pointer: moving a
// Schedule through each of them, field by field, cost a get 1,100 of its 63,600 instructions
// (callgrind), far more than the box.
template <class Result>
struct PendingCompletion {
    asio::any_completion_handler<void(Result)> handler;
    Result result;
    OutstandingWork work;  // last: ends after the handler has run or been destroyed

    struct Delete {
        void operator()(PendingCompletion* pending) const noexcept {
            asio::recycling_allocator<PendingCompletion> allocator;
            std::destroy_at(pending);
            allocator.deallocate(pending, 1);
        }
    };
    using Ptr = std::unique_ptr<PendingCompletion, Delete>;

    static Ptr make(asio::any_completion_handler<void(Result)>&& handler, Result&& result, OutstandingWork&& work) {
        asio::recycling_allocator<PendingCompletion> allocator;
        PendingCompletion* memory = allocator.allocate(1);
        try {
            return Ptr(std::construct_at(memory, std::move(handler), std::move(result), std::move(work)));
        } catch (...) {
            allocator.deallocate(memory, 1);
            throw;
        }
    }
};

// Hands `result` to `handler` on `handler_executor`, never from inside the caller: off the
// client's strand first (a type-erased completion executor cannot be posted to directly), then onto
// the handler's executor, at once when that is where we are. The handler's cancellation slot is
// cleared there, just before the handler runs: the slot belongs to the caller, whose own code emits
// on it from that executor, and Asio's slots are not thread-safe, so the client's strand never
// touches it after the operation has started.
template <class Result>
void post_completion(OutstandingWork&& work, asio::any_completion_handler<void(Result)>&& handler,
                     asio::any_completion_executor&& handler_executor, Result&& result) {
    const asio::any_io_executor& client_executor = executor_of(*work.state());
    asio::post(client_executor,
               [pending = PendingCompletion<Result>::make(std::move(handler), std::move(result), std::move(work)),
                executor = std::move(handler_executor)]() mutable {
                   asio::dispatch(executor, [pending = std::move(pending)]() mutable {
                       if (auto slot = pending->handler.get_cancellation_slot(); slot.is_connected()) slot.clear();
                       std::move(pending->handler)(std::move(pending->result));
                   });
               });
}

// The same for a result at hand when the operation starts: the handler's executor (the client's
// when it has none) is told that work is coming, and the handler runs there later.
template <class Result>
void complete_later(const std::shared_ptr<ClientState>& state, asio::any_completion_handler<void(Result)> handler,
                    Result result) {
    asio::any_completion_executor handler_executor = asio::prefer(
        asio::get_associated_executor(handler, executor_of(*state)), asio::execution::outstanding_work.tracked);
    post_completion(OutstandingWork(state), std::move(handler), std::move(handler_executor), std::move(result));
}

// The co_spawn completion of an operation: it runs on the client's strand, seals the result (the
// client's secrets masked in any error, whatever made it), then hands it to the caller's handler on
// the handler's own executor, or the executor the Client was given when the handler has none.
// Always posted: a handler that blocks must not hold the strand that every operation of the client
// (and of its copies) runs on.
template <class Result, class Recover>
struct OperationCompletion {
    OutstandingWork work;                     // the client's state, counted from the operation's start
    std::shared_ptr<OperationRecord> record;  // its signal outlives every use co_spawn makes of the slot
    asio::any_completion_handler<void(Result)> handler;
    asio::any_completion_executor handler_executor;  // tracks work, so its context keeps running
    Recover recover;

    void operator()(std::exception_ptr exception, Result result) {
        if (exception) result = recover(exception, std::type_identity<Result>{});
        seal(redactor_of(*work.state()), result);
        post_completion(std::move(work), std::move(handler), std::move(handler_executor), std::move(result));
    }
};

// Runs `body` on the client's strand as the operation `record` and completes `handler` with its
// result. The body registers itself with the client through `record` for as long as it runs (a
// RunningOperation). Cancellation reaches the body from the handler's cancellation slot and from
// Client::cancel_all(), both through the operation's own signal, always emitted on the strand.
// `counted`: whether Client::async_close() waits for it (not for async_close itself).
template <class Result, class CompletionHandler, class Recover = RecoverWithInternalError>
void spawn_operation(const std::shared_ptr<ClientState>& state, const std::shared_ptr<OperationRecord>& record,
                     asio::awaitable<Result> body, CompletionHandler&& handler, Recover recover = {},
                     bool counted = true) {
    OutstandingWork work(state, counted);
    const auto& strand = strand_of(*state);
    asio::any_completion_handler<void(Result)> erased(std::forward<CompletionHandler>(handler));
    auto handler_executor = asio::prefer(asio::get_associated_executor(erased, executor_of(*state)),
                                         asio::execution::outstanding_work.tracked);
    // The slot of the type-erased handler: wrapping the handler took over its own slot. Assigned
    // here, in the caller's context; cleared in the caller's context too (post_completion).
    if (auto slot = erased.get_cancellation_slot(); slot.is_connected())
        slot.assign([record, strand](asio::cancellation_type type) {
            asio::dispatch(strand, [record, type] { record->signal.emit(type); });
        });
    auto cancel_slot = record->signal.slot();
    asio::co_spawn(strand, std::move(body),
                   asio::bind_cancellation_slot(
                       cancel_slot, OperationCompletion<Result, Recover>{std::move(work), record, std::move(erased),
                                                                         std::move(handler_executor),
                                                                         std::move(recover)}));
}

// Runs the body that `make_body(record)` returns as one operation of its own (see spawn_operation).
template <class Result, class MakeBody, class CompletionHandler, class Recover = RecoverWithInternalError>
void start_operation(const std::shared_ptr<ClientState>& state, MakeBody&& make_body, CompletionHandler&& handler,
                     Recover recover = {}) {
    auto record = std::make_shared<OperationRecord>();
    asio::awaitable<Result> body = std::forward<MakeBody>(make_body)(record);
    spawn_operation<Result>(state, record, std::move(body), std::forward<CompletionHandler>(handler),
                            std::move(recover));
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

// The completion runs on the strand (co_spawn dispatches to it, and routes cancellation through it).
template <class Result, class Recover, class DefaultCandidate>
struct boost::asio::associated_executor<k6::schedules::detail::OperationCompletion<Result, Recover>, DefaultCandidate> {
    using type = boost::asio::any_io_executor;
    static type get(const k6::schedules::detail::OperationCompletion<Result, Recover>& completion) noexcept {
        return k6::schedules::detail::strand_of(*completion.work.state());
    }
    static type get(const k6::schedules::detail::OperationCompletion<Result, Recover>& completion,
                    const DefaultCandidate&) noexcept {
        return k6::schedules::detail::strand_of(*completion.work.state());
    }
};

#endif  // K6_SCHEDULES_DETAIL_IO_OPERATION_HPP
