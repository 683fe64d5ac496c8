#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs one prober for a while under tcpdump and measures its pacing from the capture.

Usage (inside the lab's probe namespace):
  pacing.py OUTDIR SECONDS INTERVAL_MS NAME FILTER CMD...
FILTER is the tcpdump expression for the prober's requests, captured on eth0 (PACING_IFACE
to change it). PACING_CPU pins the prober to those CPUs and PACING_DUMP_CPU tcpdump (taskset
lists), so the measured tool and the measurement do not share a core. Requests are grouped into flows by
(destination, protocol, ICMP identifier or destination port); the gap error is |gap - interval|
between consecutive requests of one flow, from capture timestamps. Prints one JSON line: sends,
flows, rate, gap error percentiles and the CPU share of the tool (from wait4).
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time

out, secs, iv_ms, name, flt, cmd = (sys.argv[1], float(sys.argv[2]), float(sys.argv[3]),
                                    sys.argv[4], sys.argv[5], sys.argv[6:])
pcap = os.path.join(out, name + ".pcap")
def pinned(var, argv):
    cpus = os.environ.get(var)
    return ["taskset", "-c", cpus] + argv if cpus else argv


cmd = pinned("PACING_CPU", cmd)
dump = subprocess.Popen(pinned("PACING_DUMP_CPU", ["tcpdump", "-i", os.environ.get("PACING_IFACE", "eth0"), "-nn", "-q", "-s", "96", "-B", "65536",
                         "--immediate-mode", "--time-stamp-precision=nano", "-w", pcap, flt]),
                        stderr=subprocess.DEVNULL)
time.sleep(0.5)
t0 = time.monotonic()
tool = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(secs)
tool.send_signal(signal.SIGINT)
for _ in range(600):  # a minute to stop (the probe drains its capture), then it is killed
    pid, status, ru = os.wait4(tool.pid, os.WNOHANG)
    if pid:
        break
    time.sleep(0.1)
else:
    tool.kill()
    _, status, ru = os.wait4(tool.pid, 0)
wall = time.monotonic() - t0
time.sleep(0.3)
dump.send_signal(signal.SIGINT)
dump.wait()


def flow(frame):
    """(dst, proto, id or port) of an Ethernet frame carrying IPv4 or IPv6."""
    et = frame[12:14]
    if et == b"\x08\x00":
        ihl = (frame[14] & 15) * 4
        proto, dst, l4 = frame[23], frame[30:34], 14 + ihl
    elif et == b"\x86\xdd":
        proto, dst, l4 = frame[20], frame[38:54], 54
    else:
        return None
    if proto in (1, 58):
        return (dst, proto, frame[l4 + 4:l4 + 6])
    return (dst, proto, frame[l4 + 2:l4 + 4])


last, sends, err = {}, 0, []
first_ts = last_ts = None
with open(pcap, "rb") as f:
    hdr = f.read(24)
    nano = struct.unpack("<I", hdr[:4])[0] == 0xA1B23C4D
    iv = iv_ms * 1e6
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        sec, frac, incl, _ = struct.unpack("<IIII", h)
        k = flow(f.read(incl))
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        sends += 1
        first_ts = ts if first_ts is None else first_ts
        last_ts = ts
        if k in last:
            err.append(abs((ts - last[k]) - iv))
        last[k] = ts
err.sort()


def q(p):
    return err[min(len(err) - 1, int(p * len(err)))] if err else 0


span = (last_ts - first_ts) / 1e9 if sends > 1 else 1
print(json.dumps({"name": name, "sends": sends, "flows": len(last),
                  "rate": sends / span if span else 0, "per_flow_rate": 1000 / iv_ms,
                  "gap_err_p50_ns": q(0.5), "gap_err_p99_ns": q(0.99),
                  "gap_err_max_ns": err[-1] if err else 0,
                  "cpu_share": (ru.ru_utime + ru.ru_stime) / wall}))
