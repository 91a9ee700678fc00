// SPDX-License-Identifier: BSL-1.0
// The other half (see mixed_modes.sh): separate compilation, calling the header-only half with a
// library type. The two modes must not meet silently: this must fail to link.
#define K6_SCHEDULES_SEPARATE_COMPILATION
#include <k6/schedules/options.hpp>

#include <cstddef>

std::size_t connections_of(const k6::schedules::ClientOptions& options);

int main() { return connections_of(k6::schedules::ClientOptions{}) == 8 ? 0 : 1; }
