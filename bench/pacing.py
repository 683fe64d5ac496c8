#!/usr/bin/env python3
"""Runs one pinger for a while under tcpdump and measures its pacing from the capture.

Usage (inside the lab's probe namespace): pacing.py OUTDIR SECONDS INTERVAL_MS NAME CMD...
Prints one JSON line: sends, rate, gap error percentiles (|gap - interval| between consecutive
echo requests, from capture timestamps) and CPU share of the tool (from wait4).
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time

out, secs, iv_ms, name, cmd = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:]
pcap = os.path.join(out, name + ".pcap")
dump = subprocess.Popen(["tcpdump", "-i", "eth0", "-nn", "-q", "--immediate-mode",
                         "--time-stamp-precision=nano", "-w", pcap, "icmp[0] = 8"],
                        stderr=subprocess.DEVNULL)
time.sleep(0.5)
t0 = time.monotonic()
tool = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(secs)
tool.send_signal(signal.SIGINT)
_, status, ru = os.wait4(tool.pid, 0)
wall = time.monotonic() - t0
time.sleep(0.3)
dump.send_signal(signal.SIGINT)
dump.wait()

ts = []
with open(pcap, "rb") as f:
    hdr = f.read(24)
    nano = struct.unpack("<I", hdr[:4])[0] == 0xA1B23C4D
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        sec, frac, incl, _ = struct.unpack("<IIII", h)
        f.read(incl)
        ts.append(sec * 1_000_000_000 + (frac if nano else frac * 1000))
iv = iv_ms * 1e6
err = sorted(abs((b - a) - iv) for a, b in zip(ts, ts[1:]))


def q(p):
    return err[min(len(err) - 1, int(p * len(err)))] if err else 0


span = (ts[-1] - ts[0]) / 1e9 if len(ts) > 1 else 1
print(json.dumps({"name": name, "sends": len(ts), "rate": len(ts) / span if span else 0,
                  "expected_rate": 1000 / iv_ms, "gap_err_p50_ns": q(0.5), "gap_err_p99_ns": q(0.99),
                  "gap_err_max_ns": err[-1] if err else 0,
                  "cpu_share": (ru.ru_utime + ru.ru_stime) / wall}))
