#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Configures, builds and runs the whole test suite (the README's second command, and CI's) with a
# preset of CMakePresets.json:
#   tools/test.sh [PRESET]    release (default: -O3, as users build it, in build/), dev or asan
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
jobs=${JOBS:-$(nproc)}

# BUILD_DIR and BUILD_TYPE override the preset's build directory and build type; BUILD_TYPE=None
# leaves the optimization to CXXFLAGS (CI's sanitizer build). With BUILD_DIR, ctest runs without the
# test preset (CMake 3.25's ctest takes the preset's directory over --test-dir), so only the options
# below apply. K6_CMAKE_ARGS: extra configure options, e.g. CI's -DK6_SCHEDULES_WERROR=ON, or what
# the sanitizer build need not repeat.
configure=(--preset "$preset")
build=(--preset "$preset")
tests=(--preset "$preset")
if [[ -n ${BUILD_DIR:-} ]]; then
  configure+=(-B "$BUILD_DIR")
  build=("$BUILD_DIR")
  tests=(--test-dir "$BUILD_DIR")
fi
if [[ -n ${BUILD_TYPE:-} ]]; then configure+=(-DCMAKE_BUILD_TYPE="$BUILD_TYPE"); fi
# shellcheck disable=SC2086
cmake "${configure[@]}" ${K6_CMAKE_ARGS:-}
cmake --build "${build[@]}" --parallel "$jobs"
# K6_CTEST_ARGS: extra ctest options, e.g. CI's sanitizer build leaving out the packaging tests.
# shellcheck disable=SC2086
ctest "${tests[@]}" --output-on-failure --parallel "$jobs" --timeout 300 ${K6_CTEST_ARGS:-}
