#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The main job: builds everything, starts the local emulator on a free port (HTTPS, with a CA it
# generates), and tours the Schedules API with the k6-schedules command-line tool against it,
# printing real results; then stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}

cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}" --target k6-schedules-emulator k6-schedules

export K6_CLOUD_TOKEN=${K6_CLOUD_TOKEN:-k6-tour-token}
export K6_CLOUD_STACK_ID=${K6_CLOUD_STACK_ID:-4242}
work=$(mktemp -d)
"$build_dir/examples/k6-schedules-emulator" --port 0 --cert-dir "$work/certs" >"$work/emulator.out" 2>"$work/emulator.err" &
emulator=$!
trap 'kill -TERM $emulator 2>/dev/null || true; wait $emulator 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [[ -s $work/emulator.out ]] && break; sleep 0.1; done
read -r started <"$work/emulator.out" || { cat "$work/emulator.err" >&2; exit 1; }
echo "emulator started: $started"
K6_CLOUD_API_URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$started")
K6_CLOUD_CA_FILE=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ca_file"])' "$started")
export K6_CLOUD_API_URL K6_CLOUD_CA_FILE

cli=$build_dir/examples/k6-schedules
step() { printf '\n# %s\n' "$1"; }
k6() {  # shows the command, runs it, and says how it exited when that was not 0
  local shown=() arg
  for arg in "$@"; do [[ $arg == *" "* ]] && shown+=("\"$arg\"") || shown+=("$arg"); done
  printf '$ k6-schedules %s\n' "${shown[*]}"
  local status=0
  "$cli" "$@" || status=$?
  if ((status != 0)); then printf '(exit status %d)\n' "$status"; fi
  return 0
}
in_one_hour=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
today=$(date -u +%Y-%m-%dT00:00:00Z)

step "A recurrence rule: every two hours from an hour from now, twelve times"
k6 set 1 --starts "$in_one_hour" --frequency HOURLY --interval 2 --count 12
step "A cron schedule: 07:00 on weekdays, Berlin time"
k6 set 2 --starts "$today" --cron "0 7 * * MON-FRI" --time-zone Europe/Berlin
step "Their next runs, computed locally by the recurrence engine"
k6 next --load-test 1 -n 4
k6 next --load-test 2 -n 4
step "Ten more schedules, then every schedule across pages of 5 (following @nextLink)"
for load_test in $(seq 3 12); do
  "$cli" --json set "$load_test" --starts "$today" --frequency DAILY --interval "$load_test" >/dev/null
done
k6 list --top 5 --all --count
step "Check a schedule before sending it: --dry-run shows its next runs and what they would meet, changing nothing"
k6 set 13 --starts +1h --frequency weekly --byday mo,we,fr --dry-run
k6 set 13 --starts "$today" --cron "0 7 * * MON-FRI" --time-zone Europe/Berlin --dry-run
step "A recurrence rule runs on UTC: with --tz, set warns when daylight saving time moves its local time"
k6 --tz Europe/Berlin set 13 --starts 2026-12-08T07:00 --frequency daily --dry-run --no-overlaps
step "Every run of the next day across all schedules, computed locally from one listing"
k6 upcoming --to +1d
step "Times on a wall clock of your choice, and JSON with one value per line"
k6 --tz Europe/Berlin next --load-test 2 -n 2
k6 --json next --load-test 2 -n 2
step "Several schedules at once (ids of load tests 10 to 12)"
several=$("$cli" --json list --all | python3 -c 'import json,sys
print(" ".join(str(s["id"]) for s in map(json.loads, sys.stdin) if s["load_test_id"] >= 10))')
# shellcheck disable=SC2086 # one argument per id
k6 deactivate $several
step "Filters: the deactivated schedules, and one load test's, with their start and end"
k6 list --state deactivated
k6 list -o wide --load-test 1,2
step "Pause everything for a maintenance window, recording what was paused, then resume exactly that"
k6 pause --all --save "$work/paused.json"
k6 list --state active
k6 resume "$work/paused.json"
step "Your stack by its URL instead of its id: the stack id and the default project"
k6 --stack-url https://emulator.grafana.net auth
step "Deactivate the cron schedule and re-activate it"
id=$("$cli" --json get 2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
k6 deactivate "$id"
k6 show "$id"
k6 activate "$id"
k6 --json show "$id"
step "Delete it; the server then answers 404"
k6 delete "$id"
k6 show "$id"
step "An invalid schedule is refused before anything is sent (exit status 2)"
k6 set 3 --starts "$today" --cron "0 7 * * * *"
step "Schedules as code: export what runs, edit the file, plan (like a diff), apply, plan again"
k6 export --output "$work/schedules.json"
python3 - "$work/schedules.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
for entry in doc["schedules"]:
    if entry["load_test_id"] == 1:
        entry["recurrence_rule"]["interval"] = 3  # every three hours instead of two
    if entry["load_test_id"] == 4:
        entry["deactivated"] = True
doc["schedules"].append({"load_test_id": 14, "starts": "2030-01-01T06:00:00Z",
                         "cron": {"schedule": "0 6 * * MON", "time_zone": "Europe/Berlin"}})
json.dump(doc, open(path, "w"), indent=2)
PY
k6 plan "$work/schedules.json" --exit-code
k6 apply "$work/schedules.json"
k6 plan "$work/schedules.json" --exit-code
