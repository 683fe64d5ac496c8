#!/usr/bin/env bash
# End-to-end: a plain capture taken by someone else (tcpdump during `ping -i 0.01`) in a lab
# migration is analysed like a run: the outage window must contain the lab's ground truth.
# Usage: plain_ping.sh BUILD_DIR SCENARIO. Exit 77 (skipped) without root or namespaces.
set -euo pipefail
build=$1 scenario=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
command -v tcpdump >/dev/null && command -v ping >/dev/null || { echo "skipped: no tcpdump/ping"; exit 77; }
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
trap 'rm -rf "$run"' EXIT
"$build/lab/blackout-lab" run "$scenario" --run "$run" --lead 1500ms --tail 2s -- sh -c '
  tcpdump -i eth0 -nn -q --immediate-mode --time-stamp-precision=nano -w "$BLACKOUT_RUN/ping.pcap" \
    "icmp or arp" 2>/dev/null &
  dump=$!; sleep 0.5
  ping -i 0.01 -q "$BLACKOUT_TARGET" >/dev/null &
  pinger=$!
  # Background jobs of a script ignore SIGINT, so they are stopped with SIGTERM.
  trap "kill -TERM $pinger; sleep 0.3; kill -TERM $dump; wait; exit 0" INT TERM
  wait $pinger'
"$build/analysis/blackout-analyze" --json "$run/analysis.json" "$run/ping.pcap"
python3 "$here/check_truth.py" --plain "$run/analysis.json" "$run/lab.jsonl" icmp
