#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# A program whose translation units disagree on the library's mode (header-only in one, separate
# compilation in the other) must fail to link, naming the mode's namespace, instead of linking and
# breaking the one definition rule without a word (the same functions inline in one mode, defined
# once in the other).
#   mixed_modes.sh CXX INCLUDE_DIR
set -u
cxx=$1 include=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cxx" -std=c++23 -I"$include" -c "$here/mixed_modes_header_only.cpp" -o "$work/a.o" || exit 1
"$cxx" -std=c++23 -I"$include" -c "$here/mixed_modes_separate.cpp" -o "$work/b.o" || exit 1
if "$cxx" "$work/a.o" "$work/b.o" -o "$work/mixed" -lboost_url -lboost_json 2>"$work/link.log"; then
    echo "linked: the two modes met silently"
    exit 1
fi
cat "$work/link.log"
