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

// The functions behind that boundary: defined once with separate compilation. Header-only, they
// are function templates (of a parameter nobody names, so that calls look the same): a template's
// body is compiled only in a translation unit that calls it, where an inline function's body, and
// every template it uses (the coroutines, Asio's and OpenSSL's operations), is compiled by each
// one that includes it. So a translation unit that includes the client and calls nothing parses
// the transport but compiles none of it, and one that only gets and lists compiles no other
// operation.
// K6_SCHEDULES_DECL begins the declaration, K6_SCHEDULES_DEF the definition (a default template
// argument may be given once only).
#ifdef K6_SCHEDULES_SEPARATE_COMPILATION
#define K6_SCHEDULES_DECL
#define K6_SCHEDULES_DEF
#else
#define K6_SCHEDULES_DECL   \
    template <class = void> \
    inline
#define K6_SCHEDULES_DEF \
    template <class>     \
    inline
#endif

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// `value`, as an expression whose type depends on the template parameter Deferred. In a function
// template of a parameter nobody names (see K6_SCHEDULES_DECL), a call on it is then resolved, and
// the Asio operation it starts compiled, only where that function template is used: a call whose
// types are all known is checked where it is written, and an Asio operation's deduced return type
// means compiling the operation.
template <class Deferred, class T>
constexpr T& deferred(T& value) noexcept {
    return value;
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_CONFIG_HPP
