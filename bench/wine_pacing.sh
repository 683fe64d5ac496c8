#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Windows probe's pacing, measured under Wine (no Windows machine here), beside the Linux
# probe's on the same path: two namespaces joined by a veth, blackout-responder (Linux) in one,
# each probe in the other in turn, SECONDS each: six streams at 10 ms (a migration's run), and
# icmp alone at 1 ms. Per run the schedule error of every request that carries its deadline
# (capture time - deadline, from the analysis) and the probe's CPU (its resources record), and
# the Windows probe's over the Linux probe's as ratios. What it shows of Windows is Wine's:
# Wine's sends (each through its ntdll's Unix side) and its waitable timers, not Windows' own.
# Usage: bench/wine_pacing.sh [SECONDS] (default 20). Root.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/wine_pacing.sh needs root (namespaces)" >&2; exit 1; }
scripts/deps.sh
dir=$(scripts/build.sh)
wdir=$(scripts/build-windows.sh)
bin="$PWD/$dir" wbin="$PWD/$wdir"
out=$(mktemp -d /tmp/blackout-wine-pacing-XXXXXX)
ns=bowp$$
export WINEPREFIX="$out/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=/usr/lib/wine/wine64
cleanup() {
  /usr/lib/wine/wineserver -k 2>/dev/null || true
  ip netns pids "$ns-far" 2>/dev/null | xargs -r kill 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns-near" 2>/dev/null || true
  ip netns del "$ns-far" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
"$wine" wineboot -i >/dev/null 2>&1 || true
/usr/lib/wine/wineserver -k 2>/dev/null || true
ip netns add "$ns-near" && ip netns add "$ns-far"
ip link add "$ns-a" type veth peer name "$ns-b"
ip link set "$ns-a" netns "$ns-near" && ip link set "$ns-b" netns "$ns-far"
ip -n "$ns-near" addr add 198.51.100.1/24 dev "$ns-a"
ip -n "$ns-far" addr add 198.51.100.2/24 dev "$ns-b"
for n in near far; do ip -n "$ns-$n" link set lo up; done
ip -n "$ns-near" link set "$ns-a" up && ip -n "$ns-far" link set "$ns-b" up
ip netns exec "$ns-far" "$bin/responder/blackout-responder" -q --allow 198.51.100.0/24 \
  --priority realtime > "$out/responder.log" 2>&1 &
sleep 1
all=icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est
run() { # NAME WINDOWS(0/1) STREAMS INTERVAL
  local args=(198.51.100.2 -q -s "$3" -i "$4" -d "${secs}s")
  if [ "$2" = 1 ]; then
    ip netns exec "$ns-near" "$wine" "$wbin/probe/blackout-probe.exe" "${args[@]}" \
      --run "$(echo "Z:$out/$1" | tr / '\\')" > "$out/$1.out" 2>&1
  else
    ip netns exec "$ns-near" "$bin/probe/blackout-probe" "${args[@]}" --run "$out/$1" \
      > "$out/$1.out" 2>&1
  fi
  "$bin/analysis/blackout-analyze" -q --no-write --json "$out/$1.json" "$out/$1"
}
run win-six 1 "$all" 10ms
run linux-six 0 "$all" 10ms
run win-icmp-1k 1 icmp 1ms
run linux-icmp-1k 0 icmp 1ms
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def figures(name):
    a = json.load(open(f"{out}/{name}.json"))
    errs = {s["stream"]: s["schedule_error"] for s in a["streams"] if s.get("schedule_error") and s["stream"] != "tcp-est"}
    res = [json.loads(l) for l in open(f"{out}/{name}/probe.jsonl") if '"resources"' in l][0]
    sent = sum(s["sent"] for s in a["streams"])
    ans = sum(s["answered"] for s in a["streams"])
    return errs, res["cpu_share"], sent, ans
print("| run | stream | sent, answered | schedule error p50 | p99 | p99.9 | max | CPU of a core |")
print("|---|---|---|---|---|---|---|---|")
rows = {}
for name in ("win-six", "linux-six", "win-icmp-1k", "linux-icmp-1k"):
    errs, cpu, sent, ans = figures(name)
    rows[name] = (errs, cpu)
    for k, (s, e) in enumerate(errs.items()):
        print(f"| {name} | {s} | {sent if k == 0 else ''}{', ' + str(ans) if k == 0 else ''} | "
              f"{e['p50_ns'] / 1e3:.0f} µs | {e['p99_ns'] / 1e3:.0f} µs | {e['p999_ns'] / 1e3:.0f} µs | "
              f"{e['max_ns'] / 1e3:.0f} µs | {f'{cpu * 100:.1f} %' if k == 0 else ''} |")
for w, l in (("win-six", "linux-six"), ("win-icmp-1k", "linux-icmp-1k")):
    we, wc = rows[w]
    le, lc = rows[l]
    p99 = max(e["p99_ns"] for e in we.values()) / max(1, max(e["p99_ns"] for e in le.values()))
    print(f"ratio {w} / {l}: worst stream's p99 schedule error x{p99:.1f}, CPU x{wc / max(lc, 1e-9):.1f}")
PY
