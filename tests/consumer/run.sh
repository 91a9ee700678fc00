#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The packaging ctests: tests/consumer/main.cpp built the way a downstream project gets the library,
# then run; each in a scratch directory of its own, so they run in parallel.
#
#   run.sh MODE SOURCE_DIR BUILD_DIR CXX
#   find-package      install BUILD_DIR into a scratch prefix; a CMake project uses find_package
#   add-subdirectory  a CMake project adds SOURCE_DIR with add_subdirectory
#   fetchcontent      a CMake project gets the committed HEAD of SOURCE_DIR with FetchContent (offline)
#   pkg-config        install; one compiler command with `pkg-config --cflags --libs k6_schedules`
#   single-header     one compiler command with single_include/ and K6_SCHEDULES_BOOST_SOURCES,
#                     linking OpenSSL and threads only
#   install-tree      install; the tools, their shell completions, the license and k6_schedules.pc are
#                     where they belong
set -euo pipefail
mode=$1 source_dir=$2 build_dir=$3 cxx=$4
consumer=$source_dir/tests/consumer
version=$(sed -n 's/^#define K6_SCHEDULES_VERSION_STRING "\(.*\)"$/\1/p' "$source_dir/include/k6/schedules/version.hpp")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL $*" >&2
  exit 1
}

install_build() {
  cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
}

# A CMake consumer project, configured with the given -D options, and built (unoptimized: this
# checks that it builds and links, not how fast it runs).
cmake_consumer() {
  cmake -S "$consumer" -B "$work/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" "$@" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
  cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
}

# Built as part of another project, in the consumer's build directory $1, the library brings its
# targets and nothing else.
check_library_alone() {
  local ours=$1 tests targets installed
  tests=$(ctest --test-dir "$work/build" -N)
  [[ $tests == *"Total Tests: 0"* ]] || fail "the project's tests include ours: $tests"
  # Every target of the build: CMake's own for the consumer's directory and for ours (none for a
  # directory below ours: no subdirectory of ours was added), the consumer, and our library; nothing
  # else, such as a test, example or benchmark program.
  targets=$(cmake --build "$work/build" --target help | sed -n 's/^\([^ ]*\): .*/\1/p')
  while read -r target; do
    case ${target#"$ours/"} in
      all | clean | help | build.ninja | consumer | k6_schedules_compiled | libk6_schedules_compiled.a) ;;
      k6_schedules_testing | libk6_schedules_testing.a | k6_loopback_objects) ;;  # k6::schedules_testing, built when linked
      test | edit_cache | rebuild_cache | list_install_components | install | install/local | install/strip) ;;
      *) fail "the build has a target of the library's project that is not its library: $target" ;;
    esac
  done <<<"$targets"
  echo "ok   the build has no test, example or benchmark target of ours, only our library"
  # Installing the consumer installs the consumer: no headers, packages or tools of ours.
  cmake --install "$work/build" --prefix "$work/installed" >/dev/null || fail "installing the consumer failed"
  installed=$(cd "$work/installed" && find . -type f -o -type l)
  [[ $installed == "./bin/consumer" ]] || fail "installing the consumer installed more than bin/consumer: $installed"
  echo "ok   installing the consumer installs bin/consumer alone"
}

run_consumer() {
  local output
  output=$("$1") || { echo "$output"; fail "the consumer program failed"; }
  echo "$output"
  [[ $output == *"consumer: passed (k6-schedules-cpp $version)"* ]] || fail "the consumer program did not pass"
}

case $mode in
  find-package)
    install_build
    cmake_consumer -DCMAKE_PREFIX_PATH="$work/prefix"
    run_consumer "$work/build/consumer"
    # k6::schedules_testing from the package: a test program against FakeApi.
    [[ -x $work/build/fake_api_consumer ]] || fail "the package has no k6::schedules_testing"
    output=$("$work/build/fake_api_consumer") || { echo "$output"; fail "the FakeApi consumer failed"; }
    echo "$output"
    [[ $output == *"fake api consumer: passed"* ]] || fail "the FakeApi consumer did not pass"
    ;;
  add-subdirectory)
    cmake_consumer -DK6_CONSUMER_MODE=add_subdirectory -DK6_SCHEDULES_SOURCE_DIR="$source_dir"
    check_library_alone k6_schedules
    run_consumer "$work/build/consumer"
    ;;
  fetchcontent)
    # What a user's FetchContent gets is a commit: HEAD, whatever the working tree holds.
    toplevel=$(git -C "$source_dir" rev-parse --show-toplevel 2>/dev/null || true)
    if [[ -z $toplevel || $(realpath "$toplevel") != $(realpath "$source_dir") ]]; then
      echo "skipped: $source_dir is not a git checkout of its own"
      exit 77
    fi
    head=$(git -C "$source_dir" rev-parse --verify HEAD)
    if [[ -n $(git -C "$source_dir" status --porcelain --untracked-files=no) ]]; then
      echo "note: the working tree has uncommitted changes; this builds the commit HEAD, $head"
    fi
    cmake_consumer -DK6_CONSUMER_MODE=fetchcontent -DK6_SCHEDULES_GIT_REPOSITORY="$source_dir" \
      -DK6_SCHEDULES_GIT_TAG="$head"
    fetched=$(git -C "$work/build/_deps/k6_schedules-src" rev-parse HEAD)
    [[ $fetched == "$head" ]] || fail "FetchContent checked out $fetched, not HEAD $head"
    echo "ok   FetchContent checked out HEAD $head"
    check_library_alone _deps/k6_schedules-build
    run_consumer "$work/build/consumer"
    ;;
  pkg-config)
    install_build
    pc=$(find "$work/prefix" -name k6_schedules.pc)
    [[ -n $pc ]] || fail "no k6_schedules.pc installed"
    flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs k6_schedules)
    echo "pkg-config --cflags --libs k6_schedules: $flags"
    [[ " $flags " == *" -I$work/prefix/include "* ]] || fail "the flags do not name the installed headers"
    # shellcheck disable=SC2086
    "$cxx" -std=c++23 -o "$work/consumer" "$consumer/main.cpp" $flags || fail "the plain compiler command failed"
    run_consumer "$work/consumer"
    ;;
  single-header)
    "$cxx" -std=c++23 -DK6_SCHEDULES_BOOST_SOURCES -I"$source_dir/single_include" -o "$work/consumer" \
      "$consumer/main.cpp" -lssl -lcrypto -pthread || fail "the plain compiler command failed"
    needed=$(readelf -d "$work/consumer" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    [[ $needed != *boost* ]] || fail "the program needs a Boost library: $needed"
    echo "ok   it needs $needed"
    run_consumer "$work/consumer"
    ;;
  install-tree)
    install_build
    for tool in k6-schedules k6-schedules-emulator; do
      [[ -x $work/prefix/bin/$tool ]] || fail "bin/$tool is not installed"
      said=$("$work/prefix/bin/$tool" --version) || fail "$tool --version failed"
      [[ $said == "$tool $version" ]] || fail "$tool --version printed \"$said\", not \"$tool $version\""
      echo "ok   bin/$tool --version: $said"
    done
    cmp "$work/prefix/share/doc/k6_schedules/LICENSE_1_0.txt" "$source_dir/LICENSE_1_0.txt" ||
      fail "share/doc/k6_schedules/LICENSE_1_0.txt is not the license"
    echo "ok   share/doc/k6_schedules/LICENSE_1_0.txt"
    # The shell completion scripts, where bash-completion and zsh look under the prefix: what the
    # installed tool writes.
    for shell in bash zsh; do
      case $shell in
        bash) script=share/bash-completion/completions/k6-schedules ;;
        zsh) script=share/zsh/site-functions/_k6-schedules ;;
      esac
      cmp -s "$work/prefix/$script" <("$work/prefix/bin/k6-schedules" completion $shell) ||
        fail "$script is missing or is not what k6-schedules completion $shell writes"
      echo "ok   $script"
    done
    pc=$(find "$work/prefix" -name k6_schedules.pc)
    [[ $(sed -n 's/^prefix=//p' "$pc") == "$work/prefix" ]] ||
      fail "k6_schedules.pc does not name the prefix it was installed into: $(cat "$pc")"
    grep -qx "Version: $version" "$pc" || fail "k6_schedules.pc has another version than $version"
    echo "ok   ${pc#"$work/prefix/"} names the prefix and version $version"
    ;;
  *)
    fail "unknown mode $mode"
    ;;
esac
