// SPDX-License-Identifier: BSL-1.0
// The one translation unit that compiles the single header's implementation, for a program whose
// every translation unit defines K6_SCHEDULES_SEPARATE_COMPILATION (see the CMake test that uses it).
#define K6_SCHEDULES_IMPLEMENTATION
#include <k6/schedules.hpp>
