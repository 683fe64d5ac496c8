#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: builds, simulates two live migrations in the lab (the 7 s safety-timeout bug, then
# the KB4338822 fix) while blackout-probe measures, and prints both analyses side by side; then
# one real live migration of a QEMU guest, blackout's window beside QEMU's own downtime.
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
# the reports' heads side by side: the verdict and the dark time per stream come first
paste <(sed '/^  migrations:/,$d' "$a/report.txt") <(sed '/^  migrations:/,$d' "$b/report.txt") |
  awk -F '\t' '{ printf "%-98s | %s\n", $1, $2 }'
echo "(whole reports: $a/report.txt, $b/report.txt)"
echo

q="$PWD/runs/demo-$stamp-qemu"
echo "== a real live migration: a QEMU guest moved between two QEMU processes ==" >&2
if command -v qemu-system-x86_64 >/dev/null; then
  "$bin/lab/blackout-lab" run qemu-precopy --run "$q" --lead 2s --tail 2s -- \
    "$bin/probe/blackout-probe" --quiet --run "$q" --interval 10ms --streams icmp,udp,tcp-est \
    192.0.2.2 >&2
  "$bin/analysis/blackout-analyze" "$q" > "$q/report.txt"
  echo
  echo "== a real QEMU live migration: QEMU's own downtime beside blackout's window =="
  sed -n '/^  192\.0\.2\.2 .*icmp/,/^  192\.0\.2\.2 .*udp /p' "$q/report.txt" | sed '$d'
  sed -n '/resume:/,$p' "$q/report.txt"
else
  echo "(no QEMU here: apt-get install qemu-system-x86 for the real migration)" >&2
  q=
fi
echo
echo "Reports: $a/report.txt, $b/report.txt${q:+, $q/report.txt} (JSON: analysis.json beside them)"
echo "Timelines to open in a browser: $a/report.html, $b/report.html"
