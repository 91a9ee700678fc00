// SPDX-License-Identifier: BSL-1.0
// What each operation sends: method, target and body, before any HTTP is involved. Light, so
// that the public headers can build it without the transport (see separate compilation).
#ifndef K6_SCHEDULES_DETAIL_REQUEST_SPEC_HPP
#define K6_SCHEDULES_DETAIL_REQUEST_SPEC_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/validation.hpp>

#include <boost/beast/http/verb.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

namespace http = boost::beast::http;

struct RequestSpec {
    http::verb method = http::verb::get;
    std::string target;               // path and query below the API URL's path (see target_is_absolute)
    std::optional<std::string> body;  // JSON
    std::optional<ApiError> refused;  // set when the arguments are invalid: complete with it, send nothing
    bool target_is_absolute = false;  // an @nextLink's target, sent exactly as the server wrote it
    std::string_view operation{};     // its name for AttemptObserver: a literal, e.g. "get_schedule"
    // The auth operation's X-Stack-Url, sent instead of X-Stack-Id: that call finds the id out, so
    // it is the one request that neither has nor waits for one. Null for every other request, and a
    // pointer so that moving a spec (several times per call) stays as cheap as before it existed.
    std::shared_ptr<const std::string> stack_url{};

    std::string request_target(const Endpoint& endpoint) const {
        return target_is_absolute ? target : concat({endpoint.base_path, target});
    }
};

template <class Tag>
std::optional<ApiError> check_id(Id<Tag> id, const char* what) {
    if (id.value > 0) return std::nullopt;
    return invalid_argument(concat({what, " must be a positive integer, got ", std::to_string(id.value)}), "id")
        .error();
}

inline RequestSpec get_load_test_schedule_request(LoadTestId id) {
    return {http::verb::get, concat({"/cloud/v6/load_tests/", to_string(id), "/schedule"}), std::nullopt,
            check_id(id, "the load test id"), false, "get_load_test_schedule"};
}

// What `validator` says of `request`. It is the user's code, run inside an initiating function,
// which must not throw: an exception refuses the request as an internal error.
inline std::optional<ApiError> validator_verdict(
    const std::function<expected<void>(const CreateScheduleRequest&)>& validator,
    const CreateScheduleRequest& request) {
    std::string why;
    try {
        if (auto valid = validator(request); !valid) return std::move(valid.error());
        return std::nullopt;
    } catch (const std::exception& e) {
        why = e.what();
    } catch (...) {
        why = "an exception that is not a std::exception";
    }
    return fail(ErrorKind::internal, errc::internal_error,
                "internal error: ClientOptions::request_validator threw: " + why + "; nothing was sent")
        .error();
}

// `validator` (ClientOptions::request_validator) may be empty: then the request is sent unchecked.
inline RequestSpec set_load_test_schedule_request(
    LoadTestId id, const CreateScheduleRequest& request,
    const std::function<expected<void>(const CreateScheduleRequest&)>& validator = validate_structure) {
    RequestSpec spec{http::verb::post, concat({"/cloud/v6/load_tests/", to_string(id), "/schedule"}), std::nullopt,
                     check_id(id, "the load test id"), false, "set_load_test_schedule"};
    if (!spec.refused && validator) spec.refused = validator_verdict(validator, request);
    if (!spec.refused) spec.body = to_json(request);
    return spec;
}

inline RequestSpec list_schedules_request(const ListQuery& query) {
    RequestSpec spec{http::verb::get, concat({"/cloud/v6/schedules", query.query_string()}), std::nullopt, std::nullopt,
                     false, "list_schedules"};
    if (auto valid = query.validate(); !valid) spec.refused = valid.error();
    return spec;
}

inline RequestSpec schedule_request(http::verb method, ScheduleId id, std::string_view suffix,
                                   std::string_view operation) {
    return {method, concat({"/cloud/v6/schedules/", to_string(id), suffix}), std::nullopt,
            check_id(id, "the schedule id"), false, operation};
}

inline RequestSpec get_schedule_request(ScheduleId id) {
    return schedule_request(http::verb::get, id, "", "get_schedule");
}
inline RequestSpec delete_schedule_request(ScheduleId id) {
    return schedule_request(http::verb::delete_, id, "", "delete_schedule");
}
inline RequestSpec activate_schedule_request(ScheduleId id) {
    return schedule_request(http::verb::post, id, "/activate", "activate_schedule");
}
inline RequestSpec deactivate_schedule_request(ScheduleId id) {
    return schedule_request(http::verb::post, id, "/deactivate", "deactivate_schedule");
}

// GET /cloud/v6/auth with X-Stack-Url. The URL is checked here, not by the server, because it
// goes into a header: a CR or LF in it would let the caller's text become headers of its own.
inline RequestSpec authenticate_request(std::string stack_url) {
    RequestSpec spec{http::verb::get, "/cloud/v6/auth", std::nullopt, std::nullopt, false, "authenticate"};
    if (auto problem = stack_url_problem(stack_url))
        spec.refused = invalid_argument(*problem, "stack_url").error();
    else
        spec.stack_url = std::make_shared<const std::string>(std::move(stack_url));
    return spec;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_REQUEST_SPEC_HPP
