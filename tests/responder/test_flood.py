#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The responder under a loopback flood: FLOOD_RATE datagrams/s (default 100 000) for
FLOOD_SECONDS (default 5) from 256 sources, one in eight malformed, with and without the rate
limit. It must stay up, answer afterwards, count what it dropped, and keep its memory bounded:
resident size sampled every 100 ms may not grow by more than 16 MiB over its start.
Usage: test_flood.py RESPONDER FLOOD"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BIN, FLOOD = sys.argv[1], sys.argv[2]
RATE = int(os.environ.get("FLOOD_RATE", "100000"))
SECS = float(os.environ.get("FLOOD_SECONDS", "5"))
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def rss_kib(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0


def free_port(kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.bind(("::", 0))
    p = s.getsockname()[1]
    s.close()
    return p


for limit in ("0", "10000"):
    port, tport = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    log = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    p = subprocess.Popen([BIN, "-q", "--port", str(port), "--tcp-port", str(tport), "--log", log,
                          "--rate-limit", limit])
    time.sleep(0.5)
    base = rss_kib(p.pid)
    fl = subprocess.Popen([FLOOD, str(port), str(RATE), str(SECS)], stdout=subprocess.PIPE, text=True)
    peak = base
    while fl.poll() is None:
        peak = max(peak, rss_kib(p.pid))
        time.sleep(0.1)
    sent = json.loads(fl.stdout.read())
    time.sleep(0.5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(struct.pack("!IQHH", 1, 0, 0, 9) + bytes(28), ("127.0.0.1", port))
    try:
        alive = len(s.recvfrom(100)[0]) == 44
    except socket.timeout:
        alive = False
    p.send_signal(signal.SIGTERM)
    rc = p.wait(10)
    end = [json.loads(l) for l in open(log)][-1]["counters"]["stamp"]
    what = f"--rate-limit {limit}: sent {sent['sent']} at {sent['rate']:.0f}/s; "
    what += f"received {end['received']}, reflected {end['reflected']}, malformed {end['malformed']}, "
    what += f"rate-limited {end['rate_limited']}; RSS {base} KiB -> peak {peak} KiB"
    print("      " + what)
    check(rc == 0 and alive, f"--rate-limit {limit}: still answering after the flood, clean exit")
    check(peak - base <= 16 * 1024, f"--rate-limit {limit}: memory bounded (+{peak - base} KiB)")
    check(end["malformed"] > 0 and end["reflected"] > 0, f"--rate-limit {limit}: counted")
    if limit != "0":
        check(end["rate_limited"] > 0, "the rate limit dropped some")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
