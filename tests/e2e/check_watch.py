#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A watcher's directory against the lab's ground truth (tests/e2e/watch.sh, bench/soak_watch.sh):
every migration the lab made has exactly one `migration` record on its target, with the verdict
the lab expects and stream windows holding the truth's brackets; no other migration record; each
record's event directory, analysed again by blackout-analyze, gives the same verdict and dark
time; index.html links every event; Prometheus (its query API's answers, saved by --query) counts
the same migrations per verdict; the directory stayed within its budget.

Usage: check_watch.py LAB_RUN WATCH_DIR BLACKOUT_ANALYZE PROM_JSON KEEP [FAULTS_JSONL]
       check_watch.py --query HOST:PORT   (prints Prometheus' answers as JSON)
FAULTS_JSONL: the faults a soak injected ({"fault", "start_ns", "end_ns"} a line): a migration
whose window meets one is checked for its record only, not its verdict."""
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

MS = 1_000_000


def query(hostport):
    out = {}
    for name, q in (("migrations", 'sum by (verdict) (blackout_watch_events_total{kind="migration"})'),
                    ("targets", "blackout_watch_targets"),
                    ("last_verdicts", "blackout_watch_last_verdict"),
                    ("dark_count", "sum(blackout_watch_dark_seconds_count)")):
        url = f"http://{hostport}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        for _ in range(20):  # Prometheus answers once it has started and scraped
            try:
                r = json.load(urllib.request.urlopen(url, timeout=5))
                if r.get("status") == "success" and r["data"]["result"]:
                    out[name] = r["data"]["result"]
                    break
            except OSError:
                pass
            time.sleep(0.5)
    json.dump(out, sys.stdout)
    print()
    return 0


def size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * units[s[-1]] if s[-1] in units else int(s)


def du(path):
    total = 0
    for root, dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total


def rtt_before(a, target, part):
    """The round trip before a record's stream outage, from its event's own analysis."""
    for s in (a or {}).get("streams", []):
        if s["target"] == target and s["stream"] == part["stream"] and \
                part["outage"] < len(s["outages"]):
            return s["outages"][part["outage"]].get("rtt_before_ns") or 0
    return 0


def main():
    if sys.argv[1] == "--query":
        return query(sys.argv[2])
    lab_run, wdir, analyze, prom_json, keep = sys.argv[1:6]
    faults = []
    if len(sys.argv) > 6 and os.path.exists(sys.argv[6]):
        faults = [json.loads(l) for l in open(sys.argv[6]) if l.strip()]
    lab = [json.loads(l) for l in open(f"{lab_run}/lab.jsonl")]
    truths = [t for t in lab if t["type"] == "truth"]
    recs = [json.loads(l) for l in open(f"{wdir}/records.jsonl")]
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    migs = sorted({(t["migration"], t["target"], t["scenario"]) for t in truths})
    mrecs = [r for r in recs if r["kind"] == "migration"]
    print(f"info  {len(mrecs)} migration records for the lab's {len(migs)} migrations "
          f"({len(recs) - len(mrecs)} other events)")
    used = set()
    analysed = {}
    excused = []
    for k, target, scenario in migs:
        ts = [t for t in truths if t["migration"] == k and t["target"] == target
              and t["stream"] in ("icmp", "icmp-new", "udp", "udp-new", "tcp-syn")]
        start = min(t["start"][0] for t in ts)
        # a QEMU migration with no quarantine: QEMU's STOP is the truth's start, its end is
        # the network's return, which no one outside the probe saw
        end = max(t["end"][1] if t["end"] else t["start"][1] for t in ts)
        tag = f"migration {k} ({scenario}, {target})"
        near = [i for i, r in enumerate(mrecs) if r["target"] == target and
                abs(r["start_ns"] - start) < 1000 * MS]
        met = [f for f in faults if f["start_ns"] <= end + 15000 * MS and
               f["end_ns"] >= start - 2000 * MS]
        faulted = [f["fault"] for f in met]
        if not near and any(f.get("loses") for f in met):
            print(f"info  {tag}: no record; {', '.join(faulted)} met it")
            excused.append(tag)
            continue
        check(len(near) == 1, f"{tag}: one record ({len(near)})")
        if len(near) != 1:
            continue
        used.add(near[0])
        r = mrecs[near[0]]
        # the same engine on the event's own directory: the record's verdict and dark time (and
        # the round trips of its outages)
        d = os.path.join(wdir, r["event_dir"])
        if d not in analysed:
            out = subprocess.run([analyze, "-q", "--no-write", "--json", "-", d],
                                 capture_output=True, text=True)
            analysed[d] = json.loads(out.stdout) if out.returncode == 0 else None
        a = analysed[d]
        if faulted:
            print(f"info  {tag}: a fault met it ({', '.join(faulted)}): its verdict "
                  f"{r['verdict']} not held to the lab's")
        else:
            quarantined = [t["verdict"] for t in ts if t["verdict"] != "switchover-only"]
            want = quarantined[0] if quarantined else "switchover-only"
            check(r["verdict"] == want, f"{tag}: verdict {r['verdict']} == {want}")
            for t in ts:
                p = [p for p in r["streams"] if p["stream"] == t["stream"]]
                if not p:
                    continue
                p = p[0]
                (s0, s1) = t["start"]
                # QEMU's STOP (a point): a probe queued in QEMU as its vCPUs stopped went out
                # earlier by its delay to the guest; a round trip's slack (check_qemu.py)
                slack = rtt_before(a, r["target"], p) if s0 == s1 else 0
                ok = s1 > (p["start_lo_ns"] or 0) and s0 <= p["start_hi_ns"] + slack
                if t["end"]:
                    e0, e1 = t["end"]
                    ok = ok and e1 > p["end_lo_ns"] and e0 <= (p["end_hi_ns"] or 0)
                truth = f"truth {t['duration_ns'] / 1e9:.3f} s" if t["end"] else "truth: a start"
                check(ok, f"{tag} {t['stream']}: truth inside the bounds "
                      f"({p['duration_ns'] / 1e9:.3f} s, {truth})")
        e = [m for m in (a or {}).get("migrations", []) if m["id"] == r["id"]]
        check(bool(e) and e[0]["verdict"] == r["verdict"] and e[0]["dark_ns"] == r["dark_ns"],
              f"{tag}: {r['event_dir']} analysed again: "
              f"{e[0]['verdict'] if e else None}, dark {e[0]['dark_ns'] / 1e9 if e else 0:.3f} s "
              f"as recorded")
    check(len(used) + len(excused) == len(migs),
          f"{len(used)} migrations recorded once each, {len(excused)} lost to a fault, of "
          f"the lab's {len(migs)}")
    extra = [r for i, r in enumerate(mrecs) if i not in used]
    of_faults = [r for r in extra if any(f["start_ns"] - 2000 * MS <= r["start_ns"] <=
                                         f["end_ns"] + 15000 * MS for f in faults)]
    if of_faults:  # a guest rebooted: its link went down and up, a migration's signature
        print(f"info  {len(of_faults)} records of the faults themselves: "
              f"{[(r['target'], r['verdict'], r['start_utc']) for r in of_faults]}")
    extra = [r for r in extra if r not in of_faults]
    # an event recorded twice (a later event's directory stretched back over it)
    seen = {}
    for r in recs:
        seen.setdefault((r["target"], r["start_ns"]), []).append(r["event_dir"])
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    check(not twice, f"no event recorded twice: {sorted(twice.items())[:3]}")
    check(not extra, f"no migration record beyond the lab's: "
          f"{[(r['target'], r['verdict'], r['start_utc']) for r in extra]}")
    index = open(f"{wdir}/index.html").read()
    missing = [r["event_dir"] for r in recs if f'href="{r["event_dir"]}/report.html"' not in index]
    check(not missing, f"index.html links every event ({len(recs)}; missing {missing[:3]})")
    if prom_json != "-":
        prom = json.load(open(prom_json)) if os.path.exists(prom_json) else {}
        got = {x["metric"].get("verdict"): int(float(x["value"][1]))
               for x in prom.get("migrations", [])}
        want = {}
        for r in mrecs:
            want[r["verdict"]] = want.get(r["verdict"], 0) + 1
        got = {v: n for v, n in got.items() if n}
        check(got == want, f"Prometheus counts the migrations per verdict: {got} == {want}")
    used_bytes, budget = du(wdir), size(keep)
    check(used_bytes <= budget, f"the directory takes {used_bytes >> 20} MiB of its "
          f"{budget >> 20} MiB budget")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
