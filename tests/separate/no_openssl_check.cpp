// SPDX-License-Identifier: BSL-1.0
// With K6_SCHEDULES_SEPARATE_COMPILATION, code that uses the client compiles without OpenSSL's
// headers: only the translation unit of <k6/schedules/src.hpp> needs them. This one fails to
// compile when <k6/schedules.hpp> brings any in (every OpenSSL header defines one of these macros).
#include <k6/schedules.hpp>

#if defined(OPENSSL_VERSION_NUMBER) || defined(OPENSSL_E_OS2_H) || defined(HEADER_E_OS2_H)
#error "<k6/schedules.hpp> includes an OpenSSL header under K6_SCHEDULES_SEPARATE_COMPILATION"
#endif
