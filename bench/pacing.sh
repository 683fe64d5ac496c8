#!/usr/bin/env bash
# Pacing at 1 kHz to one target in the lab, blackout-probe against the peers, one after the
# other on the same machine: achieved rate, send-gap error (from each tool's own capture) and
# CPU share; for blackout also the schedule error against its deadlines and capture drops.
# Usage: bench/pacing.sh [SECONDS] (default 20). Needs root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/pacing.sh needs root (the lab)" >&2; exit 1; }
scripts/deps.sh
command -v fping >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fping >/dev/null
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-pacing-XXXXXX)
lab=$("$bin/lab/blackout-lab" up)
trap '"$bin/lab/blackout-lab" down "$lab"; rm -rf "$out"' EXIT
ex() { "$bin/lab/blackout-lab" exec "$lab" probe -- "$@"; }

ex python3 bench/pacing.py "$out" "$secs" 1 blackout \
  "$bin/probe/blackout-probe" -q -i 1ms --run "$out/run" 192.0.2.2 > "$out/blackout.json"
"$bin/analysis/blackout-analyze" -q --no-write --json "$out/analysis.json" "$out/run"
ex python3 bench/pacing.py "$out" "$secs" 1 ping ping -q -i 0.001 192.0.2.2 > "$out/ping.json"
ex python3 bench/pacing.py "$out" "$secs" 1 fping fping -q -l -p 1 -i 1 192.0.2.2 > "$out/fping.json"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rows = [json.load(open(f"{out}/{n}.json")) for n in ("blackout", "ping", "fping")]
a = json.load(open(f"{out}/analysis.json"))
sched = a["streams"][0]["schedule_error"]
log = [json.loads(l) for l in open(f"{out}/run/probe.jsonl")]
end = next(r for r in log if r["type"] == "end")
print("pacing at 1 kHz, one target, icmp; gap error = |send gap - 1 ms| from each tool's capture")
print(f"{'tool':10} {'rate/s':>8} {'of 1000':>8} {'gap p50':>9} {'gap p99':>9} {'gap max':>9} {'CPU':>7}")
for r in rows:
    print(f"{r['name']:10} {r['rate']:8.1f} {r['rate'] / r['expected_rate'] * 100:7.2f}% "
          f"{r['gap_err_p50_ns'] / 1e3:7.1f}us {r['gap_err_p99_ns'] / 1e3:7.1f}us "
          f"{r['gap_err_max_ns'] / 1e3:7.1f}us {r['cpu_share'] * 100:6.1f}%")
b = rows[0]
for r in rows[1:]:
    print(f"ratio {r['name']}/blackout: gap p99 {r['gap_err_p99_ns'] / max(b['gap_err_p99_ns'], 1):.1f}x, "
          f"CPU {r['cpu_share'] / max(b['cpu_share'], 1e-9):.2f}x, rate {r['rate'] / b['rate']:.3f}x")
print(f"blackout schedule error (capture - deadline): p50 {sched['p50_ns'] / 1e3:.0f} us, "
      f"p99 {sched['p99_ns'] / 1e3:.0f} us, p99.9 {sched['p999_ns'] / 1e3:.0f} us, max {sched['max_ns'] / 1e3:.0f} us; "
      f"capture dropped {end['capture']['dropped']}; sender real-time: {end['sender_realtime_priority']}")
PY
