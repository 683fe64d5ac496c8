#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pacing at 1 kHz per stream to one target in the lab: blackout-probe with all six streams
# (6 x 1 kHz) against the peers at the same interval, one after the other on the same machine:
# ping and fping (ICMP echo), hping3 (TCP SYN), irtt (UDP). For each: achieved rate, send-gap
# error per flow (from a tcpdump capture), CPU share; for blackout also the schedule error of
# every stream against its deadlines and the capture's drops. Before the first prober and after
# the last, the machine's own floor on the probers' core: cyclictest's wake-up latency at 1 kHz
# (bench/wakeup.py), with the core idle and kept busy.
# Usage: bench/pacing.sh [SECONDS] (default 20); TX=single or batch sets blackout's --tx
# (default auto: single at this rate). Needs root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/pacing.sh needs root (the lab)" >&2; exit 1; }
scripts/deps.sh
for t in fping hping3 irtt rt-tests:cyclictest; do
  command -v "${t#*:}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${t%:*}" >/dev/null
done
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-pacing-XXXXXX)
lab=$("$bin/lab/blackout-lab" up)
cleanup() {
  "$bin/lab/blackout-lab" down "$lab" # also ends the responder and irtt server
  if [ -n "${KEEP:-}" ]; then echo "kept $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
ex() { local role=$1; shift; "$bin/lab/blackout-lab" exec "$lab" "$role" -- "$@"; }

# The lab's side of the network (the switch's port from the probe, the VM's interface) runs
# on the second core (RPS), as a remote host's would; every prober on the first, tcpdump on
# the second (bench/fleet.sh says why the pinning matters).
for where in "vm eth0" "sw p"; do
  set -- $where
  ex "$1" unshare -m sh -c "mkdir -p /tmp/bo-sys && mount -t sysfs none /tmp/bo-sys &&
    echo 2 > /tmp/bo-sys/class/net/$2/queues/rx-0/rps_cpus"
done
export PACING_CPU=0 PACING_DUMP_CPU=1
ex vm "$bin/responder/blackout-responder" -q --priority realtime > "$out/responder.log" 2>&1 &
ex vm irtt server -i 0 -b 192.0.2.2 > "$out/irtt-server.log" 2>&1 &
sleep 1

python3 bench/wakeup.py "$PACING_CPU" 5 > "$out/wakeup-before.json"
ex probe python3 bench/pacing.py "$out" "$secs" 1 blackout 'icmp[0] = 8' \
  "$bin/probe/blackout-probe" -q --no-events -s icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est \
  -i 1ms --tx "${TX:-auto}" --run "$out/run" 192.0.2.2 > "$out/blackout.json"
"$bin/analysis/blackout-analyze" -q --no-write --json "$out/analysis.json" "$out/run"
ex probe python3 bench/pacing.py "$out" "$secs" 1 ping 'icmp[0] = 8' \
  ping -q -i 0.001 192.0.2.2 > "$out/ping.json"
ex probe python3 bench/pacing.py "$out" "$secs" 1 fping 'icmp[0] = 8' \
  fping -q -l -p 1 -i 1 192.0.2.2 > "$out/fping.json"
ex probe python3 bench/pacing.py "$out" "$secs" 1 hping3 'tcp[13] = 2 and dst port 8620' \
  hping3 -q -S -p 8620 -i u1000 192.0.2.2 > "$out/hping3.json"
ex probe python3 bench/pacing.py "$out" "$secs" 1 irtt 'udp and dst port 2112' \
  irtt client -Q -i 1ms -d "$((secs + 10))s" 192.0.2.2 > "$out/irtt.json"
python3 bench/wakeup.py "$PACING_CPU" 5 > "$out/wakeup-after.json"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
names = ("blackout", "ping", "fping", "hping3", "irtt")
rows = {n: json.load(open(f"{out}/{n}.json")) for n in names}
a = json.load(open(f"{out}/analysis.json"))
log = [json.loads(l) for l in open(f"{out}/run/probe.jsonl")]
end = next(r for r in log if r["type"] == "end")
streams = {"blackout": 6}
print("the machine's floor: cyclictest wake-up latency at 1 kHz on the probers' core (us)")
for when in ("before", "after"):
    w = json.load(open(f"{out}/wakeup-{when}.json"))
    print(f"  {when:6} " + "; ".join(f"{case} p50 {v['p50']}, p95 {v['p95']}, p99 {v['p99']}, p99.9 {v['p999']}, max {v['max']}"
                                   for case, v in w.items()))
print("pacing at 1 kHz per stream, one target; gap error = |send gap - 1 ms| per flow, from tcpdump")
print(f"{'tool':9} {'streams':>7} {'probes/s':>9} {'gap p50':>9} {'gap p99':>9} {'gap max':>9} {'CPU':>7} {'CPU/stream':>10}")
for n in names:
    r, k = rows[n], streams.get(n, 1)
    print(f"{n:9} {k:7d} {r['rate']:9.1f} {r['gap_err_p50_ns'] / 1e3:7.1f}us {r['gap_err_p99_ns'] / 1e3:7.1f}us "
          f"{r['gap_err_max_ns'] / 1e3:7.1f}us {r['cpu_share'] * 100:6.1f}% {r['cpu_share'] * 100 / k:9.2f}%")
b = rows["blackout"]
for n in names[1:]:
    r = rows[n]
    print(f"ratio {n}/blackout: gap p99 {r['gap_err_p99_ns'] / max(b['gap_err_p99_ns'], 1):.2f}x, "
          f"CPU per stream {r['cpu_share'] / max(b['cpu_share'] / 6, 1e-9):.2f}x")
print("blackout schedule error (capture - deadline) per stream:")
for s in a["streams"]:
    e = s["schedule_error"]
    if not e:
        print(f"  {s['stream']:9} sent {s['sent']}, answered {s['answered']} (no deadline on the wire)")
        continue
    print(f"  {s['stream']:9} sent {s['sent']}, answered {s['answered']}: p50 {e['p50_ns'] / 1e3:.1f} us, "
          f"p99 {e['p99_ns'] / 1e3:.1f} us, p99.9 {e['p999_ns'] / 1e3:.1f} us, max {e['max_ns'] / 1e3:.0f} us")
sent = sum(s["sent"] for s in end["streams"])
errs = sum(s["send_errors"] for s in end["streams"])
print(f"blackout: sent {sent} ({sent / (6 * 1000 * (b['sends'] / b['rate'] if b['rate'] else 1)) * 100:.2f} % of 6 x 1000/s over the capture), "
      f"send errors {errs}, capture dropped {end['capture']['dropped']}, sender real-time: {end['sender_realtime_priority']}")
snd, res = end.get("sender") or {}, next(r for r in log if r["type"] == "resources")
if snd:
    print(f"blackout's sender: {snd['sleeps']} sleeps, spun {snd['spin_ns'] / 1e6:.0f} ms to deadlines "
          f"({snd['spin_ns'] / res['wall_ns'] * 100:.1f} % of a core; the probe used {res['cpu_share'] * 100:.1f} %), "
          f"woke {snd['wake_early_ns'] / 1e3:.0f} us early (its learnt oversleep)")
PY
