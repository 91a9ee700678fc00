#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# ctest "installed package works": install the build tree's library into a scratch prefix, then
# configure, build and run tests/consumer against it with find_package(k6_schedules).
set -euo pipefail
source_dir=$1 build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/tests/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
