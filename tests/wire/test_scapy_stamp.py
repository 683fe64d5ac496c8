#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""STAMP and TWAMP-light against an implementation we did not write: scapy's STAMP layer
(Debian's python3-scapy, scapy.contrib.stamp), both ways, on loopback.

1. scapy as Session-Sender, blackout-responder as reflector: a STAMP request (44 octets) gets a
   44-octet reply scapy reads (its sequence number, timestamp and SSID returned); a TWAMP-light
   request (41 octets, SSID 0) gets 41 octets back; 14 and 40 octets (smaller than any reply)
   get nothing: no amplification.
2. scapy as reflector, blackout-probe's `udp` stream as sender: replies of 44 octets (STAMP),
   41 and 38 (TWAMP-light, SSID 0, TTL 255 as Cisco's responder returns) are all answered
   probes in the analysis; 30-octet replies make the pre-flight say why they cannot be read.
Needs root (the probe's capture); run with Debian's python3 (scapy lives there).
Usage: test_scapy_stamp.py BUILD_DIR"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

try:
    from scapy.contrib.stamp import (STAMPSessionReflectorTestUnauthenticated as Reflector,
                                     STAMPSessionSenderTestUnauthenticated as Sender)
except ImportError:
    print("FAIL  scapy missing: scripts/deps.sh installs python3-scapy")
    sys.exit(1)

build = sys.argv[1]
NTP = 2208988800
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


if os.geteuid() != 0:
    print("skipped: needs root (the probe's capture)")
    sys.exit(77)

# 1. scapy sends, blackout-responder reflects.
PORT = 18862
rsp = subprocess.Popen([f"{build}/responder/blackout-responder", "--quiet", "--port", str(PORT),
                        "--tcp-port", "0", "--allow", "127.0.0.0/8"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
time.sleep(0.5)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)


def ask(payload):
    s.sendto(payload, ("127.0.0.1", PORT))
    try:
        return s.recv(2048)
    except socket.timeout:
        return None


now = time.time() + NTP
req = Sender(seq=5, ts=now, ssid=1234)
rep = ask(bytes(req))
r = Reflector(rep) if rep else None
check(rep is not None and len(rep) == 44 and r.seq_sender == 5 and r.ssid == 1234 and
      abs(r.ts_sender - req.ts) < 1e-6 and r.ts_rx > now - 1,
      f"STAMP request from scapy: a 44-octet reply scapy reads ({len(rep or b'')} octets, "
      f"sender seq {r and r.seq_sender}, SSID {r and r.ssid}, TTL {r and r.ttl_sender})")
tl = bytes(Sender(seq=6, ts=now, ssid=0))[:41]
rep = ask(tl)
r = Reflector(rep + bytes(44 - len(rep))) if rep and len(rep) <= 44 else None
check(rep is not None and len(rep) == 41 and r.seq_sender == 6 and r.ssid == 0,
      f"TWAMP-light request (41 octets, SSID 0): 41 octets back ({len(rep or b'')}), sender seq "
      f"{r and r.seq_sender}")
for n in (14, 40):
    check(ask(bytes(Sender(seq=7, ts=now, ssid=0))[:n]) is None,
          f"a {n}-octet request: no reply (a reply may not be larger than its request)")
rsp.terminate()
rsp.wait()

# 2. scapy reflects, blackout-probe sends.
RPORT = 18863


def reflector(mode, stop, sock):
    """Replies as a STAMP (44) or TWAMP-light (41, 38, SSID 0) reflector would, or broken."""
    k = 0
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(2048)
        except socket.timeout:
            continue
        rx = time.time() + NTP
        q = Sender(data)
        twamp = mode != 44
        out = bytes(Reflector(seq=k, ts=time.time() + NTP, ssid=0 if twamp else q.ssid,
                              ts_rx=rx, seq_sender=q.seq, ts_sender=q.ts,
                              err_estimate_sender=q.err_estimate, ttl_sender=255))[:mode]
        sock.sendto(out, peer)
        k += 1


for mode in (44, 41, 38, 30):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", RPORT))
    sock.settimeout(0.1)
    stop = threading.Event()
    t = threading.Thread(target=reflector, args=(mode, stop, sock))
    t.start()
    with tempfile.TemporaryDirectory() as run:
        p = subprocess.run([f"{build}/probe/blackout-probe", "127.0.0.1", "--quiet", "--run", run,
                            "--streams", "udp", "--stamp-port", str(RPORT), "--no-events",
                            "--interval", "10ms", "--duration", "2500ms"],
                           capture_output=True, text=True)
        stop.set()
        t.join()
        sock.close()
        a = subprocess.run([f"{build}/analysis/blackout-analyze", "--quiet", "--no-write",
                            "--json", "-", run], capture_output=True, text=True)
        st = json.loads(a.stdout)["streams"][0] if a.returncode == 0 else {}
        pre = [json.loads(l) for l in open(f"{run}/probe.jsonl") if '"preflight"' in l]
        why = (pre[0]["silent_streams"] or [{}])[0].get("why", "") if pre else ""
        if mode >= 38:
            kind = "STAMP" if mode == 44 else "TWAMP-light"
            check(p.returncode == 0 and st.get("sent", 0) > 200 and
                  st.get("answered", 0) >= st.get("sent", 0) - 2 and pre and not why,
                  f"scapy reflecting {kind} ({mode} octets): {st.get('answered')} of "
                  f"{st.get('sent')} answered, pre-flight clean {why}")
        else:
            check(st.get("answered", 1) == 0 and "could not be read: 30 octets" in why,
                  f"30-octet replies: the pre-flight says why ({why})")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
