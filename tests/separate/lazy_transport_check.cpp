// SPDX-License-Identifier: BSL-1.0
// Header-only, including the client must not compile its transport: the entry points and the
// coroutines behind them are templates, compiled only by a translation unit that calls them (see
// K6_SCHEDULES_DECL). Each line below declares an explicit specialization of one of them, which a
// compiler refuses ("specialization after instantiation") when including the headers has already
// compiled it. So this file compiles only while including costs what it should; if a change makes
// a header use one of them from code that is not a template, this check fails to build.
#include <k6/schedules.hpp>

#ifdef K6_SCHEDULES_SEPARATE_COMPILATION
#error "this check is about header-only mode"
#endif

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The entry points of a get and of a page.
template <>
void start_call<void>(const std::shared_ptr<ClientState>&, std::shared_ptr<const CallSettings>, RequestSpec,
                      Handler<expected<Schedule>>);
template <>
void start_next_page<void>(const std::shared_ptr<PagerState>&, Handler<expected<SchedulePage>>);
template <>
expected<std::shared_ptr<ClientState>> make_client_state<void>(const asio::any_io_executor&, ClientOptions);
// The request with its retries, one exchange on a connection, a new connection.
template <>
asio::awaitable<expected<Answer>> send_with_retries<void>(ClientState&, RequestSpec, const CallSettings&,
                                                          CallBudget&);
template <>
asio::awaitable<std::expected<Exchanged, ExchangeFailure>> exchange_on<void>(Connection&, std::string_view,
                                                                             const Endpoint&, const ClientOptions&,
                                                                             const AttemptLimit&, AttemptProgress&);
template <>
asio::awaitable<expected<std::unique_ptr<Connection>>> open_connection<ClientOptions>(
    ssl::context*, const Endpoint&, const ClientOptions&, const std::optional<Proxy>&, const AttemptLimit&,
    TlsSessionCache*);
// The JSON decoders that read pages and error answers without a tree.
template <>
std::optional<SchedulePage> decode_page_streaming<void>(std::string_view);
template <>
std::expected<DecodedErrorBody, ErrorBodyMismatch> decode_error_body<void>(std::string_view, bool);

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE
