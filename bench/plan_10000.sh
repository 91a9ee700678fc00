#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Schedules as code at scale: the emulator with N made-up schedules (--generate, 10,000 by default)
# on 127.0.0.1, `k6-schedules export` of them, then `k6-schedules plan` of that document (listing
# every page, reading and checking the document, planning) RUNS times; prints each wall time and the
# median, and checks that the plan is empty. Release build:
#   bash bench/plan_10000.sh [BUILD_DIR] [N] [RUNS]
set -euo pipefail
build_dir=${1:-build}
count=${2:-10000}
runs=${3:-5}
cli=$build_dir/examples/k6-schedules
emulator=$build_dir/examples/k6-schedules-emulator
work=$(mktemp -d)
"$emulator" --port 0 --http --token bench --generate "$count" >"$work/emulator.out" 2>"$work/emulator.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do [[ -s $work/emulator.out ]] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$work/emulator.out")
export K6_CLOUD_API_URL=$url K6_CLOUD_TOKEN=bench K6_CLOUD_STACK_ID=1
"$cli" export --output "$work/schedules.json"
echo "exported $(grep -c load_test_id "$work/schedules.json") schedules"
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$cli" plan "$work/schedules.json" --exit-code >"$work/plan.out" 2>"$work/plan.err"
  end=$(date +%s%N)
  times+=($(((end - start) / 1000000)))
done
echo "plan: $(cat "$work/plan.out"), $(grep -c expired "$work/plan.err") expired-schedule notes"
echo "plan of $count schedules, listing included (ms): ${times[*]}"
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " ms"}'
