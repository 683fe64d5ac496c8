#!/usr/bin/env bash
# One probe host covering a cluster: 1000 targets x 4 streams (icmp, icmp-new, udp, tcp-syn)
# x 10 Hz, against fping on the same 1000 targets at the same rate (ICMP only), one after the
# other in the lab. The targets are 1000 addresses (198.18.0.0/22, RFC 2544's benchmarking
# range) on the lab VM's interface, answered by its kernel and blackout-responder.
# Then the same fleet again with MIGRATIONS of the targets migrated one after another inside the
# run (bench/fleet_migrate.py: 300 ms, 3 s and 7.3 s pauses), every one checked as a migration
# event of the analysis (bench/fleet_check.py), with the analyzer's time and memory for it.
# Usage: bench/fleet.sh [SECONDS] [TARGETS] [MIGRATIONS] (defaults 30, 1000, 100). Root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=${1:-30}
n=${2:-1000}
migrations=${3:-100}
[ "$(id -u)" -eq 0 ] || { echo "bench/fleet.sh needs root (the lab)" >&2; exit 1; }
scripts/deps.sh
command -v fping >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fping >/dev/null
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-fleet-XXXXXX)
lab=$("$bin/lab/blackout-lab" up)
cleanup() {
  "$bin/lab/blackout-lab" down "$lab" # also ends the responder
  if [ -n "${KEEP:-}" ]; then echo "kept $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
ex() { local role=$1; shift; "$bin/lab/blackout-lab" exec "$lab" "$role" -- "$@"; }

for ((i = 0; i < n; i++)); do
  echo "198.18.$((i / 250)).$((i % 250 + 1))"
done > "$out/targets"
sed 's|.*|address add &/32 dev eth0|' "$out/targets" > "$out/addrs.batch"
ex vm ip -batch "$out/addrs.batch"
ex probe ip route add 198.18.0.0/22 via 192.0.2.2
# The VM's side of the network runs on the second core (RPS on its interface), as a remote
# host's would, instead of inside the sender's system calls.
ex vm unshare -m sh -c "mkdir -p /tmp/bo-sys && mount -t sysfs none /tmp/bo-sys &&
  echo 2 > /tmp/bo-sys/class/net/eth0/queues/rx-0/rps_cpus"
# Echo replies at 40 000/s: lift the VM's ICMP rate limits.
ex vm sysctl -qw net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_ratelimit=0
ex vm "$bin/responder/blackout-responder" -q --priority realtime --rate-limit 0 > "$out/responder.log" 2>&1 &
sleep 1

filter='icmp[0] = 8 or (udp and dst port 862) or (tcp and dst port 8620 and tcp[13] = 2)'
ex probe python3 bench/pacing.py "$out" "$secs" 100 blackout "$filter" \
  "$bin/probe/blackout-probe" -q --no-events -s icmp,icmp-new,udp,tcp-syn -i 100ms \
  --targets "$out/targets" --run "$out/run" > "$out/blackout.json"
"$bin/analysis/blackout-analyze" -q --no-write --json "$out/analysis.json" "$out/run"
ex probe python3 bench/pacing.py "$out" "$secs" 100 fping 'icmp[0] = 8' \
  fping -q -l -p 100 -i 0.1 -f "$out/targets" > "$out/fping.json"

python3 - "$out" "$n" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
b, f = (json.load(open(f"{out}/{x}.json")) for x in ("blackout", "fping"))
a = json.load(open(f"{out}/analysis.json"))
log = [json.loads(l) for l in open(f"{out}/run/probe.jsonl")]
end = next(r for r in log if r["type"] == "end")
res = next(r for r in log if r["type"] == "resources")
sent = sum(s["sent"] for s in end["streams"])
answered = sum(s["answered"] for s in end["streams"])
late = sum(s["late"] for s in end["streams"])
streams = a["streams"]
def pick(q):
    return sorted(s["schedule_error"][q] for s in streams if s["schedule_error"])
p50, p99, mx = pick("p50_ns"), pick("p99_ns"), pick("max_ns")
print(f"fleet: {n} targets x 4 streams x 10 Hz (blackout) / x 1 stream (fping)")
print(f"{'tool':10} {'probes/s':>9} {'of target':>9} {'gap p50':>9} {'gap p99':>9} {'gap max':>9} {'CPU':>7} {'CPU/1k probes/s':>16}")
for r, want in ((b, 4 * n * 10), (f, n * 10)):
    print(f"{r['name']:10} {r['rate']:9.0f} {r['rate'] / want * 100:8.2f}% "
          f"{r['gap_err_p50_ns'] / 1e3:7.1f}us {r['gap_err_p99_ns'] / 1e3:7.1f}us "
          f"{r['gap_err_max_ns'] / 1e3:7.1f}us {r['cpu_share'] * 100:6.1f}% "
          f"{r['cpu_share'] * 100 / (r['rate'] / 1000):15.2f}%")
print(f"ratio fping/blackout: CPU per probe {f['cpu_share'] / f['rate'] / (b['cpu_share'] / b['rate']):.2f}x, "
      f"gap p99 {f['gap_err_p99_ns'] / max(b['gap_err_p99_ns'], 1):.2f}x")
print(f"blackout: sent {sent}, answered {answered} ({answered / max(sent, 1) * 100:.2f} %), late {late}; "
      f"schedule error over {len(p50)} streams (tcp-syn carries no deadline): median of p50 {p50[len(p50) // 2] / 1e3:.0f} us, "
      f"median of p99 {p99[len(p99) // 2] / 1e3:.0f} us, worst p99 {p99[-1] / 1e3:.0f} us, worst max {mx[-1] / 1e3:.0f} us; "
      f"capture dropped {end['capture']['dropped']}; probe CPU (own log) {res['cpu_share'] * 100:.1f} %")
PY

# The fleet with migrations: the probe for the migrations' span and 10 s more.
span=$(python3 -c "print(int($migrations * 0.25 + 21))")
ex vm python3 bench/fleet_migrate.py "$out/targets" "$migrations" 0.25 "$out/truth.jsonl" &
mig=$!
ex probe "$bin/probe/blackout-probe" -q --no-events -s icmp,icmp-new,udp,tcp-syn -i 100ms \
  --targets "$out/targets" --run "$out/run-mig" -d "${span}s" 2>/dev/null
wait $mig
/usr/bin/time -f '%e s %M KiB' -o "$out/time.txt" "$bin/analysis/blackout-analyze" -q --no-write \
  --json "$out/analysis-mig.json" --records "$out/records.jsonl" "$out/run-mig"
echo "analyzer on the run with migrations ($(du -h "$out/run-mig/probe.pcap" | cut -f1) of capture): $(cat "$out/time.txt")"
python3 bench/fleet_check.py "$out/analysis-mig.json" "$out/truth.jsonl"
