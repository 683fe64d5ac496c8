#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/est_stall.sh's report of one run: per migration the tcp-est stall (the analyzer's
tcp_est_held_ns), the new-flow streams' dark window (the longest of icmp-new, udp-new, tcp-syn
in that migration) and the probe socket's RTO before it (ss -tin); the bound is dark + RTO.
Prints the distribution of the stall and of stall - dark, how many exceeded the bound, and for
the worst migration the probe's retransmissions (from the capture) and the RTO and back-off ss
saw during it. Usage: est_stall.py TITLE RUN_DIR"""
import json
import re
import subprocess
import sys

title, run = sys.argv[1], sys.argv[2]
j = json.load(open(f"{run}/analysis.json"))


def ss_samples():
    """Per sample time, the tcp-est socket's RTO (ms), back-off and retransmissions: of the
    connections to the responder's port (the event channel's too), the one that sent the most data
    segments."""
    out, t, best = [], None, None

    def flush():
        if best and t:
            out.append((t, best[1], best[2], best[3]))

    for line in open(f"{run}/ss.log", errors="replace"):
        if line.startswith("T "):
            flush()
            t, best = int(line.split()[1]), None
            continue
        m = re.search(r"\brto:([\d.]+)", line)
        if m and t:
            b = re.search(r"\bbackoff:(\d+)", line)
            r = re.search(r"\bretrans:\d+/(\d+)", line)
            o = re.search(r"\bdata_segs_out:(\d+)", line)
            cand = (int(o.group(1)) if o else 0, float(m.group(1)), int(b.group(1)) if b else 0,
                    int(r.group(1)) if r else 0)
            if not best or cand[0] > best[0]:
                best = cand
    flush()
    return out


ss = ss_samples()


def rto_before(ts):
    before = [s for s in ss if s[0] < ts]
    return before[-1][1] * 1e6 if before else 200e6


def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else 0


rows = []
for m in j["migrations"]:
    if m.get("kind") != "migration":
        continue
    dark = max((s["duration_ns"] or 0 for s in m["streams"]
                if s["stream"] in ("icmp-new", "udp-new", "tcp-syn")), default=0)
    held = m.get("tcp_est_held_ns") or 0
    rto = rto_before(m["start_ns"])
    rows.append((m["id"], held, dark, rto, m["start_ns"], m["end_ns"], m["verdict"]))
if not rows:
    sys.exit(f"{title}: no migrations in {run}")
over = [r for r in rows if r[1] > r[2] + r[3]]
ms = lambda v: f"{v / 1e6:.0f} ms"
print(f"{title}: {len(rows)} migrations, verdicts "
      f"{dict((v, [r[6] for r in rows].count(v)) for v in sorted({r[6] for r in rows}))}")
print(f"  tcp-est stall:        max {ms(max(r[1] for r in rows))}, p99 {ms(q([r[1] for r in rows], .99))}, "
      f"median {ms(q([r[1] for r in rows], .5))}")
print(f"  stall - dark window:  max {ms(max(r[1] - r[2] for r in rows))}, p99 "
      f"{ms(q([r[1] - r[2] for r in rows], .99))}, median {ms(q([r[1] - r[2] for r in rows], .5))}")
print(f"  RTO before (ss):      {ms(min(r[3] for r in rows))} .. {ms(max(r[3] for r in rows))}")
print(f"  over dark + one RTO:  {len(over)} of {len(rows)}")
w = max(rows, key=lambda r: r[1] - r[2])
print(f"  worst: migration {w[0]}: stall {ms(w[1])}, dark {ms(w[2])}, RTO {ms(w[3])}")
fields = subprocess.run(
    ["tshark", "-r", f"{run}/probe.pcap", "-Y",
     f"tcp.dstport == 8620 && tcp.analysis.retransmission && "
     f"frame.time_epoch >= {w[4] / 1e9 - 0.5:.3f} && frame.time_epoch <= {w[5] / 1e9 + 3:.3f}",
     "-T", "fields", "-e", "frame.time_epoch", "-e", "tcp.len"],
    capture_output=True, text=True).stdout.split("\n")
rts = [float(l.split("\t")[0]) for l in fields if l.strip()]
print("    the probe's retransmissions, from the migration's start: "
      + (", ".join(f"+{(t * 1e9 - w[4]) / 1e6:.0f}" for t in rts[:12]) or "none") + " ms")
during = [s for s in ss if w[4] - 1e8 <= s[0] <= w[5] + 3e9]
if during:
    print(f"    ss during it: RTO up to {max(s[1] for s in during):.0f} ms, back-off up to "
          f"{max(s[2] for s in during)}, retransmissions {max(s[3] for s in during)}")
