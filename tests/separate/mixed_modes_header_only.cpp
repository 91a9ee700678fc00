// SPDX-License-Identifier: BSL-1.0
// Half of a program that mixes the library's two modes (see mixed_modes.sh): this translation unit
// uses it header-only and defines a function that takes one of its types.
#include <k6/schedules/options.hpp>

#include <cstddef>

std::size_t connections_of(const k6::schedules::ClientOptions& options) { return options.max_connections; }
