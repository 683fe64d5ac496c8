#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-probe in hostile surroundings: a "responder" on loopback whose event channel floods
event lines as fast as it can (a responder of ours sends a few hundred a second): the probe
must bound what it writes to RUN/guest.jsonl and say so; and a run directory on a disk that
fills (a 200 KiB tmpfs): the probe must stop, name the file and the reason, exit 1, and leave
files the analyzer reads. Needs root (capture, mount); skipped otherwise.
Usage: test_hostile_responder.py BUILD_DIR"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

if os.geteuid() != 0:
    print("skipped: needs root")
    sys.exit(77)
PROBE = os.path.join(sys.argv[1], "probe", "blackout-probe")
failures, passed = [], []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    (passed if ok else failures).append(what)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
tport = srv.getsockname()[1]
stop = time.time() + 4.0
sent = [0]


def flood():
    srv.settimeout(4)
    try:
        c, _ = srv.accept()
    except socket.timeout:
        return
    c.recv(128)
    n = 0
    try:
        while time.time() < stop:
            c.sendall(b"".join(b'{"seq":%d,"type":"flood","pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}\n'
                               % (n + i) for i in range(1000)))
            n += 1000
            sent[0] += 1000
    except OSError:
        pass
    c.close()


th = threading.Thread(target=flood)
th.start()
run = os.path.join(tempfile.mkdtemp(), "run")
r = subprocess.run([PROBE, "-q", "-s", "udp", "--stamp-port", "9", "--tcp-port", str(tport),
                    "-d", "3s", "--run", run, "127.0.0.1"], capture_output=True, text=True,
                   timeout=60)
th.join()
lines = sum(1 for _ in open(os.path.join(run, "guest.jsonl")))
size = os.path.getsize(os.path.join(run, "guest.jsonl"))
log = [json.loads(l) for l in open(os.path.join(run, "probe.jsonl"))]
limited = [o for o in log if o.get("type") == "guest" and o.get("state") == "limited"]
summary = [o for o in log if o.get("type") == "guest-summary"]
dropped = summary[-1]["targets"][0].get("dropped", 0) if summary else 0
check(r.returncode == 0, "the probe ran to its end (exit %d)" % r.returncode)
# What the probe read is bounded by how fast it reads (slower on a busy machine); what it
# wrote must stay within the burst and the rate whatever it read.
bound = 300000 + 20000 * 5
check(lines <= bound and (dropped > 0 or lines + dropped < bound),
      "%d event lines flooded in, %d written (%d MB), %d dropped" %
      (sent[0], lines, size >> 20, dropped))
priv = [o for o in log if o.get("type") == "privileges"]
check(priv and priv[0]["dropped"], "the probe dropped its privileges once set up (%s)"
      % (priv[0]["what"] if priv else "no record"))
check(len(limited) == (1 if dropped else 0),
      "the limit said once in probe.jsonl (%d)" % len(limited))
# A full disk.
tiny = tempfile.mkdtemp()
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", tiny]).returncode == 0:
    try:
        r = subprocess.run([PROBE, "--dry-run", "-d", "20s", "-i", "1ms", "-s", "icmp,udp",
                            "--run", tiny + "/run", "192.0.2.2"], capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 1 and "probe.pcap failed: No space left on device" in r.stderr,
              "disk full: exit %d, %r" % (r.returncode, r.stderr.strip()[:90]))
        an = os.path.join(sys.argv[1], "analysis", "blackout-analyze")
        a = subprocess.run([an, "--no-write", "-q", tiny + "/run"], capture_output=True,
                           text=True, timeout=60)
        check(a.returncode == 0, "...and the analyzer reads what is on disk (exit %d)"
              % a.returncode)
    finally:
        subprocess.run(["umount", tiny])

print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
