#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Fails when a doctest case name cannot survive ctest discovery.

    check_test_names.py TEST_BINARY

CMake cuts names at semicolons: a case named "a; b" became two ctest entries that each selected no
case at all, and passed. This lists the binary's cases and refuses any name with a semicolon.
"""
import subprocess
import sys

listing = subprocess.run([sys.argv[1], "--list-test-cases"], capture_output=True, text=True, timeout=60)
names = [line for line in listing.stdout.splitlines() if line and not line.startswith(("[doctest]", "====="))]
bad = [name for name in names if ";" in name]
for name in bad:
    print(f"a test case name with a semicolon, which ctest would cut in two and run nothing for: {name!r}")
print(f"{len(names)} test case names, {len(bad)} with a semicolon")
sys.exit(1 if bad or listing.returncode != 0 or not names else 0)
