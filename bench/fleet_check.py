#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The fleet bench's migrations checked: every migration the migrator made (TRUTH) must be one
migration event of the analysis, on its target, with the expected verdict and the truth's start
and end brackets inside the event's bounds; no other migration event. Usage:
fleet_check.py ANALYSIS_JSON TRUTH"""
import json
import sys

a = json.load(open(sys.argv[1]))
truth = [json.loads(l) for l in open(sys.argv[2])]
events = [e for e in a["migrations"] if e["kind"] == "migration"]
by_target = {}
for e in events:
    by_target.setdefault(e["target"], []).append(e)
found = right = inside = 0
bad = []
for t in truth:
    es = [e for e in by_target.get(t["target"], [])
          if e["start_ns"] - 1e9 <= t["start"][1] and e["end_ns"] + 1e9 >= t["end"][0]]
    if len(es) != 1:
        bad.append((t["target"], "events", len(es)))
        continue
    e = es[0]
    found += 1
    right += e["verdict"] == t["verdict"]
    if e["verdict"] != t["verdict"]:
        bad.append((t["target"], e["verdict"], t["verdict"]))
    ok = all(p["start_lo_ns"] is not None and t["start"][1] > p["start_lo_ns"] and
             t["start"][0] <= p["start_hi_ns"] and t["end"][1] > p["end_lo_ns"] and
             t["end"][0] <= (p["end_hi_ns"] or 0) for p in e["streams"])
    inside += ok
    if not ok:
        # which stream's which bound missed the truth's bracket, and by how much (ms)
        miss = []
        for p in e["streams"]:
            if p["start_lo_ns"] is None:
                miss.append(f"{p['stream']}: no start bound")
                continue
            for what, d in (("start_lo", p["start_lo_ns"] - t["start"][1]),
                            ("start_hi", t["start"][0] - p["start_hi_ns"]),
                            ("end_lo", p["end_lo_ns"] - t["end"][1]),
                            ("end_hi", t["end"][0] - (p["end_hi_ns"] or 0))):
                if d >= 0:
                    miss.append(f"{p['stream']} {what} by {d / 1e6:.2f} ms")
        bad.append((t["target"], "bounds", "; ".join(miss)))
extra = len(events) - found
print(f"migrations: {len(truth)} made, {found} found as one event each, {right} with the "
      f"expected verdict, {inside} with the truth inside every stream's bounds; "
      f"{extra} other migration events; verdicts {a['migration_verdicts']}")
for b in bad[:10]:
    print("  ", b)
sys.exit(0 if found == right == inside == len(truth) and extra == 0 else 1)
