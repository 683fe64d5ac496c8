#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks a lab run's guest events (RUN/guest.jsonl, from the responder's event channel) against
the lab's steps: the network event in the guest, clock pairs every 100 ms with no event number
missing, and guest-capture arrivals of icmp and udp probes during the quarantine that the probe's
capture shows were never answered.
Usage: check_guest.py RUN_DIR"""
import json
import struct
import sys

run = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


ev = [json.loads(l) for l in open(f"{run}/guest.jsonl")]
steps = {}
for l in open(f"{run}/lab.jsonl"):
    r = json.loads(l)
    if r["type"] == "step":
        steps[r["step"]] = (r["t0"], r["t1"])
header = json.loads(open(f"{run}/probe.jsonl").readline())

seqs = [e["seq"] for e in ev if "seq" in e]
check(seqs == list(range(seqs[0], seqs[0] + len(seqs))) and seqs[0] == 0,
      f"{len(seqs)} guest events, numbered 0.. with none missing")
links = [e for e in ev if e["type"] == "net" and e.get("what") == "link" and e["ifname"] == "eth0"]
down = [e for e in links if not e["running"]]
up = [e for e in links if e["running"] and down and e["seq"] > down[0]["seq"]]
t_ev = steps["network-event"]
check(bool(down) and bool(up) and t_ev[0] - 5e6 <= down[0]["realtime_ns"] <= t_ev[1] + 5e6,
      f"network event: eth0 down and up again, at the lab's network-event step")
clocks = [e for e in ev if e["type"] == "clock"]
span = (clocks[-1]["realtime_ns"] - clocks[0]["realtime_ns"]) / 1e8 if len(clocks) > 1 else 0
check(len(clocks) >= 0.9 * span and len(clocks) > 20, f"{len(clocks)} clock pairs over {span / 10:.1f} s")

# Replies in the probe's capture: ICMP echo replies with our tag, STAMP replies by (SSID, seq).
answered_icmp, answered_udp = set(), set()
with open(f"{run}/probe.pcap", "rb") as f:
    magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", f.read(24))
    assert link == 1, "expects Ethernet"
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        incl = struct.unpack("<IIII", h)[2]
        frame = f.read(incl)
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 15) * 4
        proto, src = frame[23], frame[26:30]
        l4 = frame[14 + ihl:]
        if src != bytes([192, 0, 2, 2]):
            continue
        if proto == 1 and len(l4) >= 40 and l4[0] == 0 and l4[8:12] == b"BLKT":
            answered_icmp.add(struct.unpack("!I", l4[20:24])[0])
        elif proto == 17 and len(l4) >= 8 + 44:
            p = l4[8:]
            answered_udp.add((struct.unpack("!H", p[14:16])[0], struct.unpack("!I", p[32:36])[0]))

q0, q1 = steps["quarantine-on"][1], steps["quarantine-off"][0]
arr = [e for e in ev if e["type"] == "arrival" and q0 < e["realtime_ns"] < q1 - 5e6]
icmp = [e["pseq"] for e in arr if e["proto"] == "icmp" and e.get("run") == header["run_id"] and e["stream"] == 1]
udp = [(e["ssid"], e["pseq"]) for e in arr if e["proto"] == "udp" and "ssid" in e]
check(len(icmp) > 100, f"{len(icmp)} icmp probes arrived at the guest's NIC during the quarantine")
check(len(udp) > 100, f"{len(udp)} udp probes arrived at the guest's NIC during the quarantine")
check(not set(icmp) & answered_icmp and not set(udp) & answered_udp,
      "none of them answered (the guest firewall dropped them)")
before = [e for e in ev if e["type"] == "arrival" and e["realtime_ns"] < steps["pause"][0] and e["proto"] == "icmp" and e.get("stream") == 1]
check(len(before) > 10 and all(e["pseq"] in answered_icmp for e in before[:-2]),
      f"before the migration the {len(before)} icmp arrivals were answered")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
