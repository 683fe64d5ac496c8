#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The watcher over a long run with faults: blackout-probe --watch beside the lab's eight VMs, a
# migration every 25-33 s (the five scenarios in turn, the VMs in turn), nobody telling the probe,
# for MINUTES; meanwhile, every few minutes, one fault after another (bench/soak_faults.sh): a
# responder restarted, a guest "rebooted" (its responder gone, its link down 5 s), the probe's
# own interface down 3 s, the wall clock stepped 20 s forward and back, the disk filled for 30 s,
# the watcher killed with SIGKILL and started again, a SIGHUP without one VM and one with it
# back. The watch directory lives on a tmpfs of its own (so the disk can be filled), its budget
# --keep 1200M. Every 10 s the watcher's RSS, open descriptors, CPU and disk are sampled.
# At the end bench/check_watch.py holds every migration's record against the lab's truth (those a
# fault met: their record only, or nothing when the fault could lose it), and
# bench/soak_plot.py draws the curves (SVG) and prints the figures for docs/BENCHMARKS.md.
# Usage: bench/soak_watch.sh [MINUTES] (default 30). Root. KEEP=1 keeps the directories (the
# watch directory copied out of its tmpfs to OUT/w).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
[ "$(id -u)" -eq 0 ] || { echo "bench/soak_watch.sh needs root (the lab)" >&2; exit 1; }
scripts/deps.sh
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-soak-watch-XXXXXX)
mkdir -p "$out/disk"
mount -t tmpfs -o size=1536m blackout-soak "$out/disk"
cleanup() {
  [ -z "${KEEP:-}" ] || cp -a "$out/disk/w" "$out/w" 2>/dev/null || true # the tmpfs goes
  umount "$out/disk" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
scen=(safety-timeout normal kb-fixed quarantine-off full-outage)
n=$((minutes * 60 / 29))
plan=()
for ((i = 0; i < n; i++)); do plan+=("$((i % 8)):${scen[(i + i / 8) % 5]}"); done
echo "soak: $n migrations over about $minutes minutes; directories under $out" >&2
"$bin/lab/blackout-lab" run normal --vms 8 --plan "$(IFS=,; echo "${plan[*]}")" --gap 25s \
  --lead 10s --tail 15s --run "$out/lab" -- \
  bash "$PWD/bench/soak_faults.sh" "$bin" "$out" "$((minutes * 60))" > "$out/lab.out" 2>&1 ||
  echo "the lab ended with status $? (its output: $out/lab.out)" >&2
python3 tests/e2e/check_watch.py "$out/lab" "$out/disk/w" "$bin/analysis/blackout-analyze" \
  - 1200M "$out/faults.jsonl" | tee "$out/check.txt" | grep -v '^ok' || true
python3 bench/soak_plot.py "$out" docs/soak-watch.svg
