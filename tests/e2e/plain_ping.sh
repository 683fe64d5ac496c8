#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a plain capture taken by someone else in a lab migration is analysed like a run:
# tcpdump during `ping -i 0.01` (TOOL ping) or during `hping3 -S -i u10000` to the responder's
# TCP port (TOOL hping3); the outage window must contain the lab's ground truth.
# Usage: plain_ping.sh BUILD_DIR SCENARIO [TOOL]. Exit 77 (skipped) without root, namespaces
# or the tool.
set -euo pipefail
build=$1 scenario=$2 tool=${3:-ping}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
command -v tcpdump >/dev/null && command -v "$tool" >/dev/null || { echo "skipped: no tcpdump/$tool"; exit 77; }
case "$tool" in
  ping) cmd='ping -i 0.01 -q "$BLACKOUT_TARGET"'; filter='icmp or arp'; stream=icmp ;;
  hping3) cmd='hping3 -q -S -p 8620 -i u10000 "$BLACKOUT_TARGET"'; filter='tcp port 8620 or arp'; stream=tcp-syn ;;
  *) echo "unknown tool $tool" >&2; exit 2 ;;
esac
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
trap 'rm -rf "$run"' EXIT
"$build/lab/blackout-lab" run "$scenario" --run "$run" --lead 1500ms --tail 2s -- sh -c "
  tcpdump -i eth0 -nn -q --immediate-mode --time-stamp-precision=nano -w \"\$BLACKOUT_RUN/plain.pcap\" \
    '$filter' 2>/dev/null &
  dump=\$!; sleep 0.5
  $cmd >/dev/null 2>&1 &
  pinger=\$!
  # Background jobs of a script ignore SIGINT, so they are stopped with SIGTERM.
  trap \"kill -TERM \$pinger; sleep 0.3; kill -TERM \$dump; wait; exit 0\" INT TERM
  wait \$pinger"
"$build/analysis/blackout-analyze" --json "$run/analysis.json" "$run/plain.pcap"
python3 "$here/check_truth.py" --plain "$run/analysis.json" "$run/lab.jsonl" "$stream"
