// SPDX-License-Identifier: BSL-1.0
// k6-schedules-cpp: an asynchronous C++23 client for the Grafana Cloud k6 Schedules REST API.
// Include this header (or single_include/k6/schedules.hpp, the same library in one file).
// When runs must be computed locally, include <k6/schedules/recurrence.hpp> as well: it needs a
// time-zone database (CMake target k6::schedules_recurrence), which nothing here does.
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
#include <k6/schedules/options.hpp>
#include <k6/schedules/pager.hpp>
#include <k6/schedules/time.hpp>
#include <k6/schedules/validation.hpp>
#include <k6/schedules/version.hpp>

#endif  // K6_SCHEDULES_HPP
