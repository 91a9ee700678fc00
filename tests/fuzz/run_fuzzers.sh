#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Runs every libFuzzer target of a build configured with -DK6_SCHEDULES_BUILD_FUZZERS=ON (Clang):
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET
# The seed corpora are written into BUILD_DIR/fuzz/corpus/<target> (tests/fuzz/make_corpus.py), where
# libFuzzer also keeps what it finds; logs and any crash reproducers go to BUILD_DIR/fuzz/. Fails when a
# target finds a crash, a leak, a timeout or a sanitizer error (libFuzzer then exits non-zero).
set -euo pipefail
if (($# != 2)); then
  echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET" >&2
  exit 2
fi
source_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "$1" && pwd)
seconds=$2
work=$build_dir/fuzz
mkdir -p "$work/logs" "$work/artifacts"

python3 "$source_dir/make_corpus.py" "$work/corpus"
# UBSan findings with a stack (the caller's ASAN_OPTIONS/UBSAN_OPTIONS win).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# target, corpus directory, dictionary (or empty)
targets=(
  "fuzz_json_decode json $source_dir/json.dict"
  "fuzz_page_decoder page $source_dir/json.dict"
  "fuzz_rfc3339 rfc3339 "
  "fuzz_next_link next_link "
  "fuzz_retry_after retry_after "
  "fuzz_error_text error_text $source_dir/error_text.dict"
  "fuzz_connect_answer connect_answer "
  "fuzz_schedule_document schedule_document $source_dir/json.dict"
)
failed=()
for entry in "${targets[@]}"; do
  read -r target corpus dict <<<"$entry"
  binary=$build_dir/tests/fuzz/$target
  if [[ ! -x $binary ]]; then
    echo "run_fuzzers: $binary is missing (configure with -DK6_SCHEDULES_BUILD_FUZZERS=ON and build)" >&2
    exit 2
  fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$work/artifacts/$target-")
  [[ -n $dict ]] && args+=(-dict="$dict")
  log=$work/logs/$target.log
  status=0
  "$binary" "${args[@]}" "$work/corpus/$corpus" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  size=$(find "$work/corpus/$corpus" -type f | wc -l)
  if ((status == 0)); then
    echo "run_fuzzers: $target: ok, ${runs:-?} executions in ${seconds} s, corpus $size files"
  else
    echo "run_fuzzers: $target: FAILED (exit $status) after ${runs:-?} executions; log $log:" >&2
    grep -E -A40 '==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$log" | head -n 80 >&2 ||
      tail -n 40 "$log" >&2
    failed+=("$target")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "run_fuzzers: ${#failed[@]} target(s) failed: ${failed[*]}; reproducers in $work/artifacts" >&2
  exit 1
fi
echo "run_fuzzers: all ${#targets[@]} targets ran ${seconds} s each without a finding"
