#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The responder under every attack at once, for a while, on loopback, with a real probe
# measuring it: STAMP forgeries and a flood from the probe's own address, spoofed reflection
# loops, service-port sources, TCP churn, connections held to exhaust slots, echo clients that
# send and leave (SIGPIPE), anonymous event subscribers (a key is set). Every 10 s: the
# responder's resident memory, open descriptors and log size. At the end: alive, and the
# probe's udp and tcp-est streams answered throughout.
# Usage: bench/soak_responder.sh [SECONDS] (default 300). Needs root (raw sockets, capture).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
[ "$(id -u)" -eq 0 ] || { echo "bench/soak_responder.sh needs root" >&2; exit 1; }
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-soak-XXXXXX)
port=$((30000 + RANDOM % 10000)) tport=$((port + 1))
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$out/key.hex"
"$bin/responder/blackout-responder" -q --port "$port" --tcp-port "$tport" \
  --key-file "$out/key.hex" --capture lo --log "$out/responder.jsonl" --log-max 8M &
rsp=$!
trap 'kill $rsp 2>/dev/null; kill $(jobs -p) 2>/dev/null; true' EXIT
sleep 0.5
python3 - "$port" "$tport" "$secs" "$rsp" "$out" <<'PY' &
import os, socket, struct, sys, threading, time
port, tport, secs, pid, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
end = time.time() + secs

def forge():  # wrong-key STAMP from the probe's own address, and unauthenticated junk
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while time.time() < end:
        for i in range(200):
            s.sendto(struct.pack("!I12xQHH68x", i, 0, 0, 9) + os.urandom(16), ("127.0.0.1", port))
        time.sleep(0.01)

def loops():  # spoofed from the reflector's own address and port
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    while time.time() < end:
        p = struct.pack("!IQHH", 1, 0, 0, 5) + bytes(28)
        udp = struct.pack("!HHHH", port, port, 8 + len(p), 0) + p
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"))
        r.sendto(ip + udp, ("127.0.0.1", 0))
        time.sleep(0.05)

def churn():  # connect, request, leave; rude echo clients; anonymous subscribers
    while time.time() < end:
        try:
            c = socket.create_connection(("127.0.0.1", tport), timeout=1)
            c.sendall(b"BLACKOUT/1 echo\n" + b"x" * 200000)
            c.close()
            c = socket.create_connection(("127.0.0.1", tport), timeout=1)
            c.sendall(b"BLACKOUT/1 events 0\n")
            c.close()
        except OSError:
            pass
        time.sleep(0.01)

def holders():  # connections held from eight addresses
    held = []
    while time.time() < end:
        for a in range(2, 10):
            try:
                h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                h.bind(("127.0.0.%d" % a, 0))
                h.connect(("127.0.0.1", tport))
                h.sendall(b"BLACKOUT/1 echo\n")
                held.append(h)
            except OSError:
                pass
        time.sleep(1)
        if len(held) > 200:
            for h in held[:100]:
                h.close()
            held = held[100:]

for f in (forge, loops, churn, holders):
    threading.Thread(target=f, daemon=True).start()
rows = []
while time.time() < end:
    time.sleep(10)
    try:
        rss = [int(l.split()[1]) for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS")][0]
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        print("soak: the responder died", flush=True)
        sys.exit(1)
    log = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out) if n.startswith("responder.jsonl"))
    rows.append((rss, fds, log))
    print("soak: t=%3ds RSS %6d KiB, %3d fds, logs %5.1f MB" % (len(rows) * 10, rss, fds, log / 1e6), flush=True)
print("soak: RSS %d..%d KiB, fds %d..%d, logs at most %.1f MB" % (
    min(r[0] for r in rows), max(r[0] for r in rows), min(r[1] for r in rows),
    max(r[1] for r in rows), max(r[2] for r in rows) / 1e6))
PY
attacks=$!
"$bin/probe/blackout-probe" -q -s udp,tcp-est --stamp-key "$out/key.hex" --stamp-port "$port" \
  --tcp-port "$tport" -d "${secs}s" --run "$out/run" 127.0.0.1
wait $attacks
kill -0 $rsp && echo "soak: the responder is alive"
"$bin/analysis/blackout-analyze" -q --no-write --stamp-key "$out/key.hex" --json "$out/a.json" "$out/run"
python3 - "$out/a.json" "$out/run/guest.jsonl" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
for s in a["streams"]:
    print("soak: probe %-8s sent %d, answered %d, lost %d, outages %d" % (
        s["stream"], s["sent"], s["answered"], s["lost"], len(s["outages"])))
print("soak: guest events through the authenticated channel: %d" % sum(1 for _ in open(sys.argv[2])))
PY
echo "soak: files in $out"
