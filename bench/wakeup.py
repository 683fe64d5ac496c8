#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The machine's floor for any sender that sleeps between its sends: cyclictest (rt-tests) on
one core at 1 kHz and SCHED_FIFO, once with the core otherwise idle and once with a SCHED_IDLE
loop keeping it busy. On a virtual machine the first includes what the host takes to wake a
halted vCPU for the timer, the second keeps the vCPU from halting; which is worse changes with
the host's load, so bench/pacing.sh prints both.

Usage: wakeup.py CPU SECONDS  (prints one JSON line: per case, wake-up latency percentiles, us)
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

cpu, secs = sys.argv[1], float(sys.argv[2])


def percentiles(path):
    """p50/p95/p99/p99.9 and max of a cyclictest histogram file (one row per microsecond)."""
    rows, peak = [], 0
    for line in open(path):
        if line.startswith("# Max Latencies:"):
            peak = int(line.split(":")[1])
        if line.startswith("#") or not line.strip():
            continue
        us, count = line.split()[:2]
        rows.append((int(us), int(count)))
    total = sum(c for _, c in rows) or 1
    out, acc = {}, 0
    for us, c in rows:
        acc += c
        for name, q in (("p50", .5), ("p95", .95), ("p99", .99), ("p999", .999)):
            if name not in out and acc >= q * total:
                out[name] = us
    for name in ("p50", "p95", "p99", "p999"):
        out.setdefault(name, peak)  # beyond the histogram's 5 ms: its largest
    out["max"], out["samples"] = peak, total
    return out


def run(busy):
    spinner = None
    if busy:
        spinner = subprocess.Popen(["taskset", "-c", cpu, "chrt", "-i", "0", "sh", "-c", "while :; do :; done"])
    with tempfile.NamedTemporaryFile(suffix=".hist") as h:
        subprocess.run(["cyclictest", "-m", "-q", "-p", "90", "-a", cpu, "-t", "1", "-i", "1000",
                        "-l", str(int(secs * 1000)), "-h", "5000", f"--histfile={h.name}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        res = percentiles(h.name)
    if spinner:
        os.kill(spinner.pid, signal.SIGKILL)
        spinner.wait()
    return res


print(json.dumps({"idle": run(False), "busy": run(True)}))
