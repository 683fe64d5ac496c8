#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The watcher at a fleet's scale: blackout-probe --watch covering TARGETS targets x 4 streams
# (icmp, icmp-new, udp, tcp-syn) x 10 Hz (40 000 probes/s for 1000) in bench/fleet.sh's lab
# (bench/fleet_lab.sh: the addresses on the lab VM, its network on the second core, the prober
# pinned to the first), for SECONDS, its RSS, descriptors, CPU and disk sampled every 10 s
# (bench/sample_proc.sh). First the same probe without --watch for 60 s (a run directory, no
# engine on the live capture), for the ratio. The watcher's first third is quiet (its CPU per
# 1000 probes/s at steady state is taken there, after a minute's start-up); then MIGRATIONS of the
# targets are "migrated" one after another (bench/fleet_migrate.py: inbound dropped 300 ms, 3 s
# or 7.3 s) and bench/watch_fleet_report.py holds the records against them, with the time from
# each event's close to its record. The guests' event channels are off (--no-events): one
# responder answers for every address, as fleet.sh's. Usage:
#   bench/watch_fleet.sh [SECONDS] [TARGETS] [MIGRATIONS] (defaults 600, 1000, 20). Root.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
secs=${1:-600}
n=${2:-1000}
migrations=${3:-20}
quiet=$((secs / 3))
[ "$(id -u)" -eq 0 ] || { echo "bench/watch_fleet.sh needs root (the lab)" >&2; exit 1; }
[ "$n" -le 1000 ] || { echo "bench/watch_fleet.sh: at most 1000 targets" >&2; exit 2; }
[ "$secs" -ge 300 ] || { echo "bench/watch_fleet.sh: at least 300 seconds" >&2; exit 2; }
scripts/deps.sh
# shellcheck source=bench/fleet_lab.sh
. bench/fleet_lab.sh
probe=("$bin/probe/blackout-probe" -q --no-events -s icmp,icmp-new,udp,tcp-syn -i 100ms
       --targets "$out/targets")
sleep 1

ex probe /usr/bin/time -f '%e %U %S' -o "$out/plain.time" taskset -c 0 "${probe[@]}" \
  --run "$out/run-plain" -d 60s 2> "$out/plain.err"
rm -f "$out/run-plain/probe.pcap"

ex probe sh -c 'echo $$ > "$1"; shift; exec taskset -c 0 "$@"' sh "$out/watch.pid" \
  "${probe[@]}" --watch "$out/w" --metrics 127.0.0.1:9629 > "$out/watch.out" 2>&1 &
watcher=$!
sleep 1
bash bench/sample_proc.sh "$out/watch.pid" "$out/w" "$out/samples.jsonl" &
sampler=$!
echo "watch_fleet: $n targets, $((n * 40)) probes/s, ${secs} s; quiet for ${quiet} s, then" \
  "$migrations migrations; $out" >&2
end=$((SECONDS + secs))
sleep "$quiet"
step=$(python3 -c "print(max(0.5, ($secs - $quiet - 60) / $migrations))")
ex vm python3 bench/fleet_migrate.py "$out/targets" "$migrations" "$step" "$out/truth.jsonl"
# the last event's settle (10 s) and its record, at least
sleep $((end - SECONDS > 15 ? end - SECONDS : 15))
ex probe python3 -c 'import urllib.request, sys
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:9629/metrics").read().decode())' \
  > "$out/scrape.txt"
kill "$sampler"
kill -TERM "$(cat "$out/watch.pid")"
wait "$watcher" || echo "the watcher ended with status $?" >&2
python3 bench/watch_fleet_report.py "$out" "$n" "$quiet"
