// SPDX-License-Identifier: BSL-1.0
// BlockingClient: every operation of the Schedules API as a plain blocking function call, for code
// without coroutines or an event loop of its own; BlockingPager, the listing in a range-for.
#ifndef K6_SCHEDULES_BLOCKING_HPP
#define K6_SCHEDULES_BLOCKING_HPP

#include <k6/schedules/client.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/pager.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

/// @file
/// BlockingClient: every operation as a plain blocking call; BlockingPager, the listing in a range-for.

K6_SCHEDULES_BEGIN_NAMESPACE

class BlockingClient;
class BlockingPager;

namespace detail {

// Why a blocking call ended without the operation's own result.
enum class BlockingAbandoned : unsigned char {
    no,
    closed,   // the BlockingClient that owns the runtime was destroyed while the call waited
    dropped,  // the completion handler was destroyed unrun (its io_context stopped or was destroyed)
};

template <class Result>
struct is_optional_result : std::false_type {};
template <class T>
struct is_optional_result<std::optional<T>> : std::true_type {};

// `error` as the Result of a call: expected<T>, or the std::optional<expected<Schedule>> of a pager.
template <class Result>
Result blocking_error(ApiError error) {
    if constexpr (is_optional_result<Result>::value)
        return Result(typename Result::value_type(std::unexpected(std::move(error))));
    else
        return Result(std::unexpected(std::move(error)));
}

inline ApiError would_deadlock_error() {
    return invalid_argument("would deadlock: called from the client's own I/O thread").error();
}

inline ApiError blocking_abandoned_error(BlockingAbandoned why) {
    if (why == BlockingAbandoned::dropped)
        return fail(ErrorKind::cancelled, errc::cancelled,
                    "the call was dropped unfinished: the io_context the client runs on was stopped or destroyed")
            .error();
    return fail(ErrorKind::cancelled, errc::cancelled, "the client was closed (BlockingClient destroyed)").error();
}

// Where a blocking call waits for its result. Filled once: by the completion handler, by the
// handler's destruction unrun, or by the runtime's shutdown, whichever comes first; later ones
// change nothing. Waking the caller never allocates, so it can happen in destructors.
class BlockingWaitBase {
public:
    BlockingWaitBase() = default;
    BlockingWaitBase(const BlockingWaitBase&) = delete;
    BlockingWaitBase& operator=(const BlockingWaitBase&) = delete;

    void abandon(BlockingAbandoned why) noexcept {
        const std::lock_guard lock(mutex_);
        if (done_) return;
        done_ = true;
        abandoned_ = why;
        ready_.notify_all();  // under the lock: the waiter cannot return (and destroy this) before it ends
    }

protected:
    ~BlockingWaitBase() = default;

    std::mutex mutex_;
    std::condition_variable ready_;
    bool done_ = false;
    BlockingAbandoned abandoned_ = BlockingAbandoned::no;
};

template <class Result>
class BlockingWait final : public BlockingWaitBase {
public:
    void set(Result&& result) {
        const std::lock_guard lock(mutex_);
        if (done_) return;
        value_.emplace(std::move(result));
        done_ = true;
        ready_.notify_all();
    }

    // Waits as long as it takes; the runtime's shutdown ends every wait.
    Result get() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return done_; });
        if (value_) return std::move(*value_);
        return blocking_error<Result>(blocking_abandoned_error(abandoned_));
    }

    // Waits at most `limit`; whether the result (or an abandonment) is in.
    bool wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return ready_.wait_for(lock, limit, [this] { return done_; });
    }

private:
    std::optional<Result> value_{};
};

// The completion handler of a blocking call: it hands the result to the waiting caller from
// whichever thread runs it. It has no associated executor, so it runs on the client's executor
// (never needing the caller's thread), and it wakes the caller if it is destroyed unrun.
template <class Result>
class BlockingHandler {
public:
    explicit BlockingHandler(std::shared_ptr<BlockingWait<Result>> wait) noexcept : wait_(std::move(wait)) {}
    BlockingHandler(BlockingHandler&&) noexcept = default;
    BlockingHandler& operator=(BlockingHandler&&) = delete;
    BlockingHandler(const BlockingHandler&) = delete;
    BlockingHandler& operator=(const BlockingHandler&) = delete;
    ~BlockingHandler() {
        if (wait_) wait_->abandon(BlockingAbandoned::dropped);
    }

    void operator()(Result result) {
        const std::shared_ptr<BlockingWait<Result>> wait = std::move(wait_);
        wait->set(std::move(result));
    }

private:
    std::shared_ptr<BlockingWait<Result>> wait_;
};

// What a BlockingClient, its with() handles and their pagers share: the Client, the io_context and
// thread it owns (or the user's executor), and the calls waiting, which shutdown() wakes.
class BlockingRuntime : public std::enable_shared_from_this<BlockingRuntime> {
    struct Key {
        explicit Key() = default;
    };

public:
    // How long the owner's destructor waits for the cancelled operations to end before it stops
    // its io_context regardless (cancellation normally takes milliseconds).
    static constexpr std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};

    explicit BlockingRuntime(Key) {}
    BlockingRuntime(const BlockingRuntime&) = delete;
    BlockingRuntime& operator=(const BlockingRuntime&) = delete;

    ~BlockingRuntime() {
        // Only if the owner never shut it down (it always does); never on this runtime's own thread.
        if (thread_.joinable()) {
            owned_->stop();
            thread_.join();
        }
    }

    // With an io_context of its own, run by one thread of its own.
    static expected<std::shared_ptr<BlockingRuntime>> create(ClientOptions options) {
        auto runtime = std::make_shared<BlockingRuntime>(Key{});
        runtime->owned_.emplace();
        runtime->io_ = &*runtime->owned_;
        auto client = Client::create(*runtime->owned_, std::move(options));
        if (!client) return std::unexpected(std::move(client.error()));
        runtime->client_.emplace(std::move(*client));
        runtime->work_.emplace(runtime->owned_->get_executor());
        try {
            runtime->thread_ = std::thread([raw = runtime.get()] { raw->run(); });
        } catch (...) {
            return std::unexpected(internal_error(std::current_exception()));
        }
        return runtime;
    }

    // On an executor the user runs.
    static expected<std::shared_ptr<BlockingRuntime>> create(asio::any_io_executor executor, ClientOptions options) {
        if (!executor) return invalid_argument("the executor is empty (a default-constructed any_io_executor)");
        auto runtime = std::make_shared<BlockingRuntime>(Key{});
        runtime->find_context(executor);
        auto client = Client::create(std::move(executor), std::move(options));
        if (!client) return std::unexpected(std::move(client.error()));
        runtime->client_.emplace(std::move(*client));
        return runtime;
    }

    const Client& client() const noexcept { return *client_; }

    // The calling thread runs the context the client's operations complete on: blocking it could
    // wait for itself.
    bool on_io_thread() const noexcept {
        if (io_) return io_->get_executor().running_in_this_thread();
        if (pool_) return pool_->get_executor().running_in_this_thread();
        return false;
    }

    // A call starts waiting; false once the runtime is shut down.
    bool enter(BlockingWaitBase& wait) {
        const std::lock_guard lock(mutex_);
        if (closed_) return false;
        waiting_.push_back(&wait);
        return true;
    }

    void leave(BlockingWaitBase& wait) noexcept {
        const std::lock_guard lock(mutex_);
        std::erase(waiting_, &wait);
    }

    // The owner goes away: nothing new starts, what is in flight is cancelled, every waiting caller
    // is woken with an error. With its own thread: waits (bounded) until the cancelled operations
    // have ended, so that their callers get their own results, wakes any caller still waiting,
    // stops the io_context and joins the thread. Except on that very thread (a handler destroying
    // its BlockingClient), which cannot wait for itself: it stops the io_context, and the thread
    // ends (destroying this runtime if nothing else holds it) once the handler returns.
    void shutdown() noexcept {
        {
            const std::lock_guard lock(mutex_);
            if (closed_) return;
            closed_ = true;
        }
        // On the client's own thread (a handler destroying its BlockingClient) nothing can be waited for.
        const bool own_thread = owned_ && (on_io_thread() || std::this_thread::get_id() == thread_.get_id());
        try {
            if (owned_ && !own_thread) {
                const auto quiet = std::make_shared<BlockingWait<expected<void>>>();
                client_->async_close(BlockingHandler<expected<void>>(quiet));
                quiet->wait_for(shutdown_grace);
            } else {
                client_->close();  // on the user's executor, the cancelled operations end on the user's threads
            }
        } catch (...) {  // only allocation can fail; the callers are woken below all the same
        }
        {
            const std::lock_guard lock(mutex_);
            for (BlockingWaitBase* wait : waiting_) wait->abandon(BlockingAbandoned::closed);
        }
        if (!owned_) return;
        work_.reset();
        owned_->stop();
        if (own_thread) {
            try {
                keep_alive_ = shared_from_this();
            } catch (...) {  // cannot happen: the caller holds a shared_ptr to this runtime
            }
            if (thread_.joinable()) thread_.detach();
        } else if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    // Finds the io_context or thread_pool behind `executor`, for on_io_thread(): their executors
    // (with any of the blocking.never, relationship.continuation and outstanding_work.tracked
    // properties), strands of them, and strands of an any_io_executor holding one. Other executors
    // leave both unset: their threads cannot be recognised.
    void find_context(const asio::any_io_executor& executor) {
        find_context(executor, std::make_integer_sequence<std::uintptr_t, 8>{});
    }

    template <std::uintptr_t... Bits>
    void find_context(const asio::any_io_executor& executor, std::integer_sequence<std::uintptr_t, Bits...>) {
        using Allocator = std::allocator<void>;
        const bool found =
            (found_in<asio::io_context::basic_executor_type<Allocator, Bits>>(executor, io_) || ...) ||
            (found_in<asio::thread_pool::basic_executor_type<Allocator, Bits>>(executor, pool_) || ...);
        if (!found) {
            if (const auto* strand = executor.target<asio::strand<asio::any_io_executor>>())
                find_context(strand->get_inner_executor());
        }
    }

    template <class Executor, class Context>
    static bool found_in(const asio::any_io_executor& executor, Context*& context) {
        if (const auto* target = executor.target<Executor>()) {
            context = &target->context();
            return true;
        }
        if (const auto* strand = executor.target<asio::strand<Executor>>()) {
            context = &strand->get_inner_executor().context();
            return true;
        }
        return false;
    }

    void run() noexcept {
        for (;;) {
            try {
                owned_->run();
                break;
            } catch (...) {  // an exception escaping a handler must not end the client's thread
            }
        }
        // Shut down from this thread (see shutdown()): this thread holds the last reference now,
        // if any, and the runtime ends here, outside io_context::run().
        const std::shared_ptr<BlockingRuntime> self = std::move(keep_alive_);
    }

    std::optional<asio::io_context> owned_{};  // first: destroyed last, after everything that uses it
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{};
    asio::io_context* io_ = nullptr;    // the context whose threads must not block on a call
    asio::thread_pool* pool_ = nullptr;  // or this one
    std::optional<Client> client_{};
    std::thread thread_{};
    std::shared_ptr<BlockingRuntime> keep_alive_{};  // set only when shut down from its own thread

    std::mutex mutex_;
    bool closed_ = false;
    std::vector<BlockingWaitBase*> waiting_{};
};

// Runs one operation as a blocking call: refused at once from the I/O thread or after shutdown,
// otherwise started with a BlockingHandler and waited for. `runtime` is a copy, so the caller may
// outlive the BlockingClient it called (destroyed by another thread meanwhile).
template <class Result, class Initiate>
Result blocking_call(std::shared_ptr<BlockingRuntime> runtime, Initiate&& initiate) {
    if (!runtime) return blocking_error<Result>(invalid_argument("this object was moved from").error());
    if (runtime->on_io_thread()) return blocking_error<Result>(would_deadlock_error());
    std::shared_ptr<BlockingWait<Result>> wait;
    try {
        wait = std::make_shared<BlockingWait<Result>>();
        if (!runtime->enter(*wait)) return blocking_error<Result>(blocking_abandoned_error(BlockingAbandoned::closed));
    } catch (...) {
        return blocking_error<Result>(internal_error(std::current_exception()));
    }
    struct Leave {
        BlockingRuntime& runtime;
        BlockingWaitBase& wait;
        ~Leave() { runtime.leave(wait); }
    } const leave{*runtime, *wait};
    try {
        std::forward<Initiate>(initiate)(BlockingHandler<Result>(wait));
    } catch (...) {
        return blocking_error<Result>(internal_error(std::current_exception()));
    }
    return wait->get();
}

}  // namespace detail

/// A lazy listing of all schedules as blocking calls, from BlockingClient::pager() or
/// BlockingClient::resume_listing(): a Pager whose operations wait for their result. It is a
/// range of `expected<Schedule>`:
/// @code
/// for (const k6s::expected<k6s::Schedule>& item : client.pager({.top = 1000})) {
///     if (!item) { std::cerr << item.error() << "\n"; break; }  // an error is the last element
///     std::cout << item->id.value << "\n";
/// }
/// @endcode
///
/// Lazy like Pager: nothing is sent until the first element is asked for (begin(), next(),
/// next_page()), then one request per page, sent when iteration reaches the end of the page in
/// hand (or earlier with PagerOptions::read_ahead). Links are followed and refused exactly as
/// Pager does (see BasicPager), with the client's retries, timeouts and deadline for each page.
///
/// @par Errors
/// As with Pager::async_next(), an error is yielded as one element and is the last one: the range
/// ends after it, whatever its kind. next() and next_page() mirror the async operations: after a
/// cancellation (BlockingClient::cancel_all()) the next call (or the next range-for) asks for the
/// same page again; after any other error the listing is over. A call
/// from a thread that runs the client's I/O context returns at once an ErrorKind::invalid_argument
/// error, "would deadlock: called from the client's own I/O thread", and leaves the listing as it
/// was. Once the owning BlockingClient is destroyed every call returns ErrorKind::cancelled at once.
///
/// @par Thread safety
/// Move-only; one thread at a time, as for Pager (other threads may use the client meanwhile).
/// Moving the pager invalidates its iterators. Like a with() handle, it keeps its client's state
/// allocated but not its thread running: once the owning BlockingClient is destroyed, its calls
/// return ErrorKind::cancelled at once (see BlockingClient::with()).
class BlockingPager {
public:
    /// The input iterator of the range: each increment fetches the next element (a request only at
    /// the end of a page). Compares equal to std::default_sentinel once the listing is over.
    class iterator {
    public:
        using iterator_concept = std::input_iterator_tag;   ///< An input iterator: one pass.
        using iterator_category = std::input_iterator_tag;  ///< An input iterator: one pass.
        using value_type = expected<Schedule>;              ///< A schedule, or the error that ends the listing.
        using difference_type = std::ptrdiff_t;             ///< As std::input_iterator requires.
        using reference = expected<Schedule>&;              ///< The element, held by the pager.
        using pointer = expected<Schedule>*;                ///< The element, held by the pager.

        /// An iterator at the end of no range (what std::input_iterator asks for).
        iterator() = default;
        /// The current element, held by the pager until the next increment.
        reference operator*() const { return *pager_->current_; }
        /// The current element, held by the pager until the next increment.
        pointer operator->() const { return &*pager_->current_; }
        /// Moves to the next element, blocking while it is fetched.
        iterator& operator++() {
            pager_->advance();
            return *this;
        }
        /// Moves to the next element, blocking while it is fetched.
        void operator++(int) { ++*this; }
        /// Whether the listing is over (after its last schedule, or after an error).
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return it.at_end(); }

    private:
        friend class BlockingPager;
        explicit iterator(BlockingPager* pager) noexcept : pager_(pager) {}
        bool at_end() const noexcept { return !pager_ || !pager_->current_; }
        BlockingPager* pager_ = nullptr;
    };

    /// Takes over @p other's listing; @p other is left empty (only destruction or assignment).
    BlockingPager(BlockingPager&& other) noexcept
        : runtime_(std::move(other.runtime_)),
          pager_(std::exchange(other.pager_, std::nullopt)),
          current_(std::exchange(other.current_, std::nullopt)),
          range_over_(other.range_over_) {}
    /// Drops this pager's listing (cancelling its read-ahead request), then takes over @p other's.
    BlockingPager& operator=(BlockingPager&& other) noexcept {
        if (this != &other) {
            current_ = std::exchange(other.current_, std::nullopt);
            pager_ = std::exchange(other.pager_, std::nullopt);  // the old listing ends while its runtime is held
            runtime_ = std::move(other.runtime_);
            range_over_ = other.range_over_;
        }
        return *this;
    }
    BlockingPager(const BlockingPager&) = delete;             ///< Move-only.
    BlockingPager& operator=(const BlockingPager&) = delete;  ///< Move-only.
    /// Cancels a read-ahead request still in flight, as Pager does.
    ~BlockingPager() = default;

    /// The next schedule across pages: Pager::async_next() as a blocking call.
    /// @return std::nullopt at the end of the listing; otherwise a schedule, or an error, after
    /// which the pager is done (except a cancellation: the next call fetches the same page again).
    std::optional<expected<Schedule>> next() {
        using Result = std::optional<expected<Schedule>>;
        if (!pager_) return detail::blocking_error<Result>(detail::invalid_argument("this object was moved from").error());
        return detail::blocking_call<Result>(
            runtime_, [this](auto handler) { pager_->async_next(std::move(handler)); });
    }

    /// The next page: Pager::async_next_page() as a blocking call. An empty page may still have a
    /// next link; once the listing is over it returns an empty page without one (done()).
    /// @return The page, or the error that ends the listing (a cancellation leaves it in place).
    expected<SchedulePage> next_page() {
        using Result = expected<SchedulePage>;
        if (!pager_) return detail::blocking_error<Result>(detail::invalid_argument("this object was moved from").error());
        return detail::blocking_call<Result>(
            runtime_, [this](auto handler) { pager_->async_next_page(std::move(handler)); });
    }

    /// Starts a pass: fetches the next element (see next()) and returns an iterator to it, or one
    /// equal to end() when the listing is over. Each pass goes on from where the listing is; within
    /// one, an error is the last element. (After a cancelled one, a new pass asks for the same page
    /// again; after any other error the listing is over, and a new pass is empty.)
    iterator begin() {
        range_over_ = false;
        advance();
        return iterator(this);
    }
    /// The end of the range.
    std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

    /// The listing's "@count", once a page carried it (ListQuery::count).
    std::optional<std::int64_t> total_count() const { return pager_ ? pager_->total_count() : std::nullopt; }
    /// Where the listing goes on, for BlockingClient::resume_listing() (see Pager::next_link()).
    std::optional<std::string> next_link() const { return pager_ ? pager_->next_link() : std::nullopt; }
    /// No page is left to fetch (see Pager::done()).
    bool done() const { return !pager_ || pager_->done(); }

private:
    friend class BlockingClient;

    BlockingPager(std::shared_ptr<detail::BlockingRuntime> runtime, std::optional<Pager> pager) noexcept
        : runtime_(std::move(runtime)), pager_(std::move(pager)) {}

    // The range's next element: an error ends the range (a retry after a cancellation is next()'s).
    void advance() {
        if (range_over_) {
            current_.reset();
            return;
        }
        auto item = next();
        if (!item) {
            current_.reset();
            return;
        }
        if (!*item) range_over_ = true;
        current_ = std::move(*item);
    }

    std::shared_ptr<detail::BlockingRuntime> runtime_;  // first: outlives the Pager and its executor
    std::optional<Pager> pager_;
    std::optional<expected<Schedule>> current_{};
    bool range_over_ = false;
};

/// Every operation of BasicClient as a plain blocking function call that returns the same
/// `expected<T>`: for programs without coroutines or an event loop of their own.
/// @code
/// auto client = k6s::BlockingClient::create(*k6s::ClientOptions::from_env());
/// if (!client) { std::cerr << client.error() << "\n"; return 2; }
/// k6s::expected<k6s::Schedule> schedule = client->get_schedule(k6s::ScheduleId{42});
/// @endcode
///
/// @par Where it runs
/// create(ClientOptions) gives it an io_context of its own and one thread that runs it; the
/// destructor stops and joins that thread. create(executor, ClientOptions) runs it on an executor
/// (an io_context, a strand of one, a thread_pool) that your own threads run: the calls then need
/// those threads to make progress, and the destructor joins nothing. Each call starts the async
/// operation of the same name (async_get_schedule() for get_schedule(), ...) on that executor and
/// waits on a condition variable for its handler, which runs on the client's executor: completion
/// never needs the calling thread. Retries, timeouts, deadline, observer and validation are those
/// of the ClientOptions (or of with()'s CallOptions), as on Client.
///
/// @par Errors
/// Each call returns what the async operation completes with (see BasicClient for every error),
/// besides these, returned at once with nothing sent:
/// - ErrorKind::invalid_argument, "would deadlock: called from the client's own I/O thread": the
///   calling thread is running the client's io_context (or thread_pool), e.g. inside a handler on
///   it, where blocking would wait for itself. Detected when the executor's execution context is
///   an io_context or a thread_pool (strands of them included); on another kind of context such a
///   call is not detected and hangs, as any blocking call from the thread it needs would.
/// - ErrorKind::cancelled, "the client was closed (BlockingClient destroyed)": a call made through a
///   with() handle or a pager after the owning BlockingClient was destroyed.
///
/// @par Threads
/// Safe to call from many threads at once: every call is independent and the calls share the
/// connection pool (ClientOptions::max_connections bounds the requests on the wire; the others
/// wait in order). with() handles and pagers may be used from other threads than their client.
///
/// @par Shutdown
/// Destroying the owning BlockingClient cancels every operation in flight (Client::close()), wakes
/// every caller still blocked in a call on another thread with ErrorKind::cancelled, and, with its
/// own thread, waits until the cancelled operations have ended (async_close(), at most a few
/// seconds), then stops its io_context and joins the thread. On your executor it joins and waits
/// for nothing: the cancelled operations end on your threads when they next run. Destroying it
/// from a handler on its own thread does not wait either: that thread ends once the handler returns.
/// Destroying it while other threads are blocked in its calls is allowed (they return the error);
/// starting a call while it is being destroyed is not (as for any object).
class BlockingClient {
public:
    /// Makes a client with an io_context of its own and one thread that runs it. Sends nothing and
    /// opens no connection.
    /// @param options Validated by ClientOptions::validate(); the client keeps a copy.
    /// @return The client, or the error of Client::create() (ErrorKind::invalid_argument naming every
    /// invalid setting, or the CA file that cannot be loaded), or ErrorKind::internal when the
    /// thread cannot be started.
    static expected<BlockingClient> create(ClientOptions options) {
        auto runtime = detail::BlockingRuntime::create(std::move(options));
        if (!runtime) return std::unexpected(std::move(runtime.error()));
        Client client = (*runtime)->client();
        return BlockingClient(std::move(*runtime), std::move(client), true);
    }

    /// Makes a client that runs on @p executor, which your own threads run (io_context::run()): the
    /// calls wait for them. Sends nothing and opens no connection.
    /// @param executor Where the operations run and complete, as for Client::create().
    /// @param options Validated by ClientOptions::validate(); the client keeps a copy.
    /// @return The client, or the error of Client::create(), or ErrorKind::invalid_argument for an
    /// empty executor.
    static expected<BlockingClient> create(boost::asio::any_io_executor executor, ClientOptions options) {
        auto runtime = detail::BlockingRuntime::create(std::move(executor), std::move(options));
        if (!runtime) return std::unexpected(std::move(runtime.error()));
        Client client = (*runtime)->client();
        return BlockingClient(std::move(*runtime), std::move(client), true);
    }

    /// The same as create(boost::asio::any_io_executor, ClientOptions) with the executor of
    /// @p context (a boost::asio::io_context that your threads run, say).
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>
    static expected<BlockingClient> create(ExecutionContext& context, ClientOptions options) {
        return create(boost::asio::any_io_executor(context.get_executor()), std::move(options));
    }

    /// Takes over @p other (its thread too, if it owns one); @p other is left empty: only destruction
    /// or assignment.
    BlockingClient(BlockingClient&& other) noexcept
        : runtime_(std::move(other.runtime_)),
          client_(std::move(other.client_)),
          owner_(std::exchange(other.owner_, false)) {}

    /// Shuts this client down as the destructor does, then takes over @p other.
    BlockingClient& operator=(BlockingClient&& other) noexcept {
        if (this != &other) {
            release();
            runtime_ = std::move(other.runtime_);
            client_ = std::move(other.client_);
            owner_ = std::exchange(other.owner_, false);
        }
        return *this;
    }

    BlockingClient(const BlockingClient&) = delete;             ///< Move-only: one owner of the thread.
    BlockingClient& operator=(const BlockingClient&) = delete;  ///< Move-only: one owner of the thread.

    /// The owner: cancels what is in flight, wakes blocked callers with ErrorKind::cancelled, and
    /// with its own thread stops and joins it (see Shutdown above); bounded, never hangs. A with()
    /// handle: nothing.
    ~BlockingClient() { release(); }

    /// A handle on the same client, connections and thread whose calls (and pagers) use @p call
    /// for retries, attempt timeout, deadline and observer, as Client::with():
    /// `client.with({.deadline = 2s}).get_schedule(id)`. Invalid CallOptions make every call of the
    /// handle return that invalid_argument error, sending nothing.
    ///
    /// The handle shares its owner's thread (or executor) and does not own it: destroying the handle
    /// stops nothing, and once the owning BlockingClient is destroyed, the handle's calls return
    /// ErrorKind::cancelled at once (its memory stays valid, so that is safe, not a dangling use).
    /// Keep the owner alive as long as its handles are used.
    BlockingClient with(const CallOptions& call) const {
        if (!runtime_) return BlockingClient(nullptr, client_, false);
        return BlockingClient(runtime_, client_.with(call), false);
    }

    /// The executor the client's operations run and complete on: that of its own io_context, or
    /// the one it was made with. A handler posted there runs on the client's I/O thread.
    boost::asio::any_io_executor get_executor() const noexcept { return client_.get_executor(); }

    /// The options the client was made with (not a with() handle's CallOptions).
    const ClientOptions& options() const noexcept { return client_.options(); }

    /// Client::async_get_load_test_schedule() as a blocking call: `GET /cloud/v6/load_tests/{id}/schedule`.
    /// @param load_test The load test.
    /// @return The schedule, or the error (errc::not_found for a load test without a schedule).
    expected<Schedule> get_load_test_schedule(LoadTestId load_test) const {
        return call<expected<Schedule>>([&](auto handler) {
            client_.async_get_load_test_schedule(load_test, std::move(handler));
        });
    }

    /// Client::async_set_load_test_schedule() as a blocking call: `POST /cloud/v6/load_tests/{id}/schedule`.
    /// The request validator runs on the calling thread; an invalid request is not sent.
    /// @param load_test The load test.
    /// @param request The schedule.
    /// @return The schedule as the service stored it, or the error.
    expected<Schedule> set_load_test_schedule(LoadTestId load_test, CreateScheduleRequest request) const {
        return call<expected<Schedule>>([&](auto handler) {
            client_.async_set_load_test_schedule(load_test, std::move(request), std::move(handler));
        });
    }

    /// Client::async_list_schedules() as a blocking call: one page, `GET /cloud/v6/schedules`. For the
    /// whole listing use pager() (the blocking counterpart of Client::list_schedules(), renamed
    /// because this name is the page's) or list_all_schedules().
    /// @param query The page size, offset and whether to count.
    /// @return The page, or the error.
    expected<SchedulePage> list_schedules(ListQuery query = {}) const {
        return call<expected<SchedulePage>>(
            [&](auto handler) { client_.async_list_schedules(query, std::move(handler)); });
    }

    /// Every schedule, lazily, page by page, as a range of `expected<Schedule>` (see BlockingPager):
    /// Client::list_schedules() for blocking calls. Nothing is sent until the first element is
    /// asked for.
    /// @param query The first page's query; later pages follow "@nextLink".
    /// @param options Read-ahead, and the bound on empty pages in a row.
    BlockingPager pager(ListQuery query = {}, PagerOptions options = {}) const {
        if (!runtime_) return BlockingPager(nullptr, std::nullopt);
        return BlockingPager(runtime_, client_.list_schedules(query, options));
    }

    /// Continues a listing from a BlockingPager::next_link() saved earlier, as
    /// Client::resume_listing(). Nothing is sent until the first element is asked for.
    /// @param next_link The saved link (see Client::resume_listing() for the links accepted).
    /// @param options Read-ahead, and the bound on empty pages in a row.
    BlockingPager resume_listing(std::string next_link, PagerOptions options = {}) const {
        if (!runtime_) return BlockingPager(nullptr, std::nullopt);
        return BlockingPager(runtime_, client_.resume_listing(std::move(next_link), options));
    }

    /// Client::async_list_all_schedules() as a blocking call: every schedule in one vector.
    /// @param query The first page's query.
    /// @param max_items The most schedules to hold; a longer listing fails rather than grow past it.
    /// @return The schedules, or the error.
    expected<std::vector<Schedule>> list_all_schedules(ListQuery query = {}, std::size_t max_items = 100'000) const {
        return call<expected<std::vector<Schedule>>>(
            [&](auto handler) { client_.async_list_all_schedules(query, max_items, std::move(handler)); });
    }

    /// Client::async_get_schedule() as a blocking call: `GET /cloud/v6/schedules/{id}`.
    /// @param schedule The schedule.
    /// @return The schedule, or the error (errc::not_found when it does not exist).
    expected<Schedule> get_schedule(ScheduleId schedule) const {
        return call<expected<Schedule>>([&](auto handler) { client_.async_get_schedule(schedule, std::move(handler)); });
    }

    /// Client::async_delete_schedule() as a blocking call: `DELETE /cloud/v6/schedules/{id}`.
    /// @param schedule The schedule.
    /// @return Nothing, or the error.
    expected<void> delete_schedule(ScheduleId schedule) const {
        return call<expected<void>>([&](auto handler) { client_.async_delete_schedule(schedule, std::move(handler)); });
    }

    /// Client::async_activate_schedule() as a blocking call: `POST /cloud/v6/schedules/{id}/activate`.
    /// @param schedule The schedule.
    /// @return Nothing, or the error (errc::conflict when it has no future run).
    expected<void> activate_schedule(ScheduleId schedule) const {
        return call<expected<void>>(
            [&](auto handler) { client_.async_activate_schedule(schedule, std::move(handler)); });
    }

    /// Client::async_deactivate_schedule() as a blocking call: `POST /cloud/v6/schedules/{id}/deactivate`.
    /// @param schedule The schedule.
    /// @return Nothing, or the error.
    expected<void> deactivate_schedule(ScheduleId schedule) const {
        return call<expected<void>>(
            [&](auto handler) { client_.async_deactivate_schedule(schedule, std::move(handler)); });
    }

    /// Client::async_authenticate() as a blocking call: `GET /cloud/v6/auth` with `X-Stack-Url`.
    /// @param stack_url The stack's URL, "https://mystack.grafana.net".
    /// @return The stack's id and its default project's id, or the error.
    expected<AuthenticationResponse> authenticate(std::string stack_url) const {
        return call<expected<AuthenticationResponse>>(
            [&](auto handler) { client_.async_authenticate(std::move(stack_url), std::move(handler)); });
    }

    /// Cancels every call of this client, its handles and pagers in flight, on every thread: each
    /// returns ErrorKind::cancelled (Client::cancel_all()). Later calls run as usual. Returns at once.
    void cancel_all() const {
        if (runtime_) client_.cancel_all();
    }

private:
    BlockingClient(std::shared_ptr<detail::BlockingRuntime> runtime, Client client, bool owner) noexcept
        : runtime_(std::move(runtime)), client_(std::move(client)), owner_(owner) {}

    template <class Result, class Initiate>
    Result call(Initiate&& initiate) const {
        return detail::blocking_call<Result>(runtime_, std::forward<Initiate>(initiate));
    }

    void release() noexcept {
        if (owner_ && runtime_) runtime_->shutdown();
        owner_ = false;
        { const Client drop = std::move(client_); }  // before the runtime: the client's state uses its io_context
        runtime_.reset();
    }

    std::shared_ptr<detail::BlockingRuntime> runtime_;
    Client client_;  // the runtime's, or a with() handle's
    bool owner_ = false;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_BLOCKING_HPP
