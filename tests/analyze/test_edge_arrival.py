#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The guest phases of an outage when its first lost probe reached the guest in flight.

The lab's safety-timeout fixture with one arrival added: the udp stream's first lost probe
seen by the guest's capture at the start of the pause (it got there as the path broke; its
answer met the outage). Its next two probes never arrived, so it is an edge probe: the pause
phase must not end there. The udp outage's first arrival, the verdict's phases and its
attribution stay as without it. (Before, the phase split took it: "probes reached the guest
again 3.3 ms in", a pause of 3.3 ms against the lab's 346 ms, in one e2e run.)
Usage: test_edge_arrival.py BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, "..", "fixtures", "lab-safety-timeout")
analyze = os.path.join(sys.argv[1], "analysis", "blackout-analyze")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def run(d):
    subprocess.run([analyze, "--quiet", d], check=False, stdout=subprocess.DEVNULL)
    a = json.load(open(os.path.join(d, "analysis.json")))
    udp = [s for s in a["streams"] if s["stream"] == "udp"][0]
    mig = [m for m in a["migrations"] if m["kind"] == "migration"][0]
    return udp, mig


with tempfile.TemporaryDirectory() as tmp:
    plain = os.path.join(tmp, "plain")
    shutil.copytree(fixture, plain)
    udp, mig = run(plain)
    o = udp["outages"][0]
    events = [json.loads(l) for l in open(os.path.join(plain, "guest.jsonl"))]
    # the udp stream's arrivals: its SSID is that of its probe before the outage
    before = [e for e in events if e.get("type") == "arrival" and e.get("proto") == "udp"
              and e.get("pseq") == o["first_seq"] - 1]
    ssid = min(e["ssid"] for e in before)  # udp's SSID comes before udp-new's
    prev = [e for e in before if e["ssid"] == ssid][0]
    edge = dict(prev, pseq=o["first_seq"], seq=max(e.get("seq", 0) for e in events) + 1,
                realtime_ns=prev["realtime_ns"] + udp["interval_ns"],
                mono_ns=prev["mono_ns"] + udp["interval_ns"],
                probe_realtime_ns=prev["probe_realtime_ns"] + udp["interval_ns"])
    check(not [e for e in events if e.get("type") == "arrival" and e.get("ssid") == ssid
               and e.get("pseq") in (o["first_seq"], o["first_seq"] + 1, o["first_seq"] + 2)],
          "the fixture: the udp outage's first three lost probes never reached the guest")
    added = os.path.join(tmp, "edge")
    shutil.copytree(fixture, added)
    with open(os.path.join(added, "guest.jsonl"), "a") as f:
        f.write(json.dumps(edge, separators=(",", ":")) + "\n")
    udp2, mig2 = run(added)
    o2 = udp2["outages"][0]
    check(o2["guest_arrived"] == o["guest_arrived"] + 1,
          f"the added arrival is matched to the udp outage ({o['guest_arrived']} -> "
          f"{o2['guest_arrived']})")
    check(o2["first_guest_arrival_ns"] == o["first_guest_arrival_ns"],
          f"its first arrival is still {(o['first_guest_arrival_ns'] - o['start_ns']) / 1e6:.1f} ms "
          f"into it ({(o2['first_guest_arrival_ns'] - o2['start_ns']) / 1e6:.1f} ms)")
    check(o2["attribution"] == o["attribution"], f"attribution {o2['attribution']}")
    check(mig2.get("phases") == mig.get("phases"),
          f"the verdict's phases unchanged ({mig2.get('phases')})")
    check(mig2["verdict"] == mig["verdict"], f"verdict {mig2['verdict']}")
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
