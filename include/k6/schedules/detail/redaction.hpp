// SPDX-License-Identifier: BSL-1.0
// Sealing: an operation's result, and what an observer sees, with the client's secrets masked.
// Every ApiError a client completes an operation with passes through seal() on its way to the
// handler (OperationCompletion), and every error an observer sees through it too (ObservedAttempt),
// whatever made the error: the server's answer, a decoder quoting a field, a refused @nextLink, a
// transport failure, an exception. Code that makes an error never has to think of the token.
#ifndef K6_SCHEDULES_DETAIL_REDACTION_HPP
#define K6_SCHEDULES_DETAIL_REDACTION_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/redactor.hpp>
#include <k6/schedules/error.hpp>

#include <expected>
#include <optional>
#include <string>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

inline void seal(const Redactor& redactor, ApiError& error) {
    const auto mask = [&redactor](std::string& text) {
        if (!text.empty()) text = redactor.redact(text);
    };
    mask(error.code);
    mask(error.message);
    if (error.target) mask(*error.target);
    for (ErrorDetails& detail : error.details) {
        mask(detail.code);
        mask(detail.message);
        if (detail.target) mask(*detail.target);
    }
    mask(error.retry_stopped);
}

// The results operations complete with: expected<T>, optional<expected<T>> (Pager::async_next),
// a vector of them (async_for_each). A success costs one test.
template <class T>
void seal(const Redactor& redactor, std::expected<T, ApiError>& result) {
    if (!result) seal(redactor, result.error());
}

template <class T>
void seal(const Redactor& redactor, std::optional<T>& result) {
    if (result) seal(redactor, *result);
}

template <class T>
void seal(const Redactor& redactor, std::vector<T>& results) {
    for (T& result : results) seal(redactor, result);
}

// Any other result type (async_for_each over a user's operation) carries no ApiError we can see.
template <class T>
void seal(const Redactor&, T&) {}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_REDACTION_HPP
