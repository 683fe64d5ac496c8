#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Accuracy against the lab's ground truth, blackout-probe side by side with the peers in the
# same migrations: `ping -i 0.01` (what operators run: lost × interval) and `fping -p 10 -o`
# (its own outage figure). Usage: bench/accuracy.sh [RUNS_PER_SCENARIO] (default 5). Root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
n=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench/accuracy.sh needs root (the lab)" >&2; exit 1; }
scripts/deps.sh
command -v fping >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fping >/dev/null; }
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-bench-XXXXXX)
trap 'rm -rf "$out"' EXIT

for scenario in safety-timeout kb-fixed; do
  for i in $(seq 1 "$n"); do
    run="$out/$scenario-$i"
    # Job control (set -m) so that the background tools receive SIGINT: asynchronous jobs of a
    # plain script start with SIGINT ignored. fping prints its outage figure on SIGINT only.
    "$bin/lab/blackout-lab" run "$scenario" --run "$run" --lead 1500ms --tail 2s -- bash -c '
      set -m
      ping -i 0.01 -q "$BLACKOUT_TARGET" > "$BLACKOUT_RUN/ping.txt" 2>&1 & p1=$!
      fping -p 10 -l -o -q "$BLACKOUT_TARGET" > "$BLACKOUT_RUN/fping.txt" 2>&1 & p2=$!
      "$0" --quiet --run "$BLACKOUT_RUN" --interval 10ms "$BLACKOUT_TARGET" & p3=$!
      trap "kill -INT $p1 $p2 $p3; wait; exit 0" INT TERM
      wait' "$bin/probe/blackout-probe"
    "$bin/analysis/blackout-analyze" --quiet "$run"
  done
done

python3 - "$out" "$n" <<'PY'
import json, re, statistics, sys, glob, os
out, n = sys.argv[1], int(sys.argv[2])
MS = 1e6
rows = {}
for scenario in ("safety-timeout", "kb-fixed"):
    b_err, p_err, f_err, inside = [], [], [], 0
    for run in sorted(glob.glob(f"{out}/{scenario}-*")):
        truth = [json.loads(l) for l in open(f"{run}/lab.jsonl")]
        t = next(r for r in truth if r.get("type") == "truth" and r["stream"] == "icmp")
        a = json.load(open(f"{run}/analysis.json"))
        lab = next(s for s in a["lab"]["streams"] if s["stream"] == "icmp")
        inside += lab["start_inside"] and lab["end_inside"]
        b_err.append(lab["duration_error_ns"] / MS)
        ping = open(f"{run}/ping.txt").read()
        m = re.search(r"(\d+) packets transmitted, (\d+) received", ping)
        p_err.append((int(m[1]) - int(m[2])) * 10 - t["duration_ns"] / MS)
        fp = open(f"{run}/fping.txt").read()
        m = re.search(r"outage\(ms\) = (\d+)", fp)
        f_err.append((int(m[1]) if m else float("nan")) - t["duration_ns"] / MS)
    rows[scenario] = (b_err, p_err, f_err, inside)

def mae(v):
    return statistics.mean(abs(x) for x in v)

print(f"accuracy over {n} lab runs per scenario, icmp every 10 ms; error = measured - true duration")
print(f"{'scenario':16} {'tool':22} {'mean |error|':>13} {'worst':>10} {'truth in bounds':>16}")
for sc, (b, p, f, inside) in rows.items():
    print(f"{sc:16} {'blackout-probe':22} {mae(b):10.2f} ms {max(b, key=abs):+8.2f} ms {inside:>8}/{len(b)}")
    print(f"{'':16} {'ping -i 0.01 (lost*10ms)':22} {mae(p):10.2f} ms {max(p, key=abs):+8.2f} ms {'no window':>16}")
    print(f"{'':16} {'fping -p 10 -o':22} {mae(f):10.2f} ms {max(f, key=abs):+8.2f} ms {'no window':>16}")
    print(f"{'':16} ratio: ping error {mae(p) / mae(b):.0f}x, fping error {mae(f) / mae(b):.1f}x blackout's")
PY
