#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summary of a QEMU soak run (bench/qemu_soak.sh): QEMU's downtime and, per stream, the network
dark and (dark - downtime) over every migration, as min / median / p90 / max; tcp-est's stalls
and each stall against its migration's network dark; how often QEMU's STOP fell strictly inside
the start bounds; the responders' outages outside any migration.
Usage: qemu_soak.py RUN"""
import json
import sys

MS = 1e6
run = sys.argv[1]
a = json.load(open(f"{run}/analysis.json"))
lab = [json.loads(l) for l in open(f"{run}/lab.jsonl")]
migs = [r for r in lab if r["type"] == "migration"]
hv = [r for r in lab if r["type"] == "hypervisor"][0]


def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def row(name, v):
    print(f"| {name} | {len(v)} | {min(v):.1f} | {q(v, 0.5):.1f} | {q(v, 0.9):.1f} | {max(v):.1f} |")


down = [m["downtime_ns"] / MS for m in migs]
print(f"QEMU {hv['qemu_version']} ({hv['accel']}), {len(hv['guests'])} guests, {len(migs)} migrations\n")
print("| figure (ms) | n | min | median | p90 | max |")
print("|---|---|---|---|---|---|")
row("QEMU downtime (query-migrate)", down)
row("QEMU STOP to RESUME", [(m["resume_ns"] - m["stop_ns"]) / MS for m in migs])
host = a["host"]["migrations"]
inside = strict = total = 0
for stream in ("icmp", "udp", "tcp-syn"):
    dark, beyond = [], []
    for m in host:
        for s in m["streams"]:
            if s["stream"] == stream:
                dark.append(s["dark_ns"] / MS)
                beyond.append(s["beyond_downtime_ns"] / MS)
                total += 1
                strict += bool(s["stop_in_start_bounds"])
    if dark:
        row(f"{stream}: network dark", dark)
        row(f"{stream}: dark - QEMU downtime", beyond)
est = [s for s in a["streams"] if s["stream"] == "tcp-est"]
held = [(s["target"], st) for s in est for st in (s.get("tcp") or {}).get("stalls", [])]
if held:
    row("tcp-est: echoes held up (stalls)", [st["max_delay_ns"] / MS for _, st in held])
    # Each stall against its migration's network dark (the darkest new-flow stream): the bound is
    # that plus one retransmission timeout (Linux's least is 200 ms).
    over = []
    for target, st in held:
        near = [m for m in host if m["target"] == target and m.get("network_dark_ns") is not None]
        if near:
            m = min(near, key=lambda m: abs(m["stop_ns"] - st["first_send_ns"]))
            over.append((st["max_delay_ns"] - m["network_dark_ns"]) / MS)
    if over:
        row("tcp-est: stall - network dark", over)
print(f"\nQEMU's STOP strictly inside the start bounds: {strict} of {total} stream-migrations")
matched = {(s["target"], s["stream"], s["outage"]) for m in host for s in m["streams"]}
other = [(s["target"], s["stream"], round(o["duration_ns"] / MS, 1), o["attribution"])
         for s in a["streams"] for k, o in enumerate(s["outages"])
         if (s["target"], s["stream"], k) not in matched]
print(f"outages outside any migration: {len(other)}" + (f" {other[:8]}" if other else ""))
