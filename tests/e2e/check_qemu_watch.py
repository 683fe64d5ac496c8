#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A watcher's records of real QEMU migrations against QEMU's own account (qemu_watch.sh).

For each migration in the lab's lab.jsonl (QEMU's STOP and RESUME events, its query-migrate
downtime): the watcher's record on that guest whose event holds STOP rests on the hypervisor
(`hypervisor` among its evidence), carries QEMU's downtime and STOP/RESUME exactly as QEMU
reported them (read by the watcher from --host-events as the lab appended them), and its
network dark time is at least that downtime; its event directory holds the hypervisor's
record (host.jsonl).
Usage: check_qemu_watch.py LAB_RUN WATCH_DIR
"""
import json
import os
import sys

MS = 1_000_000


def main():
    lab_run, wdir = sys.argv[1:3]
    lab = [json.loads(l) for l in open(f"{lab_run}/lab.jsonl")]
    migs = [r for r in lab if r["type"] == "migration"]
    recs = [json.loads(l) for l in open(f"{wdir}/records.jsonl")]
    recs = [r for r in recs if r["kind"] == "migration"]
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    check(len(migs) >= 3, f"the lab made its three QEMU migrations ({len(migs)})")
    for m in migs:
        tag = f"{m['guest']} migration {m['migration']}"
        stop, resume, down = m["stop_ns"], m["resume_ns"], m["downtime_ns"]
        near = [r for r in recs if r["start_ns"] - 1000 * MS <= stop <= r["end_ns"]]
        check(len(near) == 1, f"{tag}: one record holds QEMU's STOP ({len(near)})")
        if len(near) != 1:
            continue
        r = near[0]
        hv = r.get("hypervisor") or {}
        check("hypervisor" in (r.get("evidence") or []),
              f"{tag}: the verdict {r['verdict']} rests on {r.get('evidence')}")
        check(hv.get("downtime_ns") == down and hv.get("stop_ns") == stop and
              hv.get("resume_ns") == resume,
              f"{tag}: QEMU's downtime {down / MS:.1f} ms, STOP and RESUME as QEMU said "
              f"(record: {(hv.get('downtime_ns') or 0) / MS:.1f} ms)")
        check(r["dark_ns"] >= down,
              f"{tag}: dark {r['dark_ns'] / MS:.0f} ms, at least QEMU's downtime")
        host = os.path.join(wdir, r["event_dir"], "host.jsonl")
        kept = [json.loads(l) for l in open(host)] if os.path.exists(host) else []
        check(any(k.get("stop_ns") == stop for k in kept),
              f"{tag}: its event directory keeps the hypervisor's record")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
