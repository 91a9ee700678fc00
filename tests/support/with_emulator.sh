#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# with_emulator.sh EMULATOR [EMULATOR FLAGS...] -- COMMAND [ARGS...]
# Starts the emulator on a free port over HTTPS, points K6_CLOUD_* at it, runs COMMAND, stops the
# emulator (SIGTERM) and exits with COMMAND's status, or fails when the emulator did not exit cleanly
# (a crash, or a sanitizer's report at exit). For ctest cases that run programs end to end.
# With K6_EMULATOR_SEED_DATA=FILE, the emulator starts from a copy of that data file.
set -euo pipefail
emulator=$1
shift
flags=()
while (($#)) && [[ $1 != -- ]]; do flags+=("$1"); shift; done
shift  # --
work=$(mktemp -d)
if [[ -n ${K6_EMULATOR_SEED_DATA:-} ]]; then
  cp "$K6_EMULATOR_SEED_DATA" "$work/data.json"
  flags+=(--data "$work/data.json")
fi
export K6_CLOUD_TOKEN=${K6_CLOUD_TOKEN:-ctest-token-5f4e3d2c}
export K6_CLOUD_STACK_ID=${K6_CLOUD_STACK_ID:-4242}
"$emulator" --port 0 --cert-dir "$work/certs" "${flags[@]}" >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [[ -s $work/out ]] && break; sleep 0.1; done
read -r started <"$work/out" || { cat "$work/err" >&2; exit 1; }
K6_CLOUD_API_URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$started")
K6_CLOUD_CA_FILE=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ca_file"])' "$started")
export K6_CLOUD_API_URL K6_CLOUD_CA_FILE
status=0
"$@" || status=$?
emulator_status=0
kill -TERM $pid 2>/dev/null || true
wait $pid || emulator_status=$?
if ((emulator_status != 0)); then
  echo "with_emulator: the emulator exited with status $emulator_status; its stderr:" >&2
  cat "$work/err" >&2
  ((status != 0)) || status=1
fi
exit $status
