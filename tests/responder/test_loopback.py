#!/usr/bin/env python3
"""blackout-responder on loopback: STAMP replies over IPv4 and IPv6, unauthenticated and with a
key file, never larger than the request, bad input counted, clean exit on SIGTERM.
Usage: test_loopback.py PATH_TO_blackout-responder (no root needed)."""
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

BIN = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def free_port():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(*args):
    port = free_port()
    d = tempfile.mkdtemp()
    log = os.path.join(d, "responder.jsonl")
    p = subprocess.Popen([BIN, "--port", str(port), "--log", log, *args], stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    return p, port, log


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
sizes_ok = True
for n in (0, 1, 43, 44, 45, 100, 1400):
    r = ask(socket.AF_INET, "127.0.0.1", port, (sender + bytes(2000))[:n])
    sizes_ok &= (r is None) if n < 44 else (r is not None and len(r) <= n)
check(sizes_ok, "no reply under 44 octets, never a reply larger than the request")
p.send_signal(signal.SIGTERM)
check(p.wait(5) == 0, "exit status 0 on SIGTERM")
end = [json.loads(l) for l in open(log)][-1]
check(end["type"] == "end" and end["stamp"]["malformed"] == 3, f"3 malformed counted ({end['stamp']})")

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
p.send_signal(signal.SIGINT)
p.wait(5)
end = [json.loads(l) for l in open(log)][-1]
check(end["stamp"]["auth_failed"] == 1, "1 authentication failure counted")

p = subprocess.run([BIN, "--port", "0"], capture_output=True, text=True)
check(p.returncode == 2 and "--port" in p.stderr, "bad port: exit 2")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
