#!/usr/bin/env bash
# End-to-end: blackout-probe runs the migration itself (--exec 'blackout-lab migrate normal'),
# records its start and end as markers and stops --after its end; the analysis of that run
# meets the ground truth with the `normal` quarantine (2.5 s). Also reads targets from a file.
# Usage: exec_migrate.sh BUILD_DIR. Exit 77 (skipped) without root or namespaces.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
lab=$("$build/lab/blackout-lab" up)
trap '"$build/lab/blackout-lab" down "$lab"; rm -rf "$run"' EXIT
printf '# the lab VM\n192.0.2.2\n' > "$run/targets.txt"
"$build/lab/blackout-lab" exec "$lab" probe -- "$build/probe/blackout-probe" --quiet \
  --run "$run/r" --targets "$run/targets.txt" --lead 1s --after 1500ms \
  --exec "$build/lab/blackout-lab migrate normal --name $lab --run $run/r"
"$build/analysis/blackout-analyze" "$run/r"
python3 "$here/check_truth.py" "$run/r/analysis.json" "$run/r/lab.jsonl" icmp
python3 - "$run/r/analysis.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
kinds = [m["kind"] for m in j["markers"]]
ok = kinds == ["exec-start", "exec-end"] and "status 0" in j["markers"][1]["label"]
print(("ok    " if ok else "FAIL  ") + f"markers {kinds}")
sys.exit(0 if ok else 1)
PY
