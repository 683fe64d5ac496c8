#!/usr/bin/env bash
# The demo: builds, simulates two live migrations in the lab (the 7 s safety-timeout bug, then
# the KB4338822 fix) while blackout-probe measures, and prints both analyses side by side.
# Needs root (network namespaces). Runs go to runs/demo-*/.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "blackout demo: the lab needs root (network namespaces, nftables): sudo $0" >&2
  exit 1
fi
scripts/deps.sh
dir=$(scripts/build.sh)
bin="$PWD/$dir"
stamp=$(date +%Y%m%d-%H%M%S)

run_scenario() {
  local scenario=$1 run="$PWD/runs/demo-$stamp-$1"
  echo "== $scenario: probing $scenario migration (icmp every 10 ms) ==" >&2
  "$bin/lab/blackout-lab" run "$scenario" --run "$run" --lead 2s --tail 3s -- \
    "$bin/probe/blackout-probe" --run "$run" --interval 10ms 192.0.2.2 >&2
  "$bin/analysis/blackout-analyze" "$run" > "$run/report.txt"
  echo "$run"
}

a=$(run_scenario safety-timeout)
b=$(run_scenario kb-fixed)
echo
echo "== the 7 s quarantine safety timeout  |  after the fix (KB4338822) =="
paste "$a/report.txt" "$b/report.txt" | awk -F '\t' '{ printf "%-98s | %s\n", $1, $2 }'
echo
echo "Reports: $a/report.txt, $b/report.txt (JSON: analysis.json beside them)"
echo "Timelines to open in a browser: $a/report.html, $b/report.html"
