#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a switch outage darkens eight targets at once, twice, under blackout-probe --watch.
# The first outage's eight events close in the same tick: each is queued and recorded on the
# recorder's thread, in turn, none lost or doubled, each bound holding the switch's own
# brackets (the nftables commits, timed). The watcher is stopped with SIGTERM inside the second
# outage: its eight open events are recorded (open, at least as long as they had been) before
# it exits with status 0. Every event directory and record names where the event is, never the
# directory it was made in.
# Usage: watch_burst.sh BUILD_DIR. Exit 77 (skipped) without root or network namespaces.
set -euo pipefail
build=$1
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-burst-XXXXXX)
lab=$build/lab/blackout-lab
name=$("$lab" up --vms 8)
cleanup() {
  "$lab" down "$name" >/dev/null 2>&1 || true
  [ -n "${BLACKOUT_KEEP:-}" ] && echo "run directory kept: $run" || rm -rf "$run"
}
trap cleanup EXIT
targets=$(seq -f '192.0.2.%g' 2 9 | paste -sd' ')
now() { date +%s%N; }
# the switch drops every frame it would forward: one table, one commit each way
dark() { ip netns exec "$name-sw" nft add table bridge burst \
  '{ chain hold { type filter hook forward priority -10; policy drop; }; }'; }
light() { ip netns exec "$name-sw" nft delete table bridge burst; }
"$lab" exec "$name" probe -- "$build/probe/blackout-probe" --watch "$run/w" --settle 2s \
  --segment 5s --interval 10ms --streams icmp,tcp-syn --quiet $targets 2>"$run/watch.err" &
wp=$!
sleep 4
a0=$(now); dark; a1=$(now)
sleep 2
a2=$(now); light; a3=$(now)
sleep 5 # --settle 2 s: the eight events close at once and are recorded
b0=$(now); dark; b1=$(now)
sleep 1.5
kill -TERM $wp
status=0; wait $wp || status=$?
light
cat "$run/watch.err" >&2
python3 - "$run/w" "$status" $a0 $a1 $a2 $a3 $b0 $b1 <<'PY'
import json, os, sys
w, status = sys.argv[1], int(sys.argv[2])
a0, a1, a2, a3, b0, b1 = map(int, sys.argv[3:9])
failed = 0
def check(ok, what):
    global failed
    print(("ok    " if ok else "FAIL  ") + what)
    failed |= not ok
targets = ["192.0.2.%d" % i for i in range(2, 10)]
recs = [json.loads(l) for l in open(os.path.join(w, "records.jsonl"))]
log = [json.loads(l) for l in open(os.path.join(w, "watch.jsonl"))]
check(status == 0, "the watcher stopped on SIGTERM with status 0 (%d)" % status)
first = [r for r in recs if r["start_ns"] < b0]
second = [r for r in recs if r["start_ns"] >= b0]
for name, got, lo, hi, end in (("first", first, a0, a1, (a2, a3)), ("second", second, b0, b1, None)):
    check(sorted(r["target"] for r in got) == targets,
          "%s outage: one record per target (%d records)" % (name, len(got)))
    for r in got:
        for s in r["streams"]:
            what = "%s outage, %s %s" % (name, r["target"], s["stream"])
            # the switch went dark between its commit's brackets [lo, hi]: the start bounds
            # hold a moment of it
            check(s["start_lo_ns"] <= hi and s["start_hi_ns"] >= lo,
                  "%s: start bounds [%d, %d] ms hold the commit [0, %.1f] ms" % (
                      what, (s["start_lo_ns"] - lo) // 10**6, (s["start_hi_ns"] - lo) // 10**6,
                      (hi - lo) / 1e6))
            if end:
                check(not s["open"] and s["end_lo_ns"] <= end[1] and s["end_hi_ns"] >= end[0],
                      "%s: end bounds hold the commit" % what)
            else:
                # cut by the stop: open, at least as long as it had been dark when recorded
                check(s["open"] and s["at_least_ns"] and s["at_least_ns"] >= 10**9,
                      "%s: open at the stop, dark at least %.2f s" % (
                          what, (s["at_least_ns"] or 0) / 1e9))
dirs = [r["event_dir"] for r in recs]
check(len(set(dirs)) == len(dirs) == 16, "16 event directories, none shared (%d)" % len(set(dirs)))
for r in recs:
    a = json.load(open(os.path.join(w, r["event_dir"], "analysis.json")))
    path = a["input"]["path"]
    if ".tmp-" in r["run"] or ".tmp-" in path or not path.endswith(r["event_dir"]):
        check(False, "%s names where it was made: run %s, analysis %s" % (r["event_dir"], r["run"], path))
        break
else:
    check(True, "every record and analysis names the event's own directory")
events = [e for e in log if e.get("type") == "event"]
unrec = [e for e in log if e.get("type") == "event-unrecorded"]
check(len(events) == 16 and not unrec,
      "the log: 16 events recorded, %d unrecorded %s" % (len(unrec), [u["why"] for u in unrec]))
late = sorted(e["late_s"] for e in events[:8])
print("      first outage's records written %.3f .. %.3f s after their events closed" % (late[0], late[-1]))
check(not [e for e in os.listdir(os.path.join(w, "events")) if e.startswith(".tmp-")],
      "no half-made event directory left")
sys.exit(1 if failed else 0)
PY
