#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# prism_conformance.sh EMULATOR TOUR SPEC [--expect-violation EMULATOR_FLAGS...]
# Runs the tour (every operation, paging across @nextLink, the documented errors) with the client
# talking to the emulator THROUGH Stoplight Prism in proxy mode, which checks every request and
# every answer against the official OpenAPI description. Fails on any violation Prism reports,
# or if the tour does not see exactly the results it expects.
# With --expect-violation, the emulator gets the flags that follow (e.g. fault injection that
# answers with undocumented statuses) and the run must be caught: proof that the check can fail.
set -euo pipefail
emulator=$1 tour=$2 spec=$3
shift 3
expect_violation=false
if [[ ${1:-} == --expect-violation ]]; then
  expect_violation=true
  shift
fi
emulator_flags=("$@")
prism=${K6_PRISM:-${K6_TOOLS_DIR:-$HOME/.cache/k6-schedules-cpp}/prism-5.14.2/node_modules/.bin/prism}
if [[ ! -x $prism ]]; then
  echo "prism not found at $prism: run tools/setup.sh" >&2
  exit 1
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
prism_port=$(free_port)
# The tour authenticates with K6_CLOUD_STACK_URL: the emulator must know that URL (--stack-url) to
# answer 200 with the stack id, or the auth exchange Prism checks would be a 403.
export K6_CLOUD_TOKEN=prism-conformance-token K6_CLOUD_STACK_ID=4242 K6_CLOUD_STACK_URL=https://prism-conformance.grafana.net

"$emulator" --http --port 0 --public-url "http://127.0.0.1:$prism_port" --stack-url "$K6_CLOUD_STACK_URL" \
  "${emulator_flags[@]}" >"$work/emulator.out" 2>"$work/emulator.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/emulator.out ]] && break; sleep 0.1; done
emulator_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/emulator.out")

"$prism" proxy --errors "$spec" "$emulator_url" --host 127.0.0.1 --port "$prism_port" >"$work/prism.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  grep -q "Prism is listening" "$work/prism.log" && break
  sleep 0.1
done
grep -q "Prism is listening" "$work/prism.log" || { cat "$work/prism.log" >&2; exit 1; }

status=0
K6_CLOUD_API_URL="http://127.0.0.1:$prism_port" "$tour" >"$work/tour.out" || status=$?
violations=$(grep -c "Violation" "$work/prism.log" || true)
echo "prism: $(grep -c "Request received" "$work/prism.log" || true) requests validated, $violations violations"
if $expect_violation; then
  grep -m 3 "Violation" "$work/prism.log" || true
  if ((violations > 0)); then exit 0; fi
  echo "expected Prism to report a violation, and it reported none" >&2
  exit 1
fi
cat "$work/tour.out"
if ((violations > 0)); then
  echo "Prism reported violations of the OpenAPI description:" >&2
  grep "Violation" "$work/prism.log" >&2
  status=1
fi
exit "$status"
