#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: blackout-probe killed with SIGKILL right after a lab migration leaves files that
# blackout-analyze still reads: the outage is reported and the log is flagged incomplete.
# Usage: killed_probe.sh BUILD_DIR. Exit 77 (skipped) without root or namespaces.
set -euo pipefail
build=$1
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
trap 'rm -rf "$run"' EXIT
"$build/lab/blackout-lab" run kb-fixed --run "$run" --lead 1500ms --tail 10s -- bash -c '
  "$0" --quiet --run "$BLACKOUT_RUN" 192.0.2.2 & probe=$!
  sleep 3.5; kill -KILL $probe; wait $probe; exit 0' "$build/probe/blackout-probe" || true
"$build/analysis/blackout-analyze" "$run"
python3 - "$run/analysis.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
o = j["streams"][0]["outages"]
checks = [
    (j["input"]["log_complete"] is False, "log flagged incomplete"),
    (len(o) == 1 and 250e6 <= o[0]["duration_ns"] <= 350e6, f"the 300 ms outage is reported ({[x['duration_ns'] / 1e6 for x in o]} ms)"),
    (j["verdict"]["verdict"] == "switchover-only", f"verdict {j['verdict']['verdict']}"),
]
for ok, what in checks:
    print(("ok    " if ok else "FAIL  ") + what)
sys.exit(0 if all(ok for ok, _ in checks) else 1)
PY
