#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/soak_watch.sh's figures: the watcher's RSS, open descriptors and disk over the soak as
an SVG (the faults shaded), and the numbers for docs/BENCHMARKS.md: the curves' ranges, the CPU
per 1000 probes/s, and how long after an event's close its record was written (records.jsonl's
recorded_ns against the event's end and --settle).
Usage: soak_plot.py OUT_DIR SVG [PROBES_PER_S] [SETTLE_S] (defaults 3200, 10)"""
import json
import os
import sys

out, svg = sys.argv[1], sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 3200
settle = float(sys.argv[4]) if len(sys.argv) > 4 else 10
tick = os.sysconf("SC_CLK_TCK")
samples = [json.loads(l) for l in open(f"{out}/samples.jsonl") if l.strip()]
faults = [json.loads(l) for l in open(f"{out}/faults.jsonl")] if os.path.exists(f"{out}/faults.jsonl") else []
recs = [json.loads(l) for l in open(f"{out}/disk/w/records.jsonl") if l.strip()]
t0 = samples[0]["t_ns"]
mins = [(s["t_ns"] - t0) / 60e9 for s in samples]
series = [("RSS (MiB)", [s["rss_kb"] / 1024 for s in samples]),
          ("open descriptors", [s["fds"] for s in samples]),
          ("disk (MiB; budget 1200)", [s["disk_kb"] / 1024 for s in samples])]
W, H, L, R, T = 900, 190, 70, 20, 28
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H * 3}" '
         'font-family="sans-serif" font-size="12">', f'<rect width="{W}" height="{H * 3}" fill="#fff"/>']
xmax = max(mins) or 1
for k, (name, ys) in enumerate(series):
    y0 = k * H
    top = max(ys) * 1.15 or 1
    x = lambda m: L + (W - L - R) * m / xmax
    y = lambda v: y0 + T + (H - T - 30) * (1 - v / top)
    for f in faults:
        a, b = (f["start_ns"] - t0) / 60e9, (f["end_ns"] - t0) / 60e9
        parts.append(f'<rect x="{x(a):.1f}" y="{y0 + T}" width="{max(2, x(b) - x(a)):.1f}" '
                     f'height="{H - T - 30}" fill="#f0c080" opacity="0.5"><title>{f["fault"]}</title></rect>')
        if k == 0:
            parts.append(f'<text x="{x(a):.1f}" y="{y0 + T - 3}" font-size="9">{f["fault"]}</text>')
    pts = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in zip(mins, ys))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#0072b2" stroke-width="1.5"/>')
    parts.append(f'<line x1="{L}" y1="{y(0):.1f}" x2="{W - R}" y2="{y(0):.1f}" stroke="#999"/>')
    parts.append(f'<text x="{L}" y="{y0 + 16}" font-weight="bold">{name}</text>')
    for frac in (0, 0.5, 1):
        v = top / 1.15 * frac
        parts.append(f'<text x="{L - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    for m in range(0, int(xmax) + 1, 5):
        parts.append(f'<text x="{x(m):.1f}" y="{y0 + H - 14}" text-anchor="middle">{m} min</text>')
parts.append("</svg>")
open(svg, "w").write("\n".join(parts) + "\n")

def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else 0

# CPU per 1000 probes/s, over the samples of one process (the last after a kill -9 restart)
by_pid = {}
for s in samples:
    by_pid.setdefault(s["pid"], []).append(s)
cpu = []
for pid, ss in by_pid.items():
    if len(ss) > 6:  # the first minute is the start-up
        a, b = ss[6], ss[-1]
        share = (b["cpu_ticks"] - a["cpu_ticks"]) / tick / ((b["t_ns"] - a["t_ns"]) / 1e9)
        cpu.append(share)
lat = [(r["recorded_ns"] - r["end_ns"]) / 1e9 - settle for r in recs if r.get("recorded_ns")]
print(f"samples {len(samples)} over {xmax:.1f} min; faults {[f['fault'] for f in faults]}")
for name, ys in series:
    print(f"  {name}: first {ys[0]:.1f}, min {min(ys):.1f}, max {max(ys):.1f}, last {ys[-1]:.1f}")
print(f"  CPU: {', '.join(f'{c * 100:.1f} %' for c in cpu)} of a core at {rate:.0f} probes/s: "
      f"{', '.join(f'{c * 100 / (rate / 1000):.2f} %' for c in cpu)} per 1000 probes/s")
print(f"  records: {len(recs)}; written after the event's end + settle: median {q(lat, 0.5):.2f} s, "
      f"p99 {q(lat, 0.99):.2f} s, max {max(lat) if lat else 0:.2f} s")
print(f"  plot: {svg}")
