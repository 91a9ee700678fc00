// SPDX-License-Identifier: BSL-1.0
// k6-schedules-cpp: an asynchronous C++23 client for the Grafana Cloud k6 Schedules REST API.
// Include this header (or single_include/k6/schedules.hpp, the same library in one file).
// When runs must be computed locally, include <k6/schedules/recurrence.hpp> as well: it needs a
// time-zone database (CMake target k6::schedules_recurrence), which nothing here does. For blocking
// calls, include <k6/schedules/blocking.hpp> (kept out of here: code that does not block should
// not compile it).
#ifndef K6_SCHEDULES_HPP
#define K6_SCHEDULES_HPP

#include <k6/schedules/bulk.hpp>
#include <k6/schedules/client.hpp>
#include <k6/schedules/cron.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/ids.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/observer.hpp>
#include <k6/schedules/options.hpp>
#include <k6/schedules/pager.hpp>
#include <k6/schedules/redactor.hpp>
#include <k6/schedules/time.hpp>
#include <k6/schedules/validation.hpp>
#include <k6/schedules/version.hpp>

/// @file
/// The whole client: every public header except k6/schedules/recurrence.hpp, which needs a
/// time-zone database (CMake target k6::schedules_recurrence).

/// @namespace k6
/// The library's top-level namespace; everything public is in k6::schedules.

/// @namespace k6::schedules
/// The client of the Grafana Cloud k6 Schedules REST API: BasicClient (Client) and its Pager, the
/// API's models, errors (ApiError, expected), JSON conversion, validation; in
/// k6/schedules/blocking.hpp, BlockingClient (the same operations as blocking calls) and its
/// BlockingPager; in k6/schedules/recurrence.hpp, the local computation of runs. Everything lives in an inline namespace that versions the ABI;
/// write the names as k6::schedules::Client and so on.

#endif  // K6_SCHEDULES_HPP
