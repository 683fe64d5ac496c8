#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Windows build under Wine, on loopback: blackout-responder.exe reflects STAMP (both modes)
# for the Linux probe, echoes its tcp-est frames and serves the event channel; the probe's run
# is read by the Linux analyzer and by blackout-analyze.exe, and the Windows analyzer's JSON for
# the golden fixtures equals the expected one.
# Usage: wine_smoke.sh LINUX_BUILD_DIR WINDOWS_BUILD_DIR
# Needs root (the probe captures on lo); exit 77 (skipped) without it.
set -euo pipefail
build=$(realpath "$1") wbuild=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
wine=/usr/lib/wine/wine64
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
[ -x "$wine" ] || { echo "FAIL  no $wine: run scripts/deps-windows.sh"; exit 1; }

tmp=$(mktemp -d /tmp/blackout-wine-XXXXXX)
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
rsp_pid=
cleanup() {
  [ -n "$rsp_pid" ] && kill -INT "$rsp_pid" 2>/dev/null && wait "$rsp_pid" 2>/dev/null || true
  WINEPREFIX="$tmp/prefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() { # check OK WHAT
  if [ "$1" = 1 ]; then echo "ok    $2"; else echo "FAIL  $2"; fails=$((fails + 1)); fi
}
winpath() { echo "Z:${1//\//\\}"; }

# A port pair nobody uses (the probe's defaults, 862/8620, may be taken on a CI machine).
port=$((20000 + RANDOM % 20000)) tport=$((port + 1))
"$wine" wineboot -i >/dev/null 2>&1 || true # the prefix, once (~10 s)

"$wine" "$wbuild/responder/blackout-responder.exe" --help > "$tmp/help.txt"
check "$(grep -c -e '--add-firewall-rules' "$tmp/help.txt")" "blackout-responder.exe --help lists the Windows options"
rc=0; "$wine" "$wbuild/responder/blackout-responder.exe" --service > "$tmp/svc.txt" 2>&1 || rc=$?
check "$([ $rc = 2 ] && grep -q 'service manager' "$tmp/svc.txt" && echo 1)" \
  "--service from a console: exit 2 and says why ($rc)"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/key.hex"
start_responder() { # start_responder LOG [ARGS]: waits until the log has its start event
  local log=$1
  shift
  "$wine" "$wbuild/responder/blackout-responder.exe" --port "$port" --tcp-port "$tport" \
    --log "$(winpath "$log")" "$@" > "$tmp/responder.out" 2>&1 &
  rsp_pid=$!
  for _ in $(seq 100); do
    grep -q '"type":"start"' "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$tmp/responder.out"
  return 1
}
stop_responder() {
  kill -INT "$rsp_pid"
  local rc=0
  wait "$rsp_pid" || rc=$?
  rsp_pid=
  return $rc
}

# 1. Unauthenticated STAMP (fixed and new flows), tcp-est echo, guest events; --fw-log, which
# Windows cannot serve yet, says so and the rest runs.
# Hyper-V's KVP host values, as the Data Exchange service writes them into a guest's registry:
# one host at the start, another written during the run (a migration's), read through
# RegNotifyChangeKeyValue into a host event.
kvp='HKLM\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters'
"$wine" reg add "$kvp" /v PhysicalHostNameFullyQualified /t REG_SZ /d hv-a.example.net /f >/dev/null 2>&1
"$wine" reg add "$kvp" /v VirtualMachineName /t REG_SZ /d smoke-vm /f >/dev/null 2>&1
start_responder "$tmp/guest1.jsonl" --fw-log 7
sed -n '1,/clock pairs/p' "$tmp/responder.out"
(sleep 1.5; "$wine" reg add "$kvp" /v PhysicalHostNameFullyQualified /t REG_SZ /d hv-b.example.net /f >/dev/null 2>&1) &
"$build/probe/blackout-probe" 127.0.0.1 --quiet --streams udp,udp-new,tcp-est \
  --stamp-port "$port" --tcp-port "$tport" --duration 3s --run "$tmp/run"
wait $!
stop_responder; rc=$?
check "$([ $rc = 0 ] && echo 1)" "Ctrl-C stops blackout-responder.exe with exit 0"
check "$(grep -q '"type":"stop","realtime_ns"' "$tmp/guest1.jsonl" && echo 1)" "its log ends with a stop event"
"$build/analysis/blackout-analyze" --quiet "$tmp/run"
python3 - "$tmp/run" "$tmp/guest1.jsonl" <<'PY' || fails=$((fails + 1))
import json, sys
run = sys.argv[1]
j = json.load(open(f"{run}/analysis.json"))
fails = 0
def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok
got = {s["stream"]: s for s in j["streams"]}
for name in ("udp", "udp-new", "tcp-est"):
    s = got.get(name)
    ok = s is not None and s["sent"] > 200 and s["answered"] >= 0.99 * s["sent"]
    check(ok, f"{name}: {s and s['sent']} sent, {s and s['answered']} answered by the Windows responder")
v = j.get("verdict") or {}
check(v.get("verdict") == "no-blackout", f"verdict {v.get('verdict')}")
events = [json.loads(l) for l in open(f"{run}/guest.jsonl")]
types = {e.get("type") for e in events}
start = [e for e in events if e.get("type") == "start"]
check(bool(start) and "Windows" in start[0]["system"]["system"],
      f"event channel: the start event names {start and start[0]['system']['system']}")
for k in ("firewall", "quarantine", "npcap", "wfp", "wfp_drops", "netvsc", "netprofile",
          "fwprofile", "kvp"):
    check(bool(start) and k in start[0]["system"], f"start event reports {k}: {start and start[0]['system'].get(k)}")
for k, watching in (("netvsc", "watching Hyper-V Netvsc"), ("netprofile", "watching NetworkProfile"),
                    ("fwprofile", "watching firewall event 2010")):
    nv = (start and start[0]["system"].get(k)) or ""
    check(nv.startswith(watching) or nv.startswith("unavailable: EvtSubscribe on "),
          f"{k} events: subscribed, or refused with the reason: {nv}")
wd = (start and start[0]["system"].get("wfp_drops")) or ""
check(wd.startswith("watching") or wd.startswith("unavailable: "),
      f"the firewall's per-packet drops: watched, or refused with the reason: {wd}")
qs = (start and start[0]["system"].get("quarantine_setting")) or {}
check(isinstance(qs, dict) and "written_after_start" in qs and qs.get("meaning"),
      f"IntfQuarantineEnabled's timing against the firewall service's start: {qs}")
kv = (start and start[0]["system"].get("kvp")) or {}
check(isinstance(kv, dict) and kv.get("host") == "hv-a.example.net" and kv.get("vm") == "smoke-vm",
      f"KVP host values read from the registry at start: {kv}")
own = [json.loads(l) for l in open(sys.argv[2])]  # the responder's own log: to its stop
hosts = [e for e in events + own if e.get("type") == "host"]
check(any(e.get("host") == "hv-b.example.net" and e.get("previous") == "hv-a.example.net" for e in hosts),
      f"the host written during the run is a host event (RegNotifyChangeKeyValue): {hosts}")
check(bool(start) and start[0].get("firewall_drops", "").startswith("not available: not on Windows"),
      f"--fw-log degrades with its reason: {start and start[0].get('firewall_drops')}")
print(f"      event types from the Windows responder: {sorted(t for t in types if t)}")
clocks = [e for e in events if e.get("type") == "clock"]
check(len(clocks) >= 20, f"{len(clocks)} clock pairs (QueryPerformanceCounter, GetSystemTimePreciseAsFileTime)")
sys.exit(1 if fails else 0)
PY

# 2. Authenticated STAMP (HMAC-SHA-256 through libsodium built for Windows), and the event
#    channel behind the key's challenge.
start_responder "$tmp/guest2.jsonl" --key-file "$(winpath "$tmp/key.hex")" -q
"$build/probe/blackout-probe" 127.0.0.1 --quiet --streams udp --stamp-key "$tmp/key.hex" \
  --stamp-port "$port" --tcp-port "$tport" --duration 1s --run "$tmp/run-auth"
stop_responder || true
"$build/analysis/blackout-analyze" --quiet --json "$tmp/auth.json" --no-write \
  --stamp-key "$tmp/key.hex" "$tmp/run-auth"
n=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["streams"][0]; print(s["answered"] if s["answered"] >= 0.99*s["sent"] else 0)' "$tmp/auth.json")
check "$([ "$n" -gt 50 ] && echo 1)" "authenticated STAMP: $n probes answered"
ev=$(grep -c '"type":"start"' "$tmp/run-auth/guest.jsonl" 2>/dev/null || true)
check "$([ "${ev:-0}" -ge 1 ] && echo 1)" "authenticated event channel: the start event came through the challenge"

# 3. The installer's service command line (Install-BlackoutResponder.ps1's $cmd, with its key
#    file; Debian has no PowerShell to run the script itself, so the key is made here as it
#    makes one: 32 random bytes in hex) run by Wine in a guest namespace, and from another
#    namespace: an anonymous subscriber gets a challenge and no guest fact, the Linux probe
#    with the key gets the events and authenticated STAMP, without it plain STAMP and a refusal
#    naming the fix. (Wine cannot show the key file's ACL: icacls is the script's, on Windows.)
ns=bo-wine-$$
cleanup_ns() {
  ip netns pids "$ns-guest" 2>/dev/null | xargs -r kill 2>/dev/null || true
  sleep 0.5
  ip netns del "$ns-guest" 2>/dev/null || true
  ip netns del "$ns-far" 2>/dev/null || true
}
trap 'cleanup_ns; cleanup' EXIT
/usr/lib/wine/wineserver -k 2>/dev/null || true # the next wineserver starts in the namespace
ip netns add "$ns-guest" && ip netns add "$ns-far"
ip link add bo-wine-g type veth peer name bo-wine-f
ip link set bo-wine-g netns "$ns-guest" && ip link set bo-wine-f netns "$ns-far"
ip -n "$ns-guest" addr add 198.51.100.2/24 dev bo-wine-g
ip -n "$ns-far" addr add 198.51.100.1/24 dev bo-wine-f
for n in "$ns-guest" "$ns-far"; do ip -n "$n" link set lo up; done
ip -n "$ns-guest" link set bo-wine-g up && ip -n "$ns-far" link set bo-wine-f up
sleep 1
mapfile -t svc < <(python3 - "$here/../../packaging/windows/Install-BlackoutResponder.ps1" \
  "$(winpath "$wbuild/responder/blackout-responder.exe")" "$port" "$tport" \
  "$(winpath "$tmp/guest3.jsonl")" "$(winpath "$tmp/key.hex")" <<'PY'
import re, shlex, sys
ps1, exe, port, tport, log, key = sys.argv[1:]
line = re.search(r'^\$cmd = "(.*)"$', open(ps1).read(), re.M).group(1)
for var, val in (("exePath", exe), ("StampPort", port), ("TcpPort", tport), ("LogPath", log),
                 ("KeyPath", key)):
    line = line.replace("$" + var, val.replace("\\", "\\\\"))
args = shlex.split(line.replace('`"', '"'))
print("\n".join(a for a in args[1:] if a != "--service"))  # a console, not the SCM
PY
)
echo "      the installer's service options: ${svc[*]}"
ip netns exec "$ns-guest" "$wine" "$wbuild/responder/blackout-responder.exe" "${svc[@]}" \
  > "$tmp/responder3.out" 2>&1 &
for _ in $(seq 150); do grep -q '"type":"start"' "$tmp/guest3.jsonl" 2>/dev/null && break; sleep 0.1; done
got=$(ip netns exec "$ns-far" python3 - "$tport" <<'PY'
import socket, sys, time
s = socket.create_connection(("198.51.100.2", int(sys.argv[1])), timeout=5)
s.sendall(b"BLACKOUT/1 events 0\n")
got, end = b"", time.time() + 2
while time.time() < end:
    s.settimeout(max(0.05, end - time.time()))
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    got += b
print(got.decode(errors="replace"))
PY
)
check "$(printf '%s' "$got" | grep -q '^challenge ' && ! printf '%s\n' "$got" | grep -q '^{' && echo 1)" \
  "the installer's command line: an anonymous subscriber on another host gets a challenge, no guest fact"
ip netns exec "$ns-far" "$build/probe/blackout-probe" 198.51.100.2 --streams udp,tcp-est \
  --stamp-port "$port" --tcp-port "$tport" --duration 2s --run "$tmp/run-far-nokey" \
  > /dev/null 2> "$tmp/far-nokey.err" || true
check "$(grep -q "needs the responder's key" "$tmp/far-nokey.err" && echo 1)" \
  "the probe without the key is told the fix: $(grep -o 'no guest events.\{0,60\}' "$tmp/far-nokey.err" | head -1)..."
ip netns exec "$ns-far" "$build/probe/blackout-probe" 198.51.100.2 --quiet --streams udp,tcp-est \
  --stamp-port "$port" --tcp-port "$tport" --duration 2s --run "$tmp/run-far-key" --stamp-key "$tmp/key.hex"
for r in far-nokey far-key; do
  k=()
  [ $r = far-key ] && k=(--stamp-key "$tmp/key.hex")
  n=$("$build/analysis/blackout-analyze" --quiet --no-write --json - "${k[@]}" "$tmp/run-$r" | python3 -c \
    'import json,sys; print(min(s["answered"] for s in json.load(sys.stdin)["streams"]))')
  check "$([ "$n" -gt 50 ] && echo 1)" "$r: udp and tcp-est answered by the installed Windows responder (least $n)"
done
ev=$(grep -c '"type":"clock"' "$tmp/run-far-key/guest.jsonl" 2>/dev/null || true)
check "$([ "${ev:-0}" -ge 10 ] && grep -q '"event_channel":"authenticated' "$tmp/run-far-key/guest.jsonl" && echo 1)" \
  "with the key the probe on another host gets the guest's events ($ev clock pairs)"
cleanup_ns
/usr/lib/wine/wineserver -k 2>/dev/null || true

# 4. blackout-analyze.exe: the run above, and the golden fixtures, as the Linux analyzer reads them.
"$wine" "$wbuild/analysis/blackout-analyze.exe" --quiet --no-write --json "$(winpath "$tmp/w.json")" \
  "$(winpath "$tmp/run")"
"$build/analysis/blackout-analyze" --quiet --no-write --json "$tmp/l.json" "$tmp/run"
python3 "$fixtures/normalize.py" < "$tmp/w.json" > "$tmp/w.norm"
python3 "$fixtures/normalize.py" < "$tmp/l.json" > "$tmp/l.norm"
check "$(cmp -s "$tmp/w.norm" "$tmp/l.norm" && echo 1)" "blackout-analyze.exe reads the run as the Linux analyzer does"
for d in "$fixtures"/*/; do
  f=$(basename "$d") in=${d%/}
  for c in capture.pcap capture.pcapng; do [ -e "$d/$c" ] && in=$d/$c; done
  rc=0
  "$wine" "$wbuild/analysis/blackout-analyze.exe" --quiet --no-write --json "$(winpath "$tmp/$f.json")" \
    "$(winpath "$in")" 2>"$tmp/$f.err" || rc=$?
  if grep -q '"exit"' "$fixtures/$f/expected.json"; then # an input refused: the same status
    want=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["exit"])' "$fixtures/$f/expected.json")
    check "$([ "$rc" = "$want" ] && echo 1)" "blackout-analyze.exe on fixture $f: refused, exit $rc ($(cat "$tmp/$f.err"))"
    continue
  fi
  python3 "$fixtures/normalize.py" < "$tmp/$f.json" > "$tmp/$f.norm" 2>/dev/null || true
  check "$(cmp -s "$tmp/$f.norm" "$fixtures/$f/expected.json" && echo 1)" \
    "blackout-analyze.exe on fixture $f: the expected JSON"
done
[ $fails = 0 ] && echo "all checks passed" || echo "$fails failed"
[ $fails = 0 ]
