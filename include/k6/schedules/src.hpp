// SPDX-License-Identifier: BSL-1.0
// Separate compilation: include this header in exactly one translation unit of the program, with
// K6_SCHEDULES_SEPARATE_COMPILATION defined in every translation unit (that one too). The headers
// then declare the client's transport and operations instead of defining them, and this
// translation unit compiles them once. CMake users link k6::schedules_compiled instead, which does
// both. With the single header, define K6_SCHEDULES_IMPLEMENTATION before including it in one
// translation unit instead.
#ifndef K6_SCHEDULES_SRC_HPP
#define K6_SCHEDULES_SRC_HPP

#ifndef K6_SCHEDULES_SEPARATE_COMPILATION
#error "<k6/schedules/src.hpp> is for separate compilation: define K6_SCHEDULES_SEPARATE_COMPILATION in every translation unit, or include only <k6/schedules.hpp> (header-only)"
#endif

#include <k6/schedules.hpp>
#include <k6/schedules/detail/io/client.ipp>

#endif  // K6_SCHEDULES_SRC_HPP
