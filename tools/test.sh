#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Configures, builds and runs the whole test suite (the README's second command, and CI's).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
# Release by default: the suite must pass built the way users build it, with -O3. BUILD_TYPE=None
# leaves the optimization to CXXFLAGS (CI's sanitizer build).
build_type=${BUILD_TYPE:-Release}

# K6_CMAKE_ARGS: extra configure options, e.g. CI's -DK6_SCHEDULES_WERROR=ON, or what the sanitizer
# build need not repeat.
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${K6_CMAKE_ARGS:-}
cmake --build "$build_dir" --parallel "$jobs"
# K6_CTEST_ARGS: extra ctest options, e.g. CI's sanitizer build leaving out the packaging test.
# shellcheck disable=SC2086
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300 ${K6_CTEST_ARGS:-}
