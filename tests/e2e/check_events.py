#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks every migration event of a many-migration lab run against the lab's ground truth:
one event per migration the lab made (none more), each on the right target, each stream's
window holding the truth's start and end brackets, the event's verdict as the lab expects, and
its record (--records) carrying the same; where the lab quarantined, the event's phases (pause,
quarantine) against the lab's steps of that migration, the indication and the guest firewall's
logged drops against the guest capture's arrivals. Usage: check_events.py RUN RECORDS"""
import json
import sys

MS = 1_000_000


def main():
    run, records = sys.argv[1], sys.argv[2]
    a = json.load(open(f"{run}/analysis.json"))
    lab = [json.loads(l) for l in open(f"{run}/lab.jsonl")]
    truths = [t for t in lab if t["type"] == "truth"]
    recs = [json.loads(l) for l in open(records)]
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    events = [e for e in a["migrations"] if e["kind"] == "migration"]
    migs = sorted({(t["migration"], t["target"], t["scenario"]) for t in truths})
    check(len(events) == len(migs),
          f"{len(events)} migration events for the lab's {len(migs)} migrations")
    sent = {s["stream"] for s in a["streams"]}
    for k, target, scenario in migs:
        ts = [t for t in truths if t["migration"] == k and t["stream"] in sent
              and t["stream"] != "tcp-est"]
        start = min(t["start"][0] for t in ts)
        near = [e for e in events if e["target"] == target]
        e = min(near, key=lambda e: abs(e["start_ns"] - start)) if near else None
        tag = f"migration {k} ({scenario}, {target})"
        check(e is not None and abs(e["start_ns"] - start) < 1000 * MS, f"{tag}: its event found")
        if not e:
            continue
        quarantined = [t["verdict"] for t in ts if t["verdict"] != "switchover-only"]
        want = quarantined[0] if quarantined else "switchover-only"
        check(e["verdict"] == want, f"{tag}: verdict {e['verdict']} == {want}")
        for t in ts:
            p = [p for p in e["streams"] if p["stream"] == t["stream"]]
            if not p:
                check(False, f"{tag} {t['stream']}: in the event")
                continue
            p = p[0]
            (s0, s1), (e0, e1) = t["start"], t["end"]
            ok = s1 > (p["start_lo_ns"] or 0) and s0 <= p["start_hi_ns"] and \
                e1 > p["end_lo_ns"] and e0 <= (p["end_hi_ns"] or 0)
            check(ok, f"{tag} {t['stream']}: truth inside the bounds "
                  f"({p['duration_ns'] / 1e9:.3f} s, truth {t['duration_ns'] / 1e9:.3f} s)")
        st = {o["step"]: o["t0"] for o in lab if o["type"] == "step" and
              o.get("migration") == k and o.get("target") == target}
        if scenario in ("safety-timeout", "normal") and "quarantine-off" in st and "resume" in st:
            ph, iv = e.get("phases"), 2 * a["streams"][0]["interval_ns"]
            pause, quar = st["resume"] - st["pause"], st["quarantine-off"] - st["resume"]
            ok = ph is not None and e.get("attribution") == "never-arrived-then-dropped-in-guest"
            ok = ok and ph["pause_ns"] - ph["resume_uncertainty_ns"] - iv <= pause <= ph["pause_ns"] + iv
            ok = ok and abs(ph["quarantine_ns"] - quar) <= iv + ph["resume_uncertainty_ns"]
            check(ok, f"{tag}: its phases, pause {ph and ph['pause_ns'] / 1e6:.1f} ms "
                  f"(truth {pause / 1e6:.1f}), quarantine {ph and ph['quarantine_ns'] / 1e9:.3f} s "
                  f"(truth {quar / 1e9:.3f})" if ph else f"{tag}: its phases")
        # The guest's own evidence: its firewall's log of what it dropped (NFLOG, read by the
        # responder) against its capture's arrivals of the same lost probes, two independent
        # accounts; the network-change indication the lab gave it, or not.
        if scenario in ("safety-timeout", "normal"):
            drops = sum(p["lost"] for p in e["streams"])
            check(e.get("indication") is True and e.get("firewall_dropped") and
                  e["firewall_dropped"] <= drops,
                  f"{tag}: the indication reached the guest; its firewall logged dropping "
                  f"{e.get('firewall_dropped')} of {drops} lost probes")
            for p in e["streams"]:
                o = [s for s in a["streams"] if s["stream"] == p["stream"] and
                     s["target"] == target][0]["outages"][p["outage"]]
                if o["guest_arrived"] is not None:
                    check(abs(o["firewall_dropped"] - o["guest_arrived"]) <= 0.03 * o["lost"] + 5,
                          f"{tag} {p['stream']}: firewall log {o['firewall_dropped']} drops ~ "
                          f"capture {o['guest_arrived']} arrivals of {o['lost']} lost")
        elif scenario == "kb-fixed":
            check(e.get("indication") is False and e.get("firewall_dropped") == 0,
                  f"{tag}: no indication in the guest, nothing dropped by its firewall")
        elif scenario == "full-outage":
            check(e.get("firewall_dropped") == 0,
                  f"{tag}: nothing in the guest firewall's log (the network was dark)")
        r = [r for r in recs if r["id"] == e["id"]]
        check(len(r) == 1 and r[0]["verdict"] == e["verdict"] and r[0]["target"] == target
              and r[0]["schema"] == "blackout.migration/3", f"{tag}: its record")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
