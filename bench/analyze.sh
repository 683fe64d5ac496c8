#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The analyzer's speed and memory against the floor (a bare libpcap read loop) and tshark, on
# synthetic run directories (bench/gen_run.c: 10 targets, icmp every 1 ms, one 7.3 s outage
# each, real tags and keys) of 1 M, 10 M and 20 M packets. tshark reads the 1 M one only (it
# keeps state for every packet; on 10 M it would need gigabytes), as `tshark -r FILE -q -z icmp,srt` (pairing echo requests and replies, as the analyzer does).
# Usage: bench/analyze.sh [MILLIONS...] (default 1 10 20). No root needed.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
sizes=("${@:-1 10 20}")
[ $# -gt 0 ] || sizes=(1 10 20)
scripts/deps.sh >/dev/null || true
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-anbench-XXXXXX)
trap 'rm -rf "$out"' EXIT
for m in "${sizes[@]}"; do
  "$bin/bench/gen_run" "$out/r$m" "$((m * 1000000))" 10 > /dev/null
  python3 bench/measure.py "analyzer ${m}M" "$bin/analysis/blackout-analyze" -q --no-write "$out/r$m" >> "$out/rows"
  python3 bench/measure.py "pcap loop ${m}M" "$bin/bench/pcap_loop" "$out/r$m/probe.pcap" >> "$out/rows"
  if [ "$m" = "${sizes[0]}" ] && command -v tshark > /dev/null; then
    python3 bench/measure.py "tshark ${m}M" tshark -r "$out/r$m/probe.pcap" -q -z icmp,srt >> "$out/rows"
  fi
  rm -rf "$out/r$m"
done
python3 - "$out/rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["name"]: r for r in rows}
print(f"{'run':18} {'packets/s':>12} {'wall':>8} {'peak RSS':>10}")
for r in rows:
    n = float(r["name"].split()[-1][:-1]) * 1e6
    r["pps"] = n / r["wall_s"]
    print(f"{r['name']:18} {r['pps']:12,.0f} {r['wall_s']:7.2f}s {r['rss_kib']:8d} KiB")
for r in rows:
    if r["name"].startswith("analyzer"):
        m = r["name"].split()[-1]
        loop = by.get(f"pcap loop {m}")
        t = by.get(f"tshark {m}")
        line = f"analyzer {m}: {r['pps'] / loop['pps'] * 100:.0f} % of the bare loop's packets/s"
        if t:
            line += f", {r['pps'] / t['pps']:.0f}x tshark, RSS {t['rss_kib'] / r['rss_kib']:.0f}x less than tshark"
        print(line)
PY
