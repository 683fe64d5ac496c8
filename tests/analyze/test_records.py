#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Records a fleet can aggregate (no root): the golden runs analysed with --records and --prom.
The Prometheus textfile must pass `promtool check metrics` (Debian's prometheus package) and add
up over runs written to one file; the records must load into a real engine (sqlite3 and its
JSON functions) and answer "how many migrations hit the safety timeout, per target".
Usage: test_records.py BUILD_DIR SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build, src = sys.argv[1], sys.argv[2]
AN = os.path.join(build, "analysis", "blackout-analyze")
fx = os.path.join(src, "tests", "fixtures")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


for tool in ("promtool", "sqlite3"):
    if not shutil.which(tool):
        print(f"FAIL  {tool} missing (scripts/deps.sh installs prometheus and sqlite3)")
        sys.exit(1)
tmp = tempfile.mkdtemp()
rec, prom = os.path.join(tmp, "fleet.jsonl"), os.path.join(tmp, "blackout.prom")
runs = [os.path.join(fx, d) for d in ("lab-safety-timeout", "wfp-normal", "qemu-quarantine")]
r = subprocess.run([AN, "-q", "--no-write", "--records", rec, "--prom", prom, *runs],
                   capture_output=True, text=True)
check(r.returncode == 0, f"analysed three runs with --records and --prom ({r.stderr.strip()[:200]})")
lines = [json.loads(l) for l in open(rec)]
check(len(lines) == 3 and all(l["schema"] == "blackout.migration/3" for l in lines),
      f"one record per migration, schema blackout.migration/3 ({len(lines)})")
check(all(l["run_id"] and l["probe_host"] and l["streams"] and l["start_utc"].endswith("Z")
          for l in lines), "records carry run id, probe host, windows and an RFC 3339 time")
hv = [l for l in lines if l["hypervisor"]]
check(len(hv) == 2 and {h["hypervisor"]["source"] for h in hv} == {"hyperv", "qemu"},
      "the hypervisor's figures in the records (Hyper-V export, QEMU)")

# The Windows guest's own evidence in wfp-normal (tests/fixtures/make.sh): WFP's classify drops
# matched by 5-tuple and time to the lost probes the guest's capture saw arrive, half of them
# by a quarantine filter; the firewall's 2010 profile change as what ended the quarantine.
w = [l for l in lines if (l["hypervisor"] or {}).get("source") == "hyperv"]
w = w[0] if w else {}
fw, fq, pc = w.get("firewall_dropped"), w.get("firewall_dropped_quarantine"), w.get("profile_change")
check(bool(fw) and fq is not None and 0.3 * fw <= fq <= 0.7 * fw,
      f"wfp-normal: WFP's drops matched to its lost probes ({fw}, {fq} by quarantine filters)")
check(bool(pc) and pc["what"] == "firewall 2010: public -> domain" and
      2.0e9 < pc["after_start_ns"] < 3.0e9,
      f"wfp-normal: the profile change that ended its quarantine ({pc})")
j = json.loads(subprocess.run([AN, "-q", "--no-write", "--json", "-", runs[1]], check=True,
                              capture_output=True, text=True).stdout)
outs = [o for st in j["streams"] for o in st["outages"] if o["guest_arrived"]]
check(bool(outs) and all(abs(o["firewall_dropped"] - o["guest_arrived"]) <= 2 for o in outs),
      "wfp-normal: per outage, the firewall's drops ~ the capture's arrivals " +
      str([(o["firewall_dropped"], o["guest_arrived"]) for o in outs]))
t = subprocess.run([AN, "--no-write", runs[1]], capture_output=True, text=True).stdout
check("profile: firewall 2010: public -> domain" in t and "quarantine's filters (WFP)" in t,
      "wfp-normal: the text report names the profile change and the quarantine filters' drops")

p = subprocess.run(["promtool", "check", "metrics"], stdin=open(prom), capture_output=True,
                   text=True)
check(p.returncode == 0, f"promtool check metrics accepts the textfile {p.stdout}{p.stderr}".strip())
text = open(prom).read()
check("blackout_migrations_total{verdict=\"quarantine-safety-timeout\"} 1" in text and
      "blackout_dark_seconds_count 3" in text and not any(
          l and not l.startswith("#") and len(l.split()) != 2 for l in text.splitlines()),
      "counts per verdict and the histogram; no sample with a timestamp")
# The same file again: counters and histogram add up, gauges stay one per target and stream.
subprocess.run([AN, "-q", "--no-write", "--prom", prom, runs[0]], check=True)
text = open(prom).read()
check("blackout_migrations_total{verdict=\"quarantine-safety-timeout\"} 2" in text and
      "blackout_dark_seconds_count 4" in text,
      "a second analysis into the same file adds to the counters")
last = [l for l in text.splitlines() if l.startswith("blackout_last_verdict{")]
check(last == ['blackout_last_verdict{target="192.0.2.2",verdict="quarantine-safety-timeout"} 1']
      and subprocess.run(["promtool", "check", "metrics"], stdin=open(prom)).returncode == 0,
      f"the target's last verdict replaced by the newer run's, once; still valid: {last}")

# A real engine: the records into SQLite, a question answered with its JSON functions.
subprocess.run([AN, "-q", "--no-write", "--records", rec, runs[0]], check=True)
q = ("CREATE TABLE r AS SELECT value AS j FROM json_each('[' || "
     "replace(trim(readfile('%s'), char(10)), char(10), ',') || ']');"
     "SELECT json_extract(j,'$.target'), count(*) FROM r "
     "WHERE json_extract(j,'$.verdict') = 'quarantine-safety-timeout' GROUP BY 1;" % rec)
out = subprocess.run(["sqlite3", ":memory:", q], capture_output=True, text=True)
check(out.returncode == 0 and out.stdout.strip() == "192.0.2.2|2",
      f"sqlite3: safety timeouts per target -> {out.stdout.strip()!r} {out.stderr.strip()}")
# compare on migrations: records files as groups, split --by target, the sample-size warning.
after = os.path.join(tmp, "after.jsonl")
subprocess.run([AN, "-q", "--no-write", "--records", after, runs[2]], check=True)
out = subprocess.run([AN, "compare", "--json", "-", "--by", "target", "--group", "before", rec,
                      "--group", "after", after], capture_output=True, text=True)
j = json.loads(out.stdout) if out.returncode == 0 else {}
names = [g["name"] for g in j.get("groups", [])]
check(names == ["before 192.0.2.2", "after 192.0.2.2"] and
      j["groups"][0]["migrations"] == 4 and j["groups"][1]["migrations"] == 1,
      f"compare reads records files, one sample per migration, split by target: {names}")
check("cannot reach p < 0.05" in j.get("conclusion", "") and j.get("samples_needed_per_group") == 4,
      f"compare says when the groups are too small: {j.get('conclusion', '')[-90:]!r}")
shutil.rmtree(tmp)
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
