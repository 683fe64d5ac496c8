#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-responder against what a network peer can send (bounded in count and time, on
loopback): a datagram spoofed from the reflector's own address and port (a reflection loop),
sources on service and reflector ports, a flood of forged HMACs from the probe's own address
(must not use up its rate budget), replays of a genuine authenticated packet, and an
IPv4-mapped allowlist entry. Spoofing needs a raw socket: those checks run as root only.
Usage: test_attacks.py PATH_TO_blackout-responder"""
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from started import wait_started  # noqa: E402

BIN = sys.argv[1]
ROOT = os.geteuid() == 0
failures, passed = [], []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    (passed if ok else failures).append(what)


def free_port(kind=socket.SOCK_DGRAM):
    """A port nobody uses, for UDP or (kind SOCK_STREAM) TCP, IPv4 and IPv6 alike."""
    s = socket.socket(socket.AF_INET6, kind)
    s.bind(("::", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(*args):
    port = free_port()
    d = tempfile.mkdtemp()
    log = os.path.join(d, "r.jsonl")
    p = subprocess.Popen([BIN, "-q", "--port", str(port), "--tcp-port", "0", "--log", log, *args],
                         stderr=subprocess.DEVNULL)
    wait_started(p, log)
    return p, port, log


def stop(p, log):
    p.terminate()
    p.wait(5)
    if not os.path.exists(log):
        return {}  # it did not start
    stops = [json.loads(l) for l in open(log) if '"stop"' in l]
    return stops[-1]["counters"]["stamp"] if stops else {}


def sender(seq, ssid=5, key=None):
    if key is None:
        return struct.pack("!IQHH", seq, 0, 0, ssid) + bytes(28)
    body = struct.pack("!I12xQHH68x", seq, 0, 0, ssid)
    return body + hmac.new(key, body, hashlib.sha256).digest()[:16]


def answers(sock, n, timeout=0.5):
    got = 0
    sock.settimeout(timeout)
    try:
        while got < n:
            sock.recv(2048)
            got += 1
    except socket.timeout:
        pass
    return got


def udp_raw(src, sport, dst, dport, payload):
    """One IPv4 UDP datagram with a source of our choosing (root)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
    s.close()


# 1. A reflection loop: one datagram "from" the reflector's own address and port.
if ROOT:
    p, port, log = start("--rate-limit", "0")
    udp_raw("127.0.0.1", port, "127.0.0.1", port, sender(1))
    time.sleep(1.0)
    c = stop(p, log)
    check(c.get("reflected", -1) == 0 and c.get("loop_refused") == 1,
          "a spoofed datagram from the reflector's own address:port is not reflected "
          "(reflected %s, loop_refused %s)" % (c.get("reflected"), c.get("loop_refused")))

# 2. Sources on a service's port (53) or another reflector's (862): no reply; --min-source-port
#    0 answers them.
if ROOT:
    for extra, want in ((), 0), (("--min-source-port", "0"), 1):
        p, port, log = start(*extra)
        got = 0
        for sp in (53, 862):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", sp))
            s.sendto(sender(1), ("127.0.0.1", port))
            got += answers(s, 1)
            s.close()
        c = stop(p, log)
        check(got == 2 * want, "sources on ports 53 and 862 answered %d of 2 %s" %
              (got, "(--min-source-port 0)" if extra else "(refused: port_refused %s)"
               % c.get("port_refused")))

# 3. Forged HMACs from the probe's own address do not use up its rate budget.
key = os.urandom(32)
kf = tempfile.NamedTemporaryFile("w", delete=False)
kf.write(key.hex())
kf.close()
p, port, log = start("--key-file", kf.name, "--rate-limit", "20")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
for i in range(200):
    s.sendto(sender(i, key=b"wrong key"), ("127.0.0.1", port))
time.sleep(0.1)
for i in range(20):
    s.sendto(sender(1000 + i, key=key), ("127.0.0.1", port))
got = answers(s, 20)
# 4. A replay of a genuine packet, from the same and from another socket: refused.
s.sendto(sender(1005, key=key), ("127.0.0.1", port))
again = answers(s, 1)
t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t.sendto(sender(1006, key=key), ("127.0.0.1", port))
again += answers(t, 1)
c = stop(p, log)
check(got == 20, "after 200 forged packets from its address, %d of 20 genuine probes answered "
      "(auth_failed %s, rate_limited %s)" % (got, c.get("auth_failed"), c.get("rate_limited")))
check(again == 0 and c.get("replayed") == 2,
      "replayed genuine packets answered %d times (replayed %s)" % (again, c.get("replayed")))

# 5. An IPv6 packet whose source is the allowed IPv4 address written IPv4-mapped: refused (it
#    would pass for 127.0.0.1 on the dual-stack socket).
def udp6_raw(src, sport, dst, dport, payload):
    s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    data = s6 + d6 + struct.pack("!IxxxB", len(udp), 17) + udp
    data += b"\0" * (len(data) % 2)
    sm = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while sm >> 16:
        sm = (sm & 0xffff) + (sm >> 16)
    udp = udp[:6] + struct.pack("!H", ~sm & 0xffff) + udp[8:]
    ip = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + s6 + d6
    r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(ip + udp, (dst, 0))
    r.close()


if ROOT:
    p, port, log = start("--allow", "127.0.0.1")
    udp6_raw("::ffff:127.0.0.1", 40000, "::1", port, sender(1))
    time.sleep(0.3)
    c = stop(p, log)
    check(c.get("reflected", -1) == 0 and c.get("denied") == 1,
          "an IPv6 packet from ::ffff:127.0.0.1 is not taken for the allowed 127.0.0.1 "
          "(denied %s)" % c.get("denied"))

# 6. --allow in IPv4-mapped form means the IPv4 address.
p, port, log = start("--allow", "::ffff:127.0.0.1")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sender(1), ("127.0.0.1", port))
got = answers(s, 1)
c = stop(p, log)
check(got == 1 and c.get("denied") == 0, "--allow ::ffff:127.0.0.1 admits 127.0.0.1")

# 7. The event channel with a key: a stranger gets a challenge, never an event; a wrong answer
#    is refused; the right one (the probe's --stamp-key) gets the events.
def start_tcp(*args):
    port, tport = free_port(), free_port(socket.SOCK_STREAM)
    d = tempfile.mkdtemp()
    log = os.path.join(d, "r.jsonl")
    p = subprocess.Popen([BIN, "-q", "--port", str(port), "--tcp-port", str(tport), "--log", log,
                          *args], stderr=subprocess.DEVNULL)
    wait_started(p, log)
    return p, tport, log


def read_line(c, timeout=2.0):
    c.settimeout(timeout)
    buf = b""
    try:
        while b"\n" not in buf:
            d = c.recv(4096)
            if not d:
                break
            buf += d
    except (socket.timeout, OSError):
        pass
    return buf.split(b"\n")[0]


def subscribe(port, key, src="127.0.0.1"):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind((src, 0))
    c.connect(("127.0.0.1", port))
    c.sendall(b"BLACKOUT/1 events 0\n")
    first = read_line(c)
    if not first.startswith(b"challenge ") or key is None:
        return c, first, None
    ch = bytes.fromhex(first[10:].decode())
    mac = hmac.new(key, b"BLACKOUT/1 events" + ch, hashlib.sha256).hexdigest()
    c.sendall(b"auth " + mac.encode() + b"\n")
    return c, first, read_line(c)


p, tport, log = start_tcp("--key-file", kf.name)
c, first, _ = subscribe(tport, None)
check(first.startswith(b"challenge ") and b"{" not in first,
      "with a key, an anonymous subscriber gets a challenge, no event (%r)" % first[:30])
c.close()
c, _, reply = subscribe(tport, b"not the key")
check(reply is not None and reply.startswith(b"error: authentication failed"),
      "a wrong answer is refused (%r)" % (reply or b"")[:40])
c.close()
c, _, reply = subscribe(tport, key)
check(reply is not None and b'"start"' in reply,
      "the right answer gets the events (%r)" % (reply or b"")[:40])
c.close()

# 8. Slots: 20 connections holding a request line from one address get 8; 64 from eight
#    addresses cannot lock the probe's authenticated event channel out.
held = []
for i in range(20):
    h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    h.bind(("127.0.0.2", 0))
    h.connect(("127.0.0.1", tport))
    h.sendall(b"BLACKOUT/1 echo\n")
    held.append(h)
time.sleep(0.5)
kept = 0
for h in held:
    h.settimeout(0.3)
    try:
        h.sendall(b"ping")
        kept += len(h.recv(16)) > 0
    except (socket.timeout, OSError):
        pass
check(kept == 8, "20 echo connections from one address: %d kept (8 per source)" % kept)
for h in held:
    h.close()
time.sleep(0.3)
held = []
for a in range(2, 10):
    for i in range(8):
        h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        h.bind(("127.0.0.%d" % a, 0))
        h.connect(("127.0.0.1", tport))
        h.sendall(b"BLACKOUT/1 echo\n")
        held.append(h)
time.sleep(0.5)
c, _, reply = subscribe(tport, key)
check(reply is not None and b'"start"' in reply,
      "64 strangers' connections held: the probe's authenticated events still get through")
c.close()
e = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
e.connect(("127.0.0.1", tport))
e.sendall(b"BLACKOUT/1 echo\n")
check(read_line(e).startswith(b"error: no slot"), "...while one more stranger's echo is refused")
for h in held + [e]:
    h.close()
p.terminate()
p.wait(5)

# 9. Bounded logs: connection churn neither grows the log without end (it rotates at
#    --log-max) nor floods it (connection events at most 200 a second, the rest counted).
p, tport, log = start_tcp("--log-max", "8K")
t0 = time.time()
for i in range(1500):
    # Each connection waits for its first echoed byte (or the refusal), so the responder has
    # taken every one of them before the count: a connection still in the kernel's accept
    # queue when the responder stops was never seen, and an accept queue that overflows
    # would leave fewer than the cap to see. The sources rotate so no address runs out of
    # slots while the responder has yet to read the last closes.
    h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    h.bind(("127.0.0.%d" % (2 + i % 200), 0))
    h.connect(("127.0.0.1", tport))
    h.sendall(b"BLACKOUT/1 echo\nx")
    h.settimeout(5)
    h.recv(1)
    h.close()
spent = time.time() - t0
time.sleep(0.3)
p.terminate()
p.wait(5)
size = os.path.getsize(log)
rotated = os.path.exists(log + ".1")
opens = sum(l.count('"tcp-open"') for l in open(log)) + \
    (sum(l.count('"tcp-open"') for l in open(log + ".1")) if rotated else 0)
stop_ev = [json.loads(l) for l in open(log) if '"stop"' in l]
jc = stop_ev[-1]["counters"] if stop_ev else {}
check(size <= 8 * 1024 + 4096 and rotated and jc.get("log", {}).get("rotations", 0) >= 1,
      "1500 connections: the log %d bytes, rotated to .1 (%s), %s rotations" %
      (size, rotated, jc.get("log", {}).get("rotations")))
check(opens <= 200 * (int(spent) + 2) and jc.get("events_dropped", {}).get("connections", 0) > 0,
      "connection events capped: %d tcp-open in %.1f s, %s dropped" %
      (opens, spent, jc.get("events_dropped", {}).get("connections")))

# 10. The guest capture keeps to --allow: a stranger's packets are not arrivals.
if ROOT:
    p, port, log = start("--capture", "lo", "--allow", "127.0.0.2")
    time.sleep(0.5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(50):
        s.sendto(sender(i), ("127.0.0.1", port))
    time.sleep(0.5)
    p.terminate()
    p.wait(5)
    arrivals = sum(1 for l in open(log) if '"arrival"' in l)
    stops = [json.loads(l) for l in open(log) if '"stop"' in l]
    na = stops[-1]["counters"]["capture"].get("not_allowed") if stops else None
    check(arrivals == 0 and (na or 0) >= 50,
          "50 packets from outside --allow: %d arrivals recorded (not_allowed %s)" % (arrivals, na))

# 11. Least privilege: once its sockets and capture are open the responder keeps CAP_NET_RAW
#     (for the capture) or nothing, sets no_new_privs and a seccomp filter, becomes --user.
def status(pid):
    d = {}
    for l in open("/proc/%d/status" % pid):
        k, _, v = l.partition(":")
        d[k] = v.strip()
    return d


if ROOT:
    for extra, want_cap, uid in ((("--capture", "lo"), 0x2000, "0"), ((), 0, "0"),
                                 (("--user", "nobody"), 0, "65534")):
        p, port, log = start(*extra)
        st = status(p.pid)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(sender(1), ("127.0.0.1", port))
        got = answers(s, 1)
        stop(p, log)
        check(int(st.get("CapEff", "ff"), 16) == want_cap and st.get("NoNewPrivs") == "1" and
              st.get("Seccomp") == "2" and st.get("Uid", "").split()[0] == uid and got == 1,
              "least privilege %s: CapEff %s, NoNewPrivs %s, Seccomp %s, uid %s, answering %d"
              % (" ".join(extra) or "(plain)", st.get("CapEff"), st.get("NoNewPrivs"),
                 st.get("Seccomp"), st.get("Uid", "").split()[:1], got))

print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
