#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: blackout-probe runs the migration itself (--exec 'blackout-lab migrate SCENARIO'),
# records its start and end as markers and stops --after its end; the analysis of that run
# meets the lab's ground truth. Also reads targets from a file. With all six streams (the
# probe issue's one command): every stream is captured with its replies, and tshark decodes the
# run's STAMP requests and replies.
# Usage: exec_migrate.sh BUILD_DIR SCENARIO STREAMS AFTER
# Exit 77 (skipped) without root or namespaces.
set -euo pipefail
build=$1 scenario=$2 streams=$3 after=$4
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
lab=$("$build/lab/blackout-lab" up)
trap '"$build/lab/blackout-lab" down "$lab"; rm -rf "$run"' EXIT # down ends the responder
# The probe host is the one source it serves: without --allow (or a key) a responder keeps its
# echo and events for loopback (docs/responder.md), and tcp-est would get no echo.
"$build/lab/blackout-lab" exec "$lab" vm -- "$build/responder/blackout-responder" -q \
  --priority realtime --allow 192.0.2.1 &
printf '# the lab VM\n192.0.2.2\n' > "$run/targets.txt"
sleep 0.3
"$build/lab/blackout-lab" exec "$lab" probe -- "$build/probe/blackout-probe" --quiet \
  --run "$run/r" --targets "$run/targets.txt" --streams "$streams" --lead 1s --after "$after" \
  --exec "$build/lab/blackout-lab migrate $scenario --name $lab --run $run/r"
"$build/analysis/blackout-analyze" "$run/r"
for s in ${streams//,/ }; do
  [ "$s" = tcp-est ] || python3 "$here/check_truth.py" "$run/r/analysis.json" "$run/r/lab.jsonl" "$s"
done
python3 - "$run/r/analysis.json" "$streams" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
fails = 0
def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok
kinds = [m["kind"] for m in j["markers"]]
check(kinds == ["exec-start", "exec-end"] and "status 0" in j["markers"][1]["label"], f"markers {kinds}")
got = {s["stream"]: s for s in j["streams"]}
for name in sys.argv[2].split(","):
    s = got.get(name)
    check(s is not None and s["answered"] > 100, f"{name}: {s and s['sent']} sent, {s and s['answered']} answered")
sys.exit(1 if fails else 0)
PY
if [[ ",$streams," == *,udp,* ]] && command -v tshark >/dev/null; then
  # Wireshark's TWAMP-Test dissector reads STAMP's unauthenticated layout (SSID in MBZ).
  tshark -r "$run/r/probe.pcap" -d udp.port==862,twamp.test -Y twamp.test -T fields \
    -e udp.srcport -e twamp.test.seq_number -e twamp.test.sender_seq_number > "$run/stamp.tsv"
  python3 - "$run/stamp.tsv" <<'PY'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
req = [r for r in rows if r[0] != "862"]
rep = [r for r in rows if r[0] == "862" and r[2]]
ok = len(req) > 100 and len(rep) > 100
print(("ok    " if ok else "FAIL  ") + f"tshark decodes {len(req)} STAMP requests and {len(rep)} replies with the sender's sequence number")
sys.exit(0 if ok else 1)
PY
fi
