#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/watch_fleet.sh's figures: the watcher's CPU per 1000 probes/s at steady state (the quiet
part, after its first minute) against the same probe without --watch, its RSS and descriptors
over the run, the disk it writes per hour (/metrics' capture bytes over the run) and holds
(against --keep), and the migrations (TRUTH from bench/fleet_migrate.py) held against
records.jsonl: one record each on its target, its verdict, and how long after the event's close
(its end + --settle) the record was written. Exit status 1 when a migration has no record or
another verdict. Usage: watch_fleet_report.py OUT TARGETS QUIET_S [SETTLE_S]"""
import json
import os
import re
import sys

out, n, quiet = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
settle = float(sys.argv[4]) if len(sys.argv) > 4 else 10
rate = n * 4 * 10
tick = os.sysconf("SC_CLK_TCK")


def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else 0


wall, user, sys_ = (float(x) for x in open(f"{out}/plain.time").read().split()[-3:])
plain = (user + sys_) / wall
samples = [json.loads(l) for l in open(f"{out}/samples.jsonl") if l.strip()]
t0 = samples[0]["t_ns"]
at = lambda s: (s["t_ns"] - t0) / 1e9


def share(a, b):
    return (b["cpu_ticks"] - a["cpu_ticks"]) / tick / ((b["t_ns"] - a["t_ns"]) / 1e9)


steady = [s for s in samples if 60 <= at(s) <= quiet]
later = [s for s in samples if at(s) >= 60]
cpu_q = share(steady[0], steady[-1]) if len(steady) > 1 else float("nan")
cpu_all = share(later[0], later[-1]) if len(later) > 1 else float("nan")
per = lambda c: c * 100 / (rate / 1000)
print(f"{n} targets x 4 streams x 10 Hz = {rate} probes/s; {len(samples)} samples over "
      f"{at(samples[-1]) / 60:.1f} min")
print(f"  CPU, steady (minute 1 to {quiet / 60:.0f}): {cpu_q * 100:.1f} % of a core, "
      f"{per(cpu_q):.2f} % per 1000 probes/s; over the rest with the migrations "
      f"{cpu_all * 100:.1f} %; without --watch (60 s): {plain * 100:.1f} %, "
      f"{per(plain):.2f} % per 1000 probes/s; ratio {cpu_q / plain:.2f}")
for key, name in (("rss_kb", "RSS (MiB)"), ("fds", "descriptors"), ("disk_kb", "disk (MiB)")):
    ys = [s[key] / (1024 if key != "fds" else 1) for s in later]
    print(f"  {name}: at 1 min {ys[0]:.1f}, min {min(ys):.1f}, max {max(ys):.1f}, "
          f"last {ys[-1]:.1f}")
scrape = open(f"{out}/scrape.txt").read()
metric = lambda name: float(re.search(rf"^{name} (\S+)$", scrape, re.M).group(1))
written, keep = metric("blackout_watch_capture_written_bytes_total"), metric(
    "blackout_watch_disk_budget_bytes")
span = at(samples[-1]) + 1
print(f"  capture written: {written / 2**30:.2f} GiB in {span / 60:.1f} min = "
      f"{written / span * 3600 / 2**30:.1f} GiB/hour at this rate; disk held at most "
      f"{max(s['disk_kb'] for s in samples) / 2**20:.2f} GiB of --keep {keep / 2**30:.2f} GiB; "
      f"segments pruned {metric('blackout_watch_segments_pruned_total'):.0f}; capture drops "
      f"{metric('blackout_watch_capture_dropped_total'):.0f}; send lag "
      f"{metric('blackout_watch_send_lag_seconds') * 1e3:.2f} ms")

recs = [json.loads(l) for l in open(f"{out}/w/records.jsonl") if l.strip()]
truth = [json.loads(l) for l in open(f"{out}/truth.jsonl")] if os.path.exists(
    f"{out}/truth.jsonl") else []
bad, lat, used = [], [], set()
for t in truth:
    rs = [i for i, r in enumerate(recs) if r["target"] == t["target"] and
          r["start_ns"] - 1e9 <= t["start"][1] and r["end_ns"] + 1e9 >= t["end"][0]]
    if len(rs) != 1:
        bad.append((t["target"], "records", len(rs)))
        continue
    r = recs[rs[0]]
    used.add(rs[0])
    lat.append((r["recorded_ns"] - r["end_ns"]) / 1e9 - settle)
    if r["verdict"] != t["verdict"]:
        bad.append((t["target"], r["verdict"], t["verdict"]))
extra = [(r["target"], r["kind"], r["verdict"]) for i, r in enumerate(recs) if i not in used]
print(f"  migrations: {len(truth)} made, {len(truth) - len(bad)} recorded once with the expected "
      f"verdict; {len(extra)} other records; record written after close (end + {settle:.0f} s): "
      f"median {q(lat, 0.5):.2f} s, max {max(lat) if lat else 0:.2f} s")
# from the event's close (--settle after its last loss, which a later loss inside the window
# moves on) to its record, as the watcher logged it
late = [e["late_s"] for e in (json.loads(l) for l in open(f"{out}/w/watch.jsonl") if l.strip())
        if e.get("type") == "event" and "late_s" in e]
if late:
    print(f"  events recorded {len(late)}: from close to record median {q(late, 0.5):.2f} s, "
          f"max {max(late):.2f} s (watch.jsonl)")
for b in bad[:10] + extra[:10]:
    print("   ", b)
sys.exit(1 if bad else 0)
