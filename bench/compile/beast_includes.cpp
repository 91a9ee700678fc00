// SPDX-License-Identifier: BSL-1.0
// bench/compare's compile job: the yardstick for umbrella_only.cpp, a translation unit that
// includes Beast's HTTP and SSL headers (as any HTTPS client written with Beast does) and calls
// nothing. Compiled, never run.
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

int main() { return 0; }
