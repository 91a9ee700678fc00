#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running the examples need, plus any
# package names given as arguments (CI adds clang-19). Idempotent: when everything is present it
# changes nothing and needs no network.
set -euo pipefail

packages=(
  g++ cmake ninja-build python3 openssl ca-certificates tzdata
  libssl-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev doctest-dev libhowardhinnant-date-dev
  libcurl4-openssl-dev  # only the listing benchmark's baseline
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
