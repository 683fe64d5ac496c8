#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Attribution and phases from the guest's arrivals against the lab's ground truth.
With a quarantine (safety-timeout, normal): the new-flow outages start with probes that never
arrived (the pause) and go on with probes the guest dropped (the quarantine); the pause and the
quarantine the analyzer reports match the lab's steps within two intervals (plus the time the
guest's capture was down). Without (kb-fixed, quarantine-off): the lost probes never reached
the guest.
Usage: check_phases.py RUN_DIR SCENARIO"""
import json
import sys

run, scenario = sys.argv[1], sys.argv[2]
a = json.load(open(f"{run}/analysis.json"))
steps = {}
for line in open(f"{run}/lab.jsonl"):
    o = json.loads(line)
    if o.get("type") == "step":
        steps.setdefault(o["step"], o["t0"])
fails = 0
quarantine = "quarantine-off" in steps


def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok


for s in a["streams"]:
    if s["stream"] == "tcp-est" or not s["outages"]:
        continue
    o = max(s["outages"], key=lambda x: x["duration_ns"])
    want = "never-arrived-then-dropped-in-guest" if quarantine else "never-arrived"
    check(o["attribution"] == want,
          f"{s['stream']}: {o['guest_arrived']} of {o['lost']} lost probes reached the guest: {o['attribution']}")
ph = a["verdict"]["phases"]
if quarantine:
    iv = 2 * a["streams"][0]["interval_ns"]
    pause = steps["resume"] - steps["pause"]
    quar = steps["quarantine-off"] - steps["resume"]
    check(ph is not None, "phases reported")
    if ph:
        lo = ph["pause_ns"] - ph["resume_uncertainty_ns"] - iv
        check(lo <= pause <= ph["pause_ns"] + iv,
              f"pause {ph['pause_ns'] / 1e6:.1f} ms (up to {ph['resume_uncertainty_ns'] / 1e6:.1f} ms less), truth {pause / 1e6:.1f} ms")
        check(abs(ph["quarantine_ns"] - quar) <= iv + ph["resume_uncertainty_ns"],
              f"quarantine {ph['quarantine_ns'] / 1e9:.3f} s, truth {quar / 1e9:.3f} s")
# The lab's guest shares the host's clock: the STAMP fit must find no offset and no step.
c = a["verdict"]["clock"]
if any(s["stream"] in ("udp", "udp-new") for s in a["streams"]) and quarantine:
    check(c is not None and abs(c["offset_before_ns"]) < 1e6 and abs(c["offset_after_ns"]) < 1e6
          and c["stepped"] is False,
          f"guest clock from STAMP: {c and c['offset_before_ns']} ns before, {c and c['offset_after_ns']} ns after, no step")
# The indication: the lab's network event (link down, up) in the migration, or none with the
# fix; an IPv6 address settling in the guest soon after its start is not one.
ev = [e for e in a.get("migrations", []) if e["kind"] == "migration"]
if ev:
    want = "network-event" in steps
    check(ev[0]["indication"] is want,
          f"indication {ev[0]['indication']} (the lab {'did' if want else 'did not'} send one)")
sys.exit(1 if fails else 0)
