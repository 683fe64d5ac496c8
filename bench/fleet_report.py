#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The fleet bench's table (bench/fleet.sh): one row per tool and place, then blackout's own
figures per run (schedule error against each probe's deadline, from the analyzer; sent,
answered, capture drops and batching, from the probe's log) and the ratios to the peers.

Usage: fleet_report.py OUTDIR TARGETS HZ
"""
import json
import os
import sys

out, n, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
asked = {"single": 4 * n * hz, "batch": 4 * n * hz, "fping": n * hz, "trafgen": n * hz,
         "sink-single": 4 * n * hz, "sink-batch": 4 * n * hz}
rows = [("lab", "blackout --tx single", "single"), ("lab", "blackout --tx batch", "batch"),
        ("lab", "fping", "fping"), ("lab", "trafgen, paced", "trafgen"),
        ("sink", "blackout --tx single", "sink-single"),
        ("sink", "blackout --tx batch", "sink-batch"),
        ("sink", "trafgen, ceiling", "sink-trafgen-ceiling")]


def load(name):
    p = f"{out}/{name}.json"
    return json.load(open(p)) if os.path.exists(p) and os.path.getsize(p) else None


def us(ns):
    return f"{ns / 1e3:.1f}us" if ns < 1e6 else f"{ns / 1e6:.2f}ms"


print(f"fleet: {n} targets x 4 streams x {hz} Hz = {4 * n * hz} probes/s asked of blackout "
      f"({n * hz}/s of the one-stream peers); gap error = |send gap - interval| per flow")
print(f"{'where':5} {'tool':22} {'probes/s':>9} {'of asked':>9} {'gap p50':>9} {'gap p99':>9} "
      f"{'gap max':>9} {'CPU':>7} {'CPU/1k probes/s':>16}")
got = {}
for where, label, name in rows:
    r = load(name)
    if not r:
        continue
    got[name] = r
    share = f"{r['rate'] / asked[name] * 100:8.2f}%" if name in asked else f"{'-':>9}"
    gaps = (f"{us(r['gap_err_p50_ns']):>9} {us(r['gap_err_p99_ns']):>9} "
            f"{us(r['gap_err_max_ns']):>9}" if "gap_err_p50_ns" in r else f"{'-':>9} " * 2 + f"{'-':>9}")
    print(f"{where:5} {label:22} {r['rate']:9.0f} {share} {gaps} {r['cpu_share'] * 100:6.1f}% "
          f"{r['cpu_share'] * 100 / max(r['rate'] / 1000, 1e-9):15.2f}%")

for name in ("single", "batch", "sink-single", "sink-batch"):
    path = f"{out}/analysis-{name}.json"
    if not os.path.exists(path):
        continue
    a = json.load(open(path))
    log = [json.loads(line) for line in open(f"{out}/run-{name}/probe.jsonl")]
    end = next(r for r in log if r["type"] == "end")
    sent = sum(s["sent"] for s in end["streams"])
    answered = sum(s["answered"] for s in end["streams"])
    late = sum(s["late"] for s in end["streams"])
    errors = sum(s["send_errors"] for s in end["streams"])
    se = [s["schedule_error"] for s in a["streams"] if s.get("schedule_error")]
    p50 = sorted(x["p50_ns"] for x in se)
    p99 = sorted(x["p99_ns"] for x in se)
    mx = sorted(x["max_ns"] for x in se)
    pooled = a.get("schedule_error") or {}
    tx = end.get("tx", {})
    per_call = tx.get("batched_probes", 0) / max(tx.get("sendmmsg_calls", 0), 1)
    if pooled:
        print(f"{name}: schedule error of all {pooled['count']} requests with a deadline: p50 "
              f"{us(pooled['p50_ns'])}, p99 {us(pooled['p99_ns'])}, p99.9 "
              f"{us(pooled['p999_ns'])}, max {us(pooled['max_ns'])}")
    print(f"{name}: sent {sent}, send errors {errors}, answered {answered} "
          f"({answered / max(sent, 1) * 100:.2f} %), late {late}, capture dropped "
          f"{end['capture']['dropped']}; schedule error over {len(se)} streams: median p50 "
          f"{us(p50[len(p50) // 2]) if p50 else '-'}, median p99 {us(p99[len(p99) // 2]) if p99 else '-'}, "
          f"worst p99 {us(p99[-1]) if p99 else '-'}, worst max {us(mx[-1]) if mx else '-'}; "
          f"tx {tx.get('mode', '?')}: {tx.get('sendmmsg_calls', 0)} sendmmsg calls, "
          f"{per_call:.1f} probes a call; outage probes refused "
          f"{end.get('outage_probing', {}).get('refused', 0)}")


def per_probe(name):
    r = got.get(name)
    return r["cpu_share"] / r["rate"] if r and r["rate"] else None


b = per_probe("batch")
for peer in ("single", "fping", "trafgen"):
    p = per_probe(peer)
    if b and p:
        print(f"CPU per probe, {peer} / blackout batch: {p / b:.2f}x")
for ceil, mine in (("sink-trafgen-ceiling", "sink-batch"),):
    if ceil in got and mine in got:
        print(f"{ceil}: {got[ceil]['rate']:.0f} frames/s, {got[ceil]['rate'] / got[mine]['rate']:.1f}x "
              f"blackout's {got[mine]['rate']:.0f} probes/s")
