// Configuration macros shared by every header: the inline ABI namespace and compiler checks.
#ifndef K6_SCHEDULES_DETAIL_CONFIG_HPP
#define K6_SCHEDULES_DETAIL_CONFIG_HPP

#include <version>

#if !defined(__cpp_lib_expected) || __cpp_lib_expected < 202202L
#error "k6-schedules-cpp needs C++23's std::expected: compile with -std=c++23 (GCC >= 12, Clang >= 16)"
#endif

// Everything public lives in k6::schedules; the inline namespace versions the ABI so that two
// incompatible copies of this header-only library cannot be linked into one program silently.
#define K6_SCHEDULES_BEGIN_NAMESPACE \
    namespace k6::schedules {        \
    inline namespace v1 {
#define K6_SCHEDULES_END_NAMESPACE \
    }                              \
    }

#endif  // K6_SCHEDULES_DETAIL_CONFIG_HPP
