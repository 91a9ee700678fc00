#!/usr/bin/env bash
# The main job: builds everything, starts the local emulator on a free port, runs the tour of the
# client against it over HTTPS, and stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}

cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}" --target k6-schedules-emulator k6-schedules-tour

export K6_CLOUD_TOKEN=${K6_CLOUD_TOKEN:-emulator-token}
export K6_CLOUD_STACK_ID=${K6_CLOUD_STACK_ID:-4242}
workdir=$(mktemp -d)
"$build_dir/examples/k6-schedules-emulator" --port 0 --cert-dir "$workdir/certs" >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
emulator=$!
trap 'kill -TERM $emulator 2>/dev/null || true; wait $emulator 2>/dev/null || true; rm -rf "$workdir"' EXIT

for _ in $(seq 100); do [[ -s $workdir/emulator.out ]] && break; sleep 0.1; done
read -r started <"$workdir/emulator.out" || { cat "$workdir/emulator.err" >&2; exit 1; }
echo "emulator: $started"
K6_CLOUD_API_URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$started")
K6_CLOUD_CA_FILE=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ca_file"])' "$started")
export K6_CLOUD_API_URL K6_CLOUD_CA_FILE

"$build_dir/examples/k6-schedules-tour"
