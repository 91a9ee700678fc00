// SPDX-License-Identifier: BSL-1.0
// The boundary between the public headers and the transport. Everything a Client or a Pager does
// goes through these functions, so the code that calls them compiles without Asio's sockets, Beast
// (but for its small http::verb), OpenSSL (a ctest checks it) or the coroutines behind each
// operation: with K6_SCHEDULES_SEPARATE_COMPILATION they are compiled once, in the translation
// unit that includes <k6/schedules/src.hpp>; header-only, they are function templates
// (detail/io/client.ipp, K6_SCHEDULES_DECL), compiled only where a Client or Pager calls them.
// The handlers are type-erased here, as the operations always did.
#ifndef K6_SCHEDULES_DETAIL_IO_ENTRY_POINTS_HPP
#define K6_SCHEDULES_DETAIL_IO_ENTRY_POINTS_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/call_settings.hpp>
#include <k6/schedules/detail/io/operation.hpp>
#include <k6/schedules/detail/request_spec.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/options.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

struct ClientState;
struct PagerState;

template <class Result>
using Handler = asio::any_completion_handler<void(Result)>;

// Client
K6_SCHEDULES_DECL expected<std::shared_ptr<ClientState>> make_client_state(const asio::any_io_executor& executor,
                                                                           ClientOptions options);
K6_SCHEDULES_DECL const ClientOptions& options_of(const ClientState& state) noexcept;
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<Schedule>> handler);
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<SchedulePage>> handler);
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<void>> handler);
K6_SCHEDULES_DECL void start_call(const std::shared_ptr<ClientState>& state,
                                  std::shared_ptr<const CallSettings> settings, RequestSpec spec,
                                  Handler<expected<AuthenticationResponse>> handler);
K6_SCHEDULES_DECL void start_list_all(const std::shared_ptr<ClientState>& state,
                                      std::shared_ptr<const CallSettings> settings, ListQuery query,
                                      std::size_t max_items, std::size_t max_empty_pages,
                                      Handler<expected<std::vector<Schedule>>> handler);
K6_SCHEDULES_DECL void client_close_idle(const std::shared_ptr<ClientState>& state);
K6_SCHEDULES_DECL void client_cancel_all(const std::shared_ptr<ClientState>& state);
K6_SCHEDULES_DECL void client_close(const std::shared_ptr<ClientState>& state);
K6_SCHEDULES_DECL void start_close(const std::shared_ptr<ClientState>& state, Handler<expected<void>> handler);

// Pager
K6_SCHEDULES_DECL std::shared_ptr<PagerState> make_pager(const std::shared_ptr<ClientState>& state,
                                                         std::shared_ptr<const CallSettings> settings,
                                                         const ListQuery& query, std::size_t max_empty_pages,
                                                         bool read_ahead);
K6_SCHEDULES_DECL std::shared_ptr<PagerState> make_resumed_pager(const std::shared_ptr<ClientState>& state,
                                                                 std::shared_ptr<const CallSettings> settings,
                                                                 std::string next_link, std::size_t max_empty_pages,
                                                                 bool read_ahead);
K6_SCHEDULES_DECL void start_next_page(const std::shared_ptr<PagerState>& pager,
                                       Handler<expected<SchedulePage>> handler);
K6_SCHEDULES_DECL void start_next(const std::shared_ptr<PagerState>& pager,
                                  Handler<std::optional<expected<Schedule>>> handler);
K6_SCHEDULES_DECL std::optional<std::int64_t> pager_total_count(const PagerState& pager);
K6_SCHEDULES_DECL std::optional<std::string> pager_next_link(const PagerState& pager);
K6_SCHEDULES_DECL bool pager_done(const PagerState& pager);
K6_SCHEDULES_DECL void pager_cancel_read_ahead(const std::shared_ptr<PagerState>& pager) noexcept;

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_ENTRY_POINTS_HPP
