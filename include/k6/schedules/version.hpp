// SPDX-License-Identifier: BSL-1.0
// The library version, also sent in the User-Agent header.
#ifndef K6_SCHEDULES_VERSION_HPP
#define K6_SCHEDULES_VERSION_HPP

/// @file
/// The library's version, as macros (for the preprocessor) and as constants.

/// Major version: incompatible API changes.
#define K6_SCHEDULES_VERSION_MAJOR 0
/// Minor version: compatible additions.
#define K6_SCHEDULES_VERSION_MINOR 1
/// Patch version: fixes.
#define K6_SCHEDULES_VERSION_PATCH 0
/// The version as text, "MAJOR.MINOR.PATCH".
#define K6_SCHEDULES_VERSION_STRING "0.1.0"

#include <k6/schedules/detail/config.hpp>

#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE

/// The library's version, K6_SCHEDULES_VERSION_STRING ("0.1.0").
inline constexpr std::string_view version = K6_SCHEDULES_VERSION_STRING;
/// The User-Agent header every request carries: "k6-schedules-cpp/" followed by #version.
inline constexpr std::string_view user_agent = "k6-schedules-cpp/" K6_SCHEDULES_VERSION_STRING;

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_VERSION_HPP
