#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Migrations inside the fleet bench: run in the lab VM's namespace while the probe covers the
1000 targets, it "migrates" COUNT of them one after another, STEP apart: every inbound packet
to that address is dropped (an nftables set element added, later deleted, each a transaction
timed with CLOCK_REALTIME around the `nft` call) for 300 ms (most), 3 s (every tenth: a normal
quarantine's length) or 7.3 s (every tenth after those: the safety timeout's), and the truth
written as JSON lines. Usage: fleet_migrate.py TARGETS_FILE COUNT STEP_S TRUTH_OUT
"""
import json
import subprocess
import sys
import threading
import time

targets = [l.strip() for l in open(sys.argv[1]) if l.strip()]
count, step, out = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
chosen = targets[::max(1, len(targets) // count)][:count]


def nft(cmd):
    t0 = time.time_ns()
    subprocess.run(["nft", cmd], check=True)
    return t0, time.time_ns()


nft("add table inet bofleet")
nft("add set inet bofleet paused { type ipv4_addr; }")
nft("add chain inet bofleet input { type filter hook input priority -10; policy accept; }")
nft("add rule inet bofleet input ip daddr @paused drop")
lock = threading.Lock()
truth = []


def migrate(i, addr):
    dur = 3.0 if i % 10 == 5 else 7.3 if i % 10 == 9 else 0.3
    with lock:
        start = nft(f"add element inet bofleet paused {{ {addr} }}")
    time.sleep(dur)
    with lock:
        end = nft(f"delete element inet bofleet paused {{ {addr} }}")
    verdict = {0.3: "switchover-only", 3.0: "quarantine-normal", 7.3: "quarantine-safety-timeout"}[dur]
    with lock:
        truth.append({"target": addr, "start": list(start), "end": list(end), "verdict": verdict})


time.sleep(3)  # the probe is up and sending to every target first
threads = []
for i, addr in enumerate(chosen):
    t = threading.Thread(target=migrate, args=(i, addr))
    t.start()
    threads.append(t)
    time.sleep(step)
for t in threads:
    t.join()
nft("delete table inet bofleet")
with open(out, "w") as f:
    for t in truth:
        f.write(json.dumps(t) + "\n")
