// SPDX-License-Identifier: BSL-1.0
// Configuration macros shared by every header: the inline ABI namespace and compiler checks.
#ifndef K6_SCHEDULES_DETAIL_CONFIG_HPP
#define K6_SCHEDULES_DETAIL_CONFIG_HPP

#include <version>

#if !defined(__cpp_lib_expected) || __cpp_lib_expected < 202202L
#error "k6-schedules-cpp needs C++23's std::expected: compile with -std=c++23 (GCC >= 12, Clang >= 16)"
#endif

// Separate compilation. By default the library is header-only: every translation unit that
// includes it compiles the transport (Asio, Beast, OpenSSL) and the coroutines behind the
// operations, seconds of compile time each. Defining K6_SCHEDULES_SEPARATE_COMPILATION in every
// translation unit leaves only declarations of those in the headers; exactly one translation unit
// includes <k6/schedules/src.hpp> (or, with the single header, defines K6_SCHEDULES_IMPLEMENTATION
// before including it) to compile them once. CMake users link k6::schedules_compiled instead.
#if defined(K6_SCHEDULES_IMPLEMENTATION) && !defined(K6_SCHEDULES_SEPARATE_COMPILATION)
#define K6_SCHEDULES_SEPARATE_COMPILATION
#endif

// Everything public lives in k6::schedules; the inline namespace versions the ABI so that two
// incompatible copies of this library cannot be linked into one program silently. The two modes
// have inline namespaces of their own: the same function is inline in one and defined once in the
// other, and a program whose translation units disagree on the mode would otherwise break the one
// definition rule without a word. With distinct names, translation units of different modes share
// nothing, and one that passes a library type to a translation unit of the other mode fails to
// link (an undefined reference naming v1_compiled or v1), rather than run on two definitions.
#ifdef K6_SCHEDULES_SEPARATE_COMPILATION
#define K6_SCHEDULES_ABI_NAMESPACE v1_compiled
#else
#define K6_SCHEDULES_ABI_NAMESPACE v1
#endif
#define K6_SCHEDULES_BEGIN_NAMESPACE \
    namespace k6::schedules {        \
    inline namespace K6_SCHEDULES_ABI_NAMESPACE {
#define K6_SCHEDULES_END_NAMESPACE \
    }                              \
    }

// The functions behind that boundary: inline when header-only, defined once otherwise.
#ifdef K6_SCHEDULES_SEPARATE_COMPILATION
#define K6_SCHEDULES_DECL
#else
#define K6_SCHEDULES_DECL inline
#endif

#endif  // K6_SCHEDULES_DETAIL_CONFIG_HPP
