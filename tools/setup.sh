#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Installs what building, testing and running the examples need on Debian 12, plus any Debian
# package names given as arguments (CI adds clang-19):
#   - the Debian packages below;
#   - Stoplight Prism (npm, pinned), which the conformance test runs between client and emulator,
#     into $K6_TOOLS_DIR (default ~/.cache/k6-schedules-cpp).
# Idempotent: when everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
  g++ cmake ninja-build python3 openssl ca-certificates tzdata
  libssl-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev doctest-dev libhowardhinnant-date-dev
  libcurl4-openssl-dev  # only the listing benchmark's baseline
  tinyproxy             # a real HTTP proxy for the proxy tests
  doxygen               # the API reference (target docs) and its ctest
  "$@"
)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} Debian packages are installed"
else
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

prism_version=5.14.2
tools_dir=${K6_TOOLS_DIR:-$HOME/.cache/k6-schedules-cpp}
prism_dir=$tools_dir/prism-$prism_version
if [[ -x $prism_dir/node_modules/.bin/prism ]]; then
  echo "setup: prism $prism_version is installed in $prism_dir"
else
  echo "setup: installing @stoplight/prism-cli@$prism_version into $prism_dir"
  mkdir -p "$prism_dir"
  npm install --prefix "$prism_dir" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$prism_version"
fi
