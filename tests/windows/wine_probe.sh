#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blackout-probe.exe under Wine on real packets: in the lab's probe namespace Wine's wpcap.dll
# forwards to the host's libpcap (capture, and pcap_sendpacket for tcp-syn's frames), Winsock to
# the host's sockets, IP Helper to its routing and neighbour tables. A simulated migration
# (safety-timeout: 7.3 s of quarantine) is measured at once by the Windows probe and by the
# Linux probe, every stream each; each analysis is held against the lab's truth as the Linux
# e2e test holds it (tests/e2e/check_truth.py: the truth inside every bound), the bounds' widths
# allowed the sender's own lateness besides (under Wine every send costs 0.1-0.2 ms and a
# wake-up comes late by up to a few ms: the run's largest schedule error of any probe, given as
# --slack-ns), and the two runs must agree: each stream's dark time of one within the other's
# bounds. Then the Windows probe alone over IPv6 (normal), running a command with --exec. What
# Wine cannot show: Windows' timer (Wine's waitable timers are its own, so the pacing figures
# are Wine's), Npcap's time stamp types (the host's libpcap offers "host" only), Npcap's driver,
# Ctrl-Break (Ctrl-C is the lab's SIGINT); the figures are labelled as Wine's
# (docs/BENCHMARKS.md).
# Usage: wine_probe.sh LINUX_BUILD_DIR WINDOWS_BUILD_DIR. Exit 77 (skipped) without root.
set -euo pipefail
build=$(realpath "$1") wbuild=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
e2e=$here/../e2e
wine=/usr/lib/wine/wine64
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
[ -x "$wine" ] || { echo "FAIL  no $wine: run scripts/deps-windows.sh"; exit 1; }
tmp=$(mktemp -d /tmp/blackout-wine-probe-XXXXXX)
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  /usr/lib/wine/wineserver -k 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fails=0
check() { # check OK WHAT
  if [ "$1" = 1 ]; then echo "ok    $2"; else echo "FAIL  $2"; fails=$((fails + 1)); fi
}
winpath() { echo "Z:${1//\//\\}"; }
"$wine" wineboot -i >/dev/null 2>&1 || true # the prefix (~10 s)
# Wine's services (the IP Helper's tables come from one) start with the next wineserver: in
# the namespace of the first Wine program that runs, the probe's.
/usr/lib/wine/wineserver -k 2>/dev/null || true
streams=icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est

# Both probes in the lab's probe namespace, stopped together by the lab's SIGINT. The Windows
# probe probes an outage every 5 ms, not every 1 ms: under Wine a socket costs about a
# millisecond to make (wineserver), and udp-new makes one a probe.
cat > "$tmp/both.sh" <<SH
#!/usr/bin/env bash
"$wine" "$wbuild/probe/blackout-probe.exe" --quiet --run "\$(echo 'Z:$tmp/r/win' | tr / '\\\\')" \
  --interval 10ms --outage-interval 5ms --streams $streams "\$1" > "$tmp/win.out" 2>&1 &
w=\$!
sleep "\$2"
"$build/probe/blackout-probe" --quiet --run "$tmp/r/linux" --interval 10ms --streams $streams "\$1" &
l=\$!
trap 'kill -INT \$w \$l' INT TERM
wait \$l; wait \$w
SH
chmod +x "$tmp/both.sh"
# --lead: Wine's start in a new namespace (its server, its services) takes some seconds.
"$build/lab/blackout-lab" run safety-timeout --run "$tmp/r" --lead 9s --tail 2s -- \
  "$tmp/both.sh" 192.0.2.2 5 > "$tmp/lab.out" 2>&1 || { cat "$tmp/lab.out" "$tmp/win.out"; exit 1; }
for side in win linux; do
  "$build/analysis/blackout-analyze" -q --json "$tmp/r/$side/analysis.json" --no-write "$tmp/r/$side"
done
# The sender's lateness: the largest schedule error of the run's requests that carry their
# deadline (tcp-est's frames wait in TCP's buffer; tcp-syn carries none: it is sent by the same
# thread between the others).
slack() {
  python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))
print(max((s.get("schedule_error") or {}).get("max_ns", 0) for s in a["streams"] if s["stream"] != "tcp-est"))' "$1"
}
for s in icmp icmp-new udp udp-new tcp-syn; do
  out=$(python3 "$e2e/check_truth.py" "$tmp/r/win/analysis.json" "$tmp/r/lab.jsonl" "$s" \
    --slack-ns="$(slack "$tmp/r/win/analysis.json")" 2>&1) && rc=0 || rc=$?
  echo "$out" | grep -E '^(FAIL|interval|ok +start bound)' | sed "s/^/      $s: /"
  check "$([ $rc = 0 ] && echo 1)" "blackout-probe.exe under Wine, $s: the lab's truth held (check_truth.py)"
done
python3 - "$tmp/r/win/analysis.json" "$tmp/r/linux/analysis.json" "$tmp/r/win/probe.jsonl" <<'PY' || fails=$((fails + 1))
import json, sys
win, lin = (json.load(open(p)) for p in sys.argv[1:3])
log = [json.loads(l) for l in open(sys.argv[3])]
fails = 0
def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok
def longest(a, s):
    st = [x for x in a["streams"] if x["stream"] == s][0]
    return max(st["outages"], key=lambda o: o["duration_ns"]) if st["outages"] else None
for s in ("icmp", "icmp-new", "udp", "udp-new", "tcp-syn"):
    w, l = longest(win, s), longest(lin, s)
    ok = w and l and w["duration_min_ns"] <= l["duration_max_ns"] and l["duration_min_ns"] <= w["duration_max_ns"]
    check(bool(ok), f"{s}: Windows probe {w['duration_ns'] / 1e9:.4f} s "
          f"[{w['duration_min_ns'] / 1e9:.4f}, {w['duration_max_ns'] / 1e9:.4f}], Linux probe "
          f"{l['duration_ns'] / 1e9:.4f} s [{l['duration_min_ns'] / 1e9:.4f}, "
          f"{l['duration_max_ns'] / 1e9:.4f}]: the bounds overlap" if w and l else f"{s}: an outage each")
est = [x for x in win["streams"] if x["stream"] == "tcp-est"][0]
check(est["sent"] > 500 and est["answered"] + est["unresolved"] >= est["sent"] - 2,
      f"tcp-est over Winsock: {est['sent']} frames, {est['answered']} echoed")
check(win["verdict"]["verdict"] == lin["verdict"]["verdict"] == "quarantine-safety-timeout",
      f"verdicts: Windows probe {win['verdict']['verdict']}, Linux probe {lin['verdict']['verdict']}")
head = next(r for r in log if r["type"] == "header")
cap = next(r for r in log if r["type"] == "capture")
end = next(r for r in log if r["type"] == "end")
clocks = head["system"]["clocks"]
check(clocks["monotonic"] == "QueryPerformanceCounter" and cap["interface"].startswith("\\Device\\NPF_")
      and end["tx"]["frames"] > 500,
      f"the Windows probe's own account: clocks {clocks}, adapter {cap['interface']}, time stamps "
      f"{cap['tstamp_type']}, {end['tx']['frames']} tcp-syn frames through pcap_sendpacket, sender "
      f"at time-critical priority: {end['sender_realtime_priority']}")
for name, a in (("Windows probe under Wine", win), ("Linux probe", lin)):
    for s in ("icmp", "udp-new"):  # the first of a burst, and one later in it
        e = [x for x in a["streams"] if x["stream"] == s][0]["schedule_error"]
        print(f"info  {name}, {s}: schedule error p50 {e['p50_ns'] / 1e3:.0f} us, p99 "
              f"{e['p99_ns'] / 1e3:.0f} us, max {e['max_ns'] / 1e3:.0f} us over {e['count']} requests")
sys.exit(1 if fails else 0)
PY

# IPv6: the Windows probe alone (Wine has no raw ICMPv6 socket and no IPv6 neighbour table: icmp
# and tcp-syn go as frames, the next hop's MAC from the probe's own neighbour solicitation).
# With --exec through cmd.exe (BLACKOUT_SHELL; Wine's powershell.exe is a stub): the command's
# start and end are markers, its exit status kept; the lab's SIGINT (Ctrl-C) ends the run.
/usr/lib/wine/wineserver -k 2>/dev/null || true
BLACKOUT_SHELL="cmd.exe /d /c" "$build/lab/blackout-lab" run normal --run "$tmp/r6" --lead 9s \
  --tail 2s -- "$wine" "$wbuild/probe/blackout-probe.exe" --quiet --run "$(winpath "$tmp/r6/win")" \
  --interval 10ms --outage-interval 5ms --streams icmp,udp,tcp-syn,tcp-est --lead 1s \
  --after 60s --exec "echo the migration command & exit 3" 2001:db8::2 > "$tmp/lab6.out" 2>&1 ||
  { cat "$tmp/lab6.out"; exit 1; }
python3 - "$tmp/r6/win/probe.jsonl" <<'PY' || fails=$((fails + 1))
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
marks = {r["kind"]: r for r in log if r["type"] == "marker"}
end = next(r for r in log if r["type"] == "end")
ok = "exec-start" in marks and marks.get("exec-end", {}).get("exit_status") == 3 and end["reason"] == "interrupt"
print(("ok    " if ok else "FAIL  ") + f"--exec through CreateProcess (cmd.exe): markers {sorted(marks)}, exit status "
      f"{marks.get('exec-end', {}).get('exit_status')}; Ctrl-C ended the run: {end['reason']}")
sys.exit(0 if ok else 1)
PY
"$build/analysis/blackout-analyze" -q --json "$tmp/r6/win/analysis.json" --no-write "$tmp/r6/win"
for s in icmp udp tcp-syn; do
  out=$(python3 "$e2e/check_truth.py" "$tmp/r6/win/analysis.json" "$tmp/r6/lab.jsonl" "$s" \
    --slack-ns="$(slack "$tmp/r6/win/analysis.json")" 2>&1) && rc=0 || rc=$?
  echo "$out" | grep -E '^(FAIL|interval)' | sed "s/^/      $s: /"
  check "$([ $rc = 0 ] && echo 1)" "blackout-probe.exe under Wine over IPv6, $s: the lab's truth held"
done
[ "$fails" = 0 ] && echo "all checks passed" || { echo "$fails failed"; exit 1; }
