// SPDX-License-Identifier: BSL-1.0
// The client's internals that the unit tests reach into. The single header holds them all; with
// include/, they are separate headers, and in separate-compilation mode <k6/schedules.hpp> does not
// pull in the ones only the compiled part needs, so they are named here.
#pragma once

#include <k6/schedules.hpp>

#if __has_include(<k6/schedules/detail/page_cursor.hpp>)
#include <k6/schedules/detail/error_body_decoder.hpp>
#include <k6/schedules/detail/io/connection.hpp>
#include <k6/schedules/detail/io/parking_spot.hpp>
#include <k6/schedules/detail/page_cursor.hpp>
#include <k6/schedules/detail/proxy.hpp>
#include <k6/schedules/detail/request_builder.hpp>
#include <k6/schedules/detail/response_parser.hpp>
#include <k6/schedules/detail/retry_after.hpp>
#include <k6/schedules/detail/retry_decider.hpp>
#endif
