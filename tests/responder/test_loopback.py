#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-responder on loopback: STAMP replies over IPv4 and IPv6, unauthenticated and with a
key file, never larger than the request, bad input counted, allowlist and rate limit; the TCP
echo and the event channel (resume after a reconnect, events the journal lost); heartbeats;
clean exit on SIGTERM. As root also: network events (a veth pair made and removed) and guest
capture arrivals on lo.
Usage: test_loopback.py PATH_TO_blackout-responder"""
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from started import wait_started  # noqa: E402

BIN = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET6, kind)
    s.bind(("::", 0))
    p = s.getsockname()[1]
    s.close()
    return p


TCP_PORT = None


def start(*args):
    global TCP_PORT
    port, TCP_PORT = free_port(), free_port(socket.SOCK_STREAM)
    d = tempfile.mkdtemp()
    log = os.path.join(d, "responder.jsonl")
    p = subprocess.Popen([BIN, "--port", str(port), "--tcp-port", str(TCP_PORT), "--log", log, *args],
                         stderr=subprocess.PIPE, text=True)
    wait_started(p, log)
    return p, port, log


def events(log):
    return [json.loads(l) for l in open(log)]


def stop(p, log, sig=signal.SIGTERM):
    p.send_signal(sig)
    rc = p.wait(5)
    return rc, events(log)[-1]


def subscribe(frm, want, timeout=3.0):
    """The event channel from event `frm` on, until `want` lines came."""
    c = socket.create_connection(("127.0.0.1", TCP_PORT))
    c.sendall(b"BLACKOUT/1 events %d\n" % frm)
    c.settimeout(timeout)
    buf, t0 = b"", time.time()
    while buf.count(b"\n") < want and time.time() - t0 < timeout:
        try:
            d = c.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    c.close()
    return [json.loads(l) for l in buf.decode().splitlines()[:want]]


def ask(family, addr, port, pkt):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.sendto(pkt, (addr, port))
    try:
        return s.recvfrom(2048)[0]
    except socket.timeout:
        return None


sender = struct.pack("!IQHH", 5, 0x0102030405060708, 0, 9) + bytes(28)
p, port, log = start()
r = ask(socket.AF_INET, "127.0.0.1", port, sender)
check(r is not None and len(r) == 44, "IPv4: a 44-octet reply")
if r:
    seq, ts, err, ssid, rx, sseq, sts = struct.unpack("!IQHHQIQ", r[:36])
    check((seq, ssid, sseq, sts) == (0, 9, 5, 0x0102030405060708), "fields reflected, own sequence 0")
r = ask(socket.AF_INET6, "::1", port, sender)
check(r is not None and len(r) == 44, "IPv6: a 44-octet reply")
# A guest with several addresses answers from the one addressed: all of 127/8 is local, and
# the kernel would pick 127.0.0.1 as the source; the reply must come from 127.0.0.2.
s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s2.settimeout(1)
s2.sendto(sender, ("127.0.0.2", port))
try:
    _, frm = s2.recvfrom(2048)
except socket.timeout:
    frm = None
check(frm == ("127.0.0.2", port), "a reply from the address the request was sent to (%s)" % (frm,))
sizes_ok = True
for n in (0, 1, 40, 41, 43, 44, 45, 100, 1400):
    r = ask(socket.AF_INET, "127.0.0.1", port, (sender + bytes(2000))[:n])
    sizes_ok &= (r is None) if n < 41 else (r is not None and len(r) == min(n, 44))
check(sizes_ok, "no reply under 41 octets (TWAMP-light's), a reply never larger than the request")

# The TCP echo: the request line, then every byte back, in order, also in large writes.
c = socket.create_connection(("127.0.0.1", TCP_PORT))
blob = os.urandom(300000)
c.sendall(b"BLACKOUT/1 echo\n" + blob[:100])
c.sendall(blob[100:])
c.settimeout(3)
got = b""
while len(got) < len(blob):
    d = c.recv(65536)
    if not d:
        break
    got += d
c.close()
check(got == blob, f"TCP echo returns {len(blob)} bytes in order")
c = socket.create_connection(("::1", TCP_PORT))
c.sendall(b"GET / HTTP/1.0\r\n\r\n")
c.settimeout(2)
check(c.recv(200).startswith(b"error:"), "a bad request line gets an error and the door")
c.close()

# The event channel: from 0, then resumed from where the first read stopped.
first = subscribe(0, 5)
check([e["seq"] for e in first] == list(range(5)) and first[0]["type"] == "start",
      "event channel from 0: start, then numbered events")
check(all("realtime_ns" in e and "mono_ns" in e for e in first), "every event has both guest clocks")
time.sleep(0.3)
more = subscribe(5, 3)
check([e["seq"] for e in more] == [5, 6, 7], "resumed from event 5 after a reconnect")
check(any(e["type"] == "clock" for e in first + more), "clock pairs every 100 ms")
live = subscribe(10**9, 1, timeout=0.5)
check(live == [], "asking for future events waits for them")
types = {e["type"] for e in events(log)}
check({"tcp-open", "tcp-close"} <= types, "connections logged as events")

rc, end = stop(p, log)
check(rc == 0, "exit status 0 on SIGTERM")
check(end["type"] == "stop" and end["counters"]["stamp"]["malformed"] == 3,
      f"3 malformed counted ({end['counters']['stamp']})")
check(end["counters"]["tcp"]["echo_bytes"] == len(blob), "echo bytes counted")

with tempfile.NamedTemporaryFile("w", delete=False) as kf:
    kf.write("00112233445566778899aabbccddeeff\n")
key = bytes.fromhex("00112233445566778899aabbccddeeff")
p, port, log = start("--key-file", kf.name)
body = struct.pack("!I12xQHH", 6, 0x0102030405060708, 0, 9) + bytes(68)
auth = body + hmac.new(key, body, hashlib.sha256).digest()[:16]
r = ask(socket.AF_INET, "127.0.0.1", port, auth)
check(r is not None and len(r) == 112, "authenticated: a 112-octet reply")
if r:
    check(hmac.new(key, r[:96], hashlib.sha256).digest()[:16] == r[96:], "reply HMAC verifies")
    check(struct.unpack("!I", r[48:52])[0] == 6, "sender sequence at offset 48")
forged = auth[:-1] + bytes([auth[-1] ^ 1])
check(ask(socket.AF_INET, "127.0.0.1", port, forged) is None, "forged HMAC: no reply")
rc, end = stop(p, log, signal.SIGINT)
check(end["counters"]["stamp"]["auth_failed"] == 1, "1 authentication failure counted")

# Allowlist: loopback is not in it, so nothing is answered and the refusals are counted.
p, port, log = start("--allow", "192.0.2.0/24", "--allow", "2001:db8::/32")
check(ask(socket.AF_INET, "127.0.0.1", port, sender) is None, "a source outside --allow: no reply")
c = socket.create_connection(("127.0.0.1", TCP_PORT))
c.settimeout(2)
try:
    closed = c.recv(10) == b""
except ConnectionResetError:
    closed = True
check(closed, "a TCP client outside --allow is closed")
rc, end = stop(p, log)
check(end["counters"]["stamp"]["denied"] == 1 and end["counters"]["tcp"]["refused"] == 1,
      f"refusals counted ({end['counters']})")

# Rate limit: 100/s with a 1 s burst; 400 requests at once get about 100 replies.
p, port, log = start("--rate-limit", "100")
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(400):
    s4.sendto(sender, ("127.0.0.1", port))
    time.sleep(0.0002)
s4.settimeout(0.5)
replies = 0
try:
    while True:
        s4.recvfrom(2048)
        replies += 1
except socket.timeout:
    pass
rc, end = stop(p, log)
st = end["counters"]["stamp"]
check(90 <= replies <= 120 and st["rate_limited"] == 400 - st["reflected"],
      f"--rate-limit 100: {replies} of 400 answered, {st['rate_limited']} limited")

# Heartbeat: 32-byte datagrams every 10 ms, sequence numbers in order, guest clocks inside.
hb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hb.bind(("127.0.0.1", 0))
p, port, log = start("--heartbeat", "127.0.0.1:%d" % hb.getsockname()[1])
hb.settimeout(1)
beats = []
t0 = time.time()
while time.time() - t0 < 0.5:
    beats.append(hb.recvfrom(100)[0])
stop(p, log)
parsed = [struct.unpack("!4sB3xIIqq", b) for b in beats if len(b) == 32]
gap = (parsed[-1][5] - parsed[0][5]) / (len(parsed) - 1) / 1e6 if len(parsed) > 1 else 0
check(len(parsed) == len(beats) and 9.5 <= gap <= 11, f"{len(beats)} heartbeats, {gap:.2f} ms apart on the guest clock")
check(all(x[0] == b"BLKH" and x[1] == 1 for x in parsed), "heartbeat magic and version")
check([x[3] for x in parsed] == list(range(parsed[0][3], parsed[0][3] + len(parsed))), "heartbeat sequence in order")
check(abs(parsed[-1][4] / 1e9 - time.time()) < 2, "heartbeat carries the guest realtime clock")

if os.geteuid() == 0:
    p, port, log = start("--capture", "lo")
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(3):
        s4.sendto(struct.pack("!IQHH", 40 + i, 0, 0, 77) + bytes(28), ("127.0.0.1", port))
    c = socket.create_connection(("127.0.0.1", TCP_PORT))
    c.sendall(b"BLACKOUT/1 echo\n")
    tag = b"BLKT" + bytes([1, 6, 0, 0]) + struct.pack("!IIq", 9, 1234, 0) + bytes(8)
    c.sendall(tag + tag[:12] + struct.pack("!I", 1235) + tag[16:])
    time.sleep(0.2)
    c.close()
    veth = "bo%05d" % (os.getpid() % 100000)
    subprocess.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p"], check=True)
    subprocess.run(["ip", "link", "set", veth, "up"], check=True)
    subprocess.run(["ip", "link", "del", veth], check=True)
    time.sleep(0.3)
    stop(p, log)
    ev = events(log)
    arr = [e for e in ev if e["type"] == "arrival"]
    udp = [e["pseq"] for e in arr if e["proto"] == "udp" and e.get("ssid") == 77]
    check(udp == [40, 41, 42], f"capture: STAMP arrivals with SSID and sequence ({udp})")
    est = [e["pseq"] for e in arr if e["proto"] == "tcp" and e.get("stream") == 6]
    check(est == [1234, 1235], f"capture: two tcp-est frames in one segment ({est})")
    check(any(e["proto"] == "tcp" and "isn" in e for e in arr), "capture: the SYN with its ISN")
    links = [e for e in ev if e["type"] == "net" and e["what"] == "link" and e["ifname"] == veth]
    check(any(e["op"] == "new" for e in links) and any(e["op"] == "del" for e in links),
          f"network events: {veth} created and removed ({len(links)} link events)")
else:
    print("skip  capture and network events (not root)")

p = subprocess.run([BIN, "--port", "0"], capture_output=True, text=True)
check(p.returncode == 2 and "--port" in p.stderr, "bad port: exit 2")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
