#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks blackout-analyze's JSON of a real QEMU migration against QEMU's own account.

Ground truth here is not ours: QEMU's STOP (source) and RESUME (destination) events, its
query-migrate downtime, and, for the quarantine scenarios, the guest agent's own timestamps
mapped to the host clock (blackout-lab's lab.jsonl). For every migration and every stream:
STOP inside the outage's start bounds, the outage's end after RESUME, the network dark at
least QEMU's downtime; quarantined streams end where the agent lifted the quarantine (the
bracket overlaps the end bounds); tcp-est flows through the quarantine (a stall, no outage);
the resume announcement found; the verdict right; the guest clock's step across the migration
reported (TCG); every responder answering STAMP after its last migration.
Usage: check_qemu.py RUN SCENARIO
"""
import json
import sys

MS = 1_000_000


def main():
    run, scenario = sys.argv[1], sys.argv[2]
    a = json.load(open(f"{run}/analysis.json"))
    lab = [json.loads(l) for l in open(f"{run}/lab.jsonl")]
    migs = [r for r in lab if r["type"] == "migration"]
    truths = [r for r in lab if r["type"] == "truth"]
    hv = [r for r in lab if r["type"] == "hypervisor"][0]
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    print(f"QEMU {hv['qemu_version']} ({hv['accel']}), {len(migs)} migration(s)")
    check(len(migs) >= 1, "at least one migration in lab.jsonl")
    host = a.get("host") or {}
    check(len(host.get("migrations", [])) == len(migs),
          f"the analyzer read every migration of host.jsonl ({len(host.get('migrations', []))})")
    streams = {(s["target"], s["stream"]): s for s in a["streams"]}
    end_of_run = a["input"]["last_ns"]
    for m in migs:
        tag = f"{m['guest']} migration {m['migration']}"
        stop, resume, down = m["stop_ns"], m["resume_ns"], m["downtime_ns"]
        print(f"{tag}: QEMU downtime {down / MS:.0f} ms, stop->resume {(resume - stop) / MS:.1f} ms")
        check(not m.get("guest_crashed"), f"{tag}: the guest came through (its console shows no crash)")
        for t in [t for t in truths if t["migration"] == m["migration"]]:
            s = streams.get((t["target"], t["stream"]))
            if not s:
                continue  # a stream the probe did not send
            name = f"{tag} {t['stream']}"
            if s["stream"] == "tcp-est":
                stalls = (s.get("tcp") or {}).get("stalls") or []
                near = [st for st in stalls if st["first_send_ns"] <= resume + 100 * MS and
                        st["last_echo_ns"] >= stop]
                dark = [o for o in s["outages"] if (o["start_lo_ns"] or 0) <= resume + 2000 * MS
                        and (o["end_hi_ns"] or end_of_run) >= stop]
                check(not dark, f"{name}: no outage at the migration (frames delayed, not lost)")
                print(f"info  {name}: stall {[round(st['max_delay_ns'] / MS) for st in near]} ms"
                      " (none: TCP resent nothing)")
                if m["quarantine_off"]:
                    q = (m["quarantine_off"][0] - stop) * 0.9
                    check(all(st["max_delay_ns"] < q for st in near),
                          f"{name}: flows through the quarantine (stalls under 90 % of it: "
                          f"{[round(st['max_delay_ns'] / MS) for st in near]} ms)")
                continue
            outs = [o for o in s["outages"] if o["start_lo_ns"] is not None and
                    o["start_lo_ns"] <= stop + 1000 * MS and
                    (o["end_hi_ns"] or end_of_run) >= stop]
            check(len(outs) >= 1, f"{name}: an outage at the migration")
            if not outs:
                continue
            o = min(outs, key=lambda o: abs(o["start_lo_ns"] - stop))
            # The bounds are the probes' send times (plus a round-trip stand-in of at most
            # max(1 ms, median)); a probe queued in QEMU when the vCPUs stopped was sent
            # earlier by its delay to the guest. Strictly inside, or within one median round
            # trip before the upper bound: said which.
            # A TCG guest also takes a probe off its NIC late now and then: the first lost
            # probe, once sent 4 ms before STOP, was still in the guest's receive ring when the
            # vCPUs stopped and was seen by the guest's capture only after the resume (then
            # dropped by the quarantine). The guest's own capture is then the truth: a start
            # bound up to one probe interval before STOP holds when none of the outage's lost
            # probes reached the guest's stack before STOP (the first it saw came after STOP,
            # on the probe's clock, or none did). Said when used.
            inside = o["start_lo_ns"] < stop <= o["start_hi_ns"]
            slack = o["rtt_before_ns"] or 0
            near = o["start_lo_ns"] < stop <= o["start_hi_ns"] + slack
            first_in = o.get("first_guest_arrival_ns")
            pre_stop = (not near and o.get("guest_arrived") is not None
                        and o["start_lo_ns"] < stop <= o["start_hi_ns"] + s["interval_ns"]
                        and (first_in is None or first_in > stop))
            seen = ("none arrived" if first_in is None else
                    f"the first arrived {(first_in - stop) / MS:+.1f} ms from STOP by its clock")
            if inside:
                how = ""
            elif near:
                how = f", within the median round trip {slack / MS:.1f} ms"
            elif pre_stop:
                how = (", but the guest late: none of the lost probes reached its stack before "
                       f"STOP ({seen})")
            else:
                how = (f"; allowed: a median round trip ({slack / MS:.1f} ms), or one probe "
                       f"interval if no lost probe reached the guest before STOP ({seen})")
            check(inside or near or pre_stop,
                  f"{name}: STOP {'inside' if inside else 'outside'} the start bounds "
                  f"({(o['start_lo_ns'] - stop) / MS:+.1f} .. {(o['start_hi_ns'] - stop) / MS:+.1f} ms)"
                  + how)
            check(o["end_hi_ns"] is not None and o["end_hi_ns"] > resume,
                  f"{name}: the end after RESUME (end bounds "
                  f"{((o['end_lo_ns'] or 0) - resume) / MS:+.1f} .. "
                  f"{((o['end_hi_ns'] or 0) - resume) / MS:+.1f} ms)")
            check(o["duration_max_ns"] >= down,
                  f"{name}: dark {o['duration_ns'] / MS:.1f} ms (at most "
                  f"{o['duration_max_ns'] / MS:.1f}) >= QEMU downtime {down / MS:.0f} ms")
            if t["end"]:
                e0, e1 = t["end"]
                check(e1 > o["end_lo_ns"] and e0 <= o["end_hi_ns"],
                      f"{name}: the agent's lifting [{(e0 - stop) / 1e9:.3f}, {(e1 - stop) / 1e9:.3f}] s "
                      f"overlaps the end bounds [{(o['end_lo_ns'] - stop) / 1e9:.3f}, "
                      f"{(o['end_hi_ns'] - stop) / 1e9:.3f}] s")
    # Each migration its own event and verdict (a plan may mix scenarios).
    events = [e for e in a.get("migrations", []) if e["kind"] == "migration"]
    check(len(events) == len(migs), f"{len(events)} migration events for {len(migs)} migrations")
    for m in migs:
        tag = f"{m['guest']} migration {m['migration']} ({m.get('scenario')})"
        near = [e for e in events if e["target"] == m["target"]]
        e = min(near, key=lambda e: abs(e["start_ns"] - m["stop_ns"])) if near else None
        vs = sorted({t["verdict"] for t in truths if t["migration"] == m["migration"] and
                     t["stream"] != "tcp-est" and (t["target"], t["stream"]) in streams})
        q = [v for v in vs if v.startswith("quarantine")]
        want = q[0] if q else (vs[0] if vs else None)
        check(e is not None and abs(e["start_ns"] - m["stop_ns"]) < 1000 * MS and
              e["verdict"] == want and (e["hypervisor"] or {}).get("source") == "qemu",
              f"{tag}: its event, verdict {e and e['verdict']} == {want}, QEMU's record on it")
        # The guest firewall's own account (the agent's rules log each drop to NFLOG, the
        # guest's responder reads it): drops of lost probes in a quarantine, none without one.
        if e and q:
            lost = sum(p["lost"] for p in e["streams"])
            check(0 < (e.get("firewall_dropped") or 0) <= lost,
                  f"{tag}: its firewall logged dropping {e.get('firewall_dropped')} of "
                  f"{lost} lost probes")
        elif e:
            check(e.get("firewall_dropped") == 0,
                  f"{tag}: nothing in the guest firewall's log ({e.get('firewall_dropped')})")
        if e and hv["accel"] == "tcg":  # TCG's clock stops with the vCPUs: each its own step
            c = e["clock"] or {}
            # (at least half the pause: the slow TCG clock's drift between the samples adds)
            check(c.get("stepped") and -c["step_ns"] >= (m["resume_ns"] - m["stop_ns"]) / 2,
                  f"{tag}: its own guest clock step {c.get('step_ns', 0) / MS:+.1f} ms "
                  f"(stop to resume {(m['resume_ns'] - m['stop_ns']) / MS:.1f} ms)")
    expected = sorted({t["verdict"] for t in truths if t["stream"] != "tcp-est" and
                       (t["target"], t["stream"]) in streams})
    quarantined = [v for v in expected if v.startswith("quarantine")]
    want = quarantined[0] if quarantined else (expected[0] if expected else None)
    check(a["verdict"]["verdict"] == want,
          f"verdict {a['verdict']['verdict']} == expected {want}")
    check(a["verdict"]["resume_kind"] in ("rarp", "garp"),
          f"resume announcement found: {a['verdict']['resume_kind']}")
    c = a["verdict"]["clock"]
    if hv["accel"] == "tcg":
        check(c and c["stepped"] and c["step_ns"] < 0,
              f"the guest clock's step across the migration reported "
              f"({(c or {}).get('step_ns', 0) / MS:+.1f} ms; TCG's clock stops with the vCPUs)")
    if scenario == "qemu-postcopy":
        s = streams.get((migs[0]["target"], "icmp"))
        o = s and s["outages"] and s["outages"][0]
        check(bool(o) and (o["rtt_after_ns"] or 0) > (o["rtt_before_ns"] or 0),
              "post-copy: round trips raised after the switch (pages fetched on demand): "
              f"{(o or {}).get('rtt_before_ns', 0) / MS:.1f} -> "
              f"{(o or {}).get('rtt_after_ns', 0) / MS:.1f} ms")
    for (target, name), s in streams.items():
        if name == "tcp-est":
            check(s["answered"] + s["unresolved"] >= s["sent"] - 2,
                  f"{target} tcp-est: every frame echoed ({s['answered']} of {s['sent']}, "
                  f"{s['lost']} lost)")
    # Every responder alive and answering after its last migration: STAMP answered in the
    # run's last second, the responder's log without an exit before the end.
    for g in hv["guests"]:
        s = streams.get((g["target"], "udp"))
        if s is None:
            continue
        last = max((o["end_hi_ns"] or end_of_run) for o in s["outages"]) if s["outages"] else 0
        check(s["answered"] > 0 and last < end_of_run - 1000 * MS,
              f"{g['name']}: STAMP answered for the run's last "
              f"{(end_of_run - last) / 1e9:.1f} s after every migration")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
