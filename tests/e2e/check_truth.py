#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks blackout-analyze's JSON against blackout-lab's ground truth (SPEC section 6).

For the stream's longest outage: the true start and end (each a CLOCK_REALTIME bracket around
the rule change) must overlap the reported bounds; each bound no wider than one interval + 1 ms;
the duration estimate within half an interval + 1 ms of the truth; the verdict as expected.
A bound is the spacing of the two probes around its edge plus one round trip (the start's a
stand-in of at most 1 ms, or the median round trip when longer: docs/analyze.md, "Bounds"), and
the spacing is one interval only when the sender kept its schedule: a probe sent late by a few
microseconds widens the bound by as much. So the widths and the duration error may also be the
edge's own lateness more (its spacing beyond the interval, from the capture's send times), and
that lateness must be within the stream's own schedule error; the start's round-trip part is
checked apart (at most 1 ms, or the median round trip). The truth's duration runs between its
brackets' midpoints, each up to half its bracket from the rule change's real instant: the
duration error may be those half brackets more (0.02-0.14 ms as a rule, docs/lab.md; 2.8 ms
once, in a loaded run).
With --plain (a capture by another tool, interval irregular) only containment and the verdict
are checked. With --slack-ns=N the widths and the duration error may each be N more: the probe's
own lateness, for a sender that cannot keep to its schedule as a Linux one does (the Windows
probe under Wine: tests/windows/wine_probe.sh derives N from the run's schedule error).
Containment is never relaxed. Prints every figure it compares.
"""
import json
import sys

MS = 1_000_000


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    plain = "--plain" in sys.argv
    slack = next((int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--slack-ns=")), 0)
    analysis_path, lab_path, stream = args
    report = json.load(open(analysis_path))
    truth = None
    for line in open(lab_path):
        rec = json.loads(line)
        if rec.get("type") == "truth" and rec["stream"] == stream:
            truth = rec
    assert truth, f"no truth for {stream} in {lab_path}"

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    streams = [s for s in report["streams"] if s["stream"] == stream]
    check(len(streams) == 1, f"one {stream} stream in the report (found {len(streams)})")
    s = streams[0]
    outs = s["outages"]
    check(len(outs) >= 1, f"{stream}: at least one outage (found {len(outs)})")
    if failures:
        return 1
    o = max(outs, key=lambda o: o["duration_ns"])
    iv = s["interval_ns"]
    t0, t1 = truth["start"]
    e0, e1 = truth["end"]
    td = truth["duration_ns"]
    print(f"interval {iv / MS:.3f} ms; truth {td / 1e9:.4f} s; "
          f"measured {o['duration_ns'] / 1e9:.4f} s, {o['lost']} lost")

    check(o["start_lo_ns"] is not None and o["end_hi_ns"] is not None,
          "outage bounded on both sides")
    if failures:
        return 1
    check(t1 > o["start_lo_ns"] and t0 <= o["start_hi_ns"],
          f"truth start [{t0}, {t1}] overlaps bounds ({o['start_lo_ns']}, {o['start_hi_ns']}]")
    check(e1 > o["end_lo_ns"] and e0 <= o["end_hi_ns"],
          f"truth end [{e0}, {e1}] overlaps bounds ({o['end_lo_ns']}, {o['end_hi_ns']}]")
    err = o["duration_ns"] - td
    if not plain:
        sw = o["start_hi_ns"] - o["start_lo_ns"]
        ew = o["end_hi_ns"] - o["end_lo_ns"]
        sp_s = o["first_lost_send_ns"] - o["prev_ok_send_ns"]
        sp_e = o["next_ok_send_ns"] - o["last_lost_send_ns"]
        late = max(0, sp_s - iv, sp_e - iv)  # an edge's probe sent late: its spacing beyond
        sched = s.get("schedule_error") or {}
        if late and sched:
            worst = sched["max_ns"] - min(0, sched["min_ns"])
            check(late <= worst, f"the edges' lateness {late / 1000:.0f} us within the stream's "
                  f"schedule error ({worst / 1000:.0f} us at most)")
        rtt = max(MS, o["rtt_before_ns"] or 0)  # the start's stand-in; the end's is measured
        check(sw - sp_s <= rtt, f"start bound's round-trip part {(sw - sp_s) / 1000:.0f} us "
              f"<= {rtt / 1000:.0f} us")
        extra = slack + late
        more = (f" + the sender's lateness {slack / MS:.3f} ms" if slack else "") + \
            (f" + the edge's own lateness {late / 1000:.0f} us" if late else "")
        check(sw <= iv + MS + extra, f"start bound width {sw / MS:.3f} ms <= interval + 1 ms{more}")
        check(ew <= iv + MS + extra, f"end bound width {ew / MS:.3f} ms <= interval + 1 ms{more}")
        # the truth's duration is its brackets' midpoints: each up to half its bracket off the
        # rule change's real instant (a bracket 5.6 ms wide was seen in a loaded run)
        tw = ((t1 - t0) + (e1 - e0)) // 2
        if tw > 0.1 * MS:
            more += f" + the truth's own half brackets {tw / MS:.3f} ms"
        else:
            tw = 0
        check(abs(err) <= iv / 2 + MS + extra + tw,
              f"duration error {err / MS:+.3f} ms within half an interval + 1 ms{more} "
              f"({(iv / 2 + MS + extra + tw) / MS:.3f} ms)")
    else:
        print(f"info  duration error {err / MS:+.3f} ms (interval {iv / MS:.3f} ms)")
    check(report["verdict"]["verdict"] == truth["verdict"],
          f"verdict {report['verdict']['verdict']} == expected {truth['verdict']}")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
