// SPDX-License-Identifier: BSL-1.0
// bench/compare's compile job: what including the client costs a translation unit that calls
// nothing (a header that names a Schedule or an ApiError, say). Compiled, never run.
#include <k6/schedules.hpp>

int main() { return 0; }
