#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One probe host covering a cluster: TARGETS targets x 4 streams (icmp, icmp-new, udp, tcp-syn)
# x HZ probes a second each, side by side in one run with the peers at the same rate:
#   lab      the targets are TARGETS addresses (198.18.0.0/22, RFC 2544's benchmarking range) on
#            the lab VM's interface, answered by its kernel and blackout-responder; the lab's
#            side of the network (the switch's port and the VM) runs on the second core, as a
#            remote host's would. blackout-probe --tx single, then --tx batch; fping (ICMP
#            only); trafgen (netsniff-ng) sending ICMP echoes of the same size to the same
#            targets at the same rate.
#   sink     the sender alone: TARGETS addresses (198.19.0.0/22) behind a veth whose peer drops
#            everything (nftables ingress, on the sender's core: trafgen's TX_RING refuses a
#            peer whose queue is another core's); blackout-probe single and batch, and trafgen
#            as fast as it goes from its TX_RING (the raw injection ceiling) on that veth.
# Then, with MIGRATIONS > 0, the fleet again with MIGRATIONS of the targets migrated one after
# another inside the run (bench/fleet_migrate.py: 300 ms, 3 s and 7.3 s pauses), every one
# checked as a migration event of the analysis (bench/fleet_check.py), with the analyzer's time
# and memory for it. PERF=1 records where the batched sender's time goes (perf).
# Usage: bench/fleet.sh [SECONDS] [TARGETS] [MIGRATIONS] [HZ] (defaults 30, 1000, 100, 10). Root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=${1:-30}
n=${2:-1000}
migrations=${3:-100}
hz=${4:-10}
iv_ms=$(python3 -c "print(1000 / $hz)")
rate=$((n * 4 * hz))
[ "$(id -u)" -eq 0 ] || { echo "bench/fleet.sh needs root (the lab)" >&2; exit 1; }
[ "$n" -le 1000 ] || { echo "bench/fleet.sh: at most 1000 targets" >&2; exit 2; }
scripts/deps.sh
for t in fping:fping trafgen:netsniff-ng perf:linux-perf; do
  command -v "${t%%:*}" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${t#*:}" >/dev/null
done
# shellcheck source=bench/fleet_lab.sh
. bench/fleet_lab.sh
sed 's/^198\.18\./198.19./' "$out/targets" > "$out/sink-targets"
# The sink: a veth in the probe's namespace whose peer drops everything it receives.
ex probe ip link add sink0 type veth peer name sink1
ex probe ip addr add 10.255.0.1/30 dev sink0
ex probe ip link set sink0 up
ex probe ip link set sink1 up
ex probe ip neigh add 10.255.0.2 lladdr 02:00:00:00:00:02 dev sink0 nud permanent
ex probe ip route add 198.19.0.0/22 via 10.255.0.2
ex probe nft -f - <<'NFT'
table netdev blackout_sink {
  chain in { type filter hook ingress device "sink1" priority 0; policy drop; }
}
NFT
# Every sender on the first core, the measurement (tcpdump) on the second with the lab: the
# kernel runs RPS's work on whatever the second core runs, so a sender left to wander there
# pays for the VM's whole network stack (seen: 40 000 probes/s at 56 % of a core or at 90 %,
# from one run to the next, with the sender unpinned).
export PACING_CPU=0 PACING_DUMP_CPU=1
sleep 1

# trafgen's frames: an ICMP echo request of blackout's icmp size (28 octets of payload) to each
# target, from the probe's address and MAC to the next hop's.
frames() { # TARGETS_FILE IFACE NEXTHOP_MAC SRC
  local mac
  mac=$(ex probe cat "/sys/class/net/$2/address")
  while read -r t; do
    echo "{ eth(da=$3, sa=$mac), ipv4(sa=$4, da=$t, ttl=64), icmp4(echorequest, id=4660, seq=1), fill(0x00, 28) }"
  done < "$1"
}
frames "$out/targets" eth0 00:15:5d:00:00:02 192.0.2.1 > "$out/lab.trafgen"
frames "$out/sink-targets" sink0 02:00:00:00:00:02 10.255.0.1 > "$out/sink.trafgen"

filter='icmp[0] = 8 or (udp and dst port 862) or (tcp and dst port 8620 and tcp[13] = 2)'
probe_cmd() { # TX TARGETS RUN
  echo "$bin/probe/blackout-probe" -q --no-events --tx "$1" -s icmp,icmp-new,udp,tcp-syn \
    -i "${iv_ms}ms" --targets "$2" --run "$3"
}
# The raw injection ceiling: trafgen from its TX_RING as fast as it goes for SECONDS, on the
# first core; the frames it says it sent, and its CPU (GNU time).
ceiling() { # NAME IFACE TRAFGEN_CONF
  ex probe /usr/bin/time -f '%e %U %S' -o "$out/$1.time" timeout -s INT "$secs" \
    taskset -c 0 trafgen -o "$2" --cpus 1 -c "$3" > "$out/$1.out" 2>&1 || true
  python3 - "$out/$1.time" "$1" "$out/$1.out" > "$out/$1.json" <<'PY'
import json, re, sys
wall, user, sys_ = (float(x) for x in open(sys.argv[1]).read().split()[-3:])
m = re.search(r"(\d+) packets outgoing", open(sys.argv[3]).read())
n = int(m.group(1)) if m else 0
print(json.dumps({"name": sys.argv[2], "sends": n, "rate": n / wall,
                  "cpu_share": (user + sys_) / wall}))
PY
}

run_probe() { # NAME TX TARGETS IFACE
  PACING_IFACE=$4 ex probe python3 bench/pacing.py "$out" "$secs" "$iv_ms" "$1" "$filter" \
    $(probe_cmd "$2" "$3" "$out/run-$1") > "$out/$1.json"
  "$bin/analysis/blackout-analyze" -q --no-write --json "$out/analysis-$1.json" "$out/run-$1"
  rm -f "$out/run-$1/probe.pcap" "$out/$1.pcap" # a GB a minute at 400 000/s
}

run_probe single single "$out/targets" eth0
perf_job=
if [ -n "${PERF:-}" ]; then
  (sleep $((secs / 2)); pid=$(pgrep -n -f "blackout-probe -q --no-events --tx batch") &&
    perf record -q -g -o "$out/perf.data" -p "$pid" -- sleep 5 > /dev/null 2>&1) &
  perf_job=$!
fi
run_probe batch batch "$out/targets" eth0
[ -z "$perf_job" ] || wait "$perf_job"
ex probe python3 bench/pacing.py "$out" "$secs" "$iv_ms" fping 'icmp[0] = 8' \
  fping -q -l -p "$iv_ms" -i 0.1 -f "$out/targets" > "$out/fping.json"
rm -f "$out/fping.pcap"
ex probe python3 bench/pacing.py "$out" "$secs" "$iv_ms" trafgen 'icmp[0] = 8' \
  trafgen -q -o eth0 --cpus 1 -b "$((n * hz))pps" -n "$((n * hz * (secs + 1)))" -c "$out/lab.trafgen" \
  > "$out/trafgen.json"
rm -f "$out/trafgen.pcap"
run_probe sink-single single "$out/sink-targets" sink0
run_probe sink-batch batch "$out/sink-targets" sink0
ceiling sink-trafgen-ceiling sink0 "$out/sink.trafgen"

python3 bench/fleet_report.py "$out" "$n" "$hz"
if [ -n "${PERF:-}" ] && [ -s "$out/perf.data" ]; then
  echo "where the batched sender's time goes (perf, 5 s, self time):"
  perf report -q -i "$out/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
    grep '%' | head -15 || true # head closes the pipe early
fi

[ "$migrations" -gt 0 ] || exit 0
# The fleet with migrations: the probe for the migrations' span and 10 s more.
span=$(python3 -c "print(int($migrations * 0.25 + 21))")
ex vm python3 bench/fleet_migrate.py "$out/targets" "$migrations" 0.25 "$out/truth.jsonl" &
mig=$!
ex probe taskset -c 0 $(probe_cmd auto "$out/targets" "$out/run-mig") -d "${span}s" 2>/dev/null
wait $mig
/usr/bin/time -f '%e s %M KiB' -o "$out/time.txt" "$bin/analysis/blackout-analyze" -q --no-write \
  --json "$out/analysis-mig.json" --records "$out/records.jsonl" "$out/run-mig"
echo "analyzer on the run with migrations ($(du -h "$out/run-mig/probe.pcap" | cut -f1) of capture): $(cat "$out/time.txt")"
python3 bench/fleet_check.py "$out/analysis-mig.json" "$out/truth.jsonl"
