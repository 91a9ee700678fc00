#!/usr/bin/env bash
# Configures, builds and runs the whole test suite (the README's second command, and CI's).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

# K6_CMAKE_ARGS: extra configure options, e.g. CI's sanitizer build skips what it need not repeat.
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja ${K6_CMAKE_ARGS:-}
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300
