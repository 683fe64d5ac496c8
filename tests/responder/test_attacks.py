#!/usr/bin/env python3
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

BIN = sys.argv[1]
ROOT = os.geteuid() == 0
failures, passed = [], []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    (passed if ok else failures).append(what)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(*args):
    port = free_port()
    d = tempfile.mkdtemp()
    log = os.path.join(d, "r.jsonl")
    p = subprocess.Popen([BIN, "-q", "--port", str(port), "--tcp-port", "0", "--log", log, *args],
                         stderr=subprocess.DEVNULL)
    time.sleep(0.3)
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

print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
