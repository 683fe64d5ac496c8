#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The analyzer's memory at a fleet's scale: synthetic run directories (bench/gen_run) of 4000
# targets, icmp every 100 ms each (40 000 probes/s, each answered, one 7.3 s outage per target),
# of SECS seconds each (default 60 and 240), read by `blackout-analyze -q --no-write` and by a
# bare libpcap loop. Peak RSS must not grow with the run's length. No root needed.
# Usage: bench/analyze_fleet.sh [SECS...]
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=("$@")
[ $# -gt 0 ] || secs=(60 240)
scripts/deps.sh >/dev/null || true
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-anfleet-XXXXXX)
trap 'rm -rf "$out"' EXIT
printf '%-22s %12s %9s %10s\n' run packets/s wall "peak RSS"
for s in "${secs[@]}"; do
  n=$((s * 40000 * 2)) # a request and a reply per probe
  "$bin/bench/gen_run" "$out/r" "$n" 4000 100000 > /dev/null
  for what in analyzer loop; do
    if [ $what = analyzer ]; then cmd=("$bin/analysis/blackout-analyze" -q --no-write "$out/r")
    else cmd=("$bin/bench/pcap_loop" "$out/r/probe.pcap"); fi
    python3 bench/measure.py "$what $s s" "${cmd[@]}" | python3 -c "
import json, sys
r = json.load(sys.stdin)
print(f\"{r['name']:22} {$n / r['wall_s']:12,.0f} {r['wall_s']:8.2f}s {r['rss_kib']:7d} KiB\")"
  done
  rm -rf "$out/r"
done
