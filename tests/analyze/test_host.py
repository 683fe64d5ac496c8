#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The hypervisor's account beside the network's (no root): a golden run given host events in
every form the analyzer reads (blackout's host.jsonl as blackout-lab writes it for QEMU, the
libvirt producer's line from a `virsh domjobinfo --completed` text rendered with virsh's own
format strings, a Hyper-V VMMS export as PowerShell 5.1 and 7 write it), and hostile ones
(UTF-16, garbage, absurd numbers, oversized). Each is matched to the run's outages, or refused
or counted with a clear word, never a crash.
Usage: test_host.py BUILD_DIR SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build, src = sys.argv[1], sys.argv[2]
AN = os.path.join(build, "analysis", "blackout-analyze")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


tmp = tempfile.mkdtemp()
run = os.path.join(tmp, "run")
shutil.copytree(os.path.join(src, "tests/fixtures/lab-safety-timeout"), run)
expected = json.load(open(os.path.join(run, "expected.json")))
os.remove(os.path.join(run, "expected.json"))
icmp = [s for s in expected["streams"] if s["stream"] == "icmp"][0]["outages"][0]
stop = (icmp["start_lo_ns"] + icmp["start_hi_ns"]) // 2
end = icmp["end_hi_ns"]
MS = 1_000_000


def analyze(*args):
    r = subprocess.run([AN, "--quiet", "--no-write", "--json", "-", *args, run],
                       capture_output=True, text=True)
    try:
        return r.returncode, json.loads(r.stdout) if r.stdout else None, r.stderr
    except json.JSONDecodeError:
        return r.returncode, None, r.stderr


def write(name, data, mode="w", **kw):
    path = os.path.join(tmp, name)
    with open(path, mode, **kw) as f:
        f.write(data)
    return path


# 1. QEMU's account, as blackout-lab writes it into the run directory.
with open(os.path.join(run, "host.jsonl"), "w") as f:
    f.write(json.dumps({"type": "migration", "source": "qemu", "vm": "g0", "target": "192.0.2.2",
                        "mode": "precopy", "stop_ns": stop, "resume_ns": stop + 300 * MS,
                        "end_ns": stop + 290 * MS, "downtime_ns": 300 * MS,
                        "total_ns": 900 * MS}) + "\n")
rc, j, err = analyze()
m = (j or {}).get("host", {}).get("migrations", [{}])[0] if j and j.get("host") else {}
check(rc == 0 and m.get("source") == "qemu", "RUN/host.jsonl read by default")
check(len(m.get("streams", [])) == 5, f"matched to the five dark streams ({len(m.get('streams', []))})")
check(all(s["stop_in_start_bounds"] for s in m.get("streams", [])),
      "the stop inside each stream's start bounds")
check(m.get("beyond_downtime_ns") == m.get("network_dark_ns", 0) - 300 * MS,
      f"dark minus downtime: {(m.get('beyond_downtime_ns') or 0) / 1e9:.3f} s")
txt = subprocess.run([AN, "--no-write", run], capture_output=True, text=True).stdout
check("qemu downtime 300.0 ms" in txt and "after the hypervisor's figure" in txt,
      "the text report says the hypervisor's downtime and the difference")
os.remove(os.path.join(run, "host.jsonl"))

# 2. libvirt: the producer's line from virsh's own format strings (tools/virsh-domain.c).
dj = ("%-17s %-12s\n" % ("Job type:", "Completed") + "%-17s %-12s\n" % ("Operation:", "Outgoing migration")
      + "%-17s %-12d ms\n" % ("Time elapsed:", 912) + "%-17s %-12d ms\n" % ("Time elapsed w/o network:", 900)
      + "%-17s %-.3f %s\n" % ("Data processed:", 96.5, "MiB") + "%-17s %-12d ms\n" % ("Total downtime:", 310)
      + "%-17s %-12d ms\n" % ("Downtime w/o network:", 300) + "%-17s %-12d ms\n" % ("Setup time:", 3))
p = subprocess.run([os.path.join(src, "scripts/host-events-libvirt"), "--parse", "vm1", "192.0.2.2"],
                   input=dj, capture_output=True, text=True)
line = json.loads(p.stdout)
check(p.returncode == 0 and line["downtime_ns"] == 310 * MS and line["total_ns"] == 912 * MS,
      "host-events-libvirt reads virsh's Total downtime and Time elapsed")
line["end_ns"] = end + 500 * MS  # as if run right after `virsh migrate` returned
rc, j, err = analyze("--host-events", write("libvirt.jsonl", json.dumps(line) + "\n"))
m = j["host"]["migrations"][0] if j and j.get("host") else {}
check(m.get("source") == "libvirt" and len(m.get("streams", [])) == 5,
      "a libvirt line (no stop time) matched by its end to the outages before it")
mig = j["migrations"][0] if j and j.get("migrations") else {}
check((mig.get("hypervisor") or {}).get("source") == "libvirt",
      "the migration event carries the hypervisor's record")
# the hosts it went between: --from, and the destination from -c's URI
p = subprocess.run([os.path.join(src, "scripts/host-events-libvirt"), "-c",
                    "qemu+ssh://root@hv-b.example:22/system", "--from", "hv-a", "--parse", "vm1",
                    "192.0.2.2"], input=dj, capture_output=True, text=True)
line = json.loads(p.stdout)
check(line.get("from_host") == "hv-a" and line.get("to_host") == "hv-b.example",
      f"host-events-libvirt names the hosts ({line.get('from_host')} -> {line.get('to_host')})")
line["end_ns"] = end + 500 * MS
rec = os.path.join(tmp, "records.jsonl")
rc, j, err = analyze("--host-events", write("libvirt2.jsonl", json.dumps(line) + "\n"),
                     "--records", rec)
r0 = json.loads(open(rec).readline()) if os.path.exists(rec) else {}
check(r0.get("source_host") == "hv-a" and r0.get("destination_host") == "hv-b.example",
      "the record says the source and destination host")
os.remove(rec)

# Host facts (Get-BlackoutHostFacts.ps1's lines): the destination's fix in the records, and
# compare --by fix splitting the migrations by it. hv-b has KB4338822's build and the value 0;
# hv-c the build but the indication still on.
facts = [{"type": "host", "host": "hv-b", "build": "14393.2395",
          "send_lm_network_change_indication": 0, "fixed": True},
         {"type": "host", "host": "hv-c", "build": "14393.2430",
          "send_lm_network_change_indication": 1}]
fixes = []
for to in ("hv-b", "hv-c", "hv-z"):
    line2 = dict(line, to_host=to)
    hostfile = write(f"hosts-{to}.jsonl", "".join(json.dumps(x) + "\n" for x in facts + [line2]))
    rec = os.path.join(tmp, "records.jsonl")
    analyze("--host-events", hostfile, "--records", rec)
    fixes.append(json.loads(open(rec).read().splitlines()[-1]).get("destination_fixed"))
check(fixes == [True, False, None],
      f"destination_fixed from the host facts: fixed, not (the value 1), unknown host ({fixes})")
out = subprocess.run([AN, "compare", "--json", "-", "--by", "fix", rec], capture_output=True,
                     text=True)
names = sorted(g["name"] for g in json.loads(out.stdout)["groups"]) if out.returncode == 0 else []
check(names == ["all fix-unknown", "all fixed", "all not-fixed"],
      f"compare --by fix: a group per fix state ({names})")
os.remove(rec)
p = subprocess.run([os.path.join(src, "scripts/host-events-libvirt"), "--parse", "vm1"],
                   input="Job type:         None\n", capture_output=True, text=True)
check(p.returncode == 1 and "no completed job" in p.stderr, "no completed job: a clear error")

# 3. Hyper-V: PowerShell 5.1's ConvertTo-Json (BOM, /Date(ms)/, a decimal comma), with an
#    event of another id in the export.
ms = (end + 400 * MS) // MS
ps5 = ('\ufeff[\r\n    {\r\n        "Id":  20415,\r\n        "TimeCreated":  "\\/Date(%d)\\/",\r\n'
       '        "MachineName":  "hv-a.example",\r\n'
       '        "Properties":  [ { "Value":  "web-01" }, { "Value":  "0,3" } ]\r\n    },\r\n'
       '    { "Id": 20400, "TimeCreated": "\\/Date(%d)\\/", "Properties": [] }\r\n]\r\n' % (ms, ms))
rc, j, err = analyze("--host-events", write("hv5.json", ps5, encoding="utf-8", newline=""))
m = j["host"]["migrations"] if j and j.get("host") else []
check(rc == 0 and len(m) == 1 and m[0]["event_id"] == 20415 and m[0]["downtime_ns"] == 300 * MS
      and m[0]["vm"] == "web-01" and m[0]["logged_by"] == "hv-a.example",
      "Hyper-V export (PowerShell 5.1): 20415, 0,3 s, the VM's name, the host that logged it")
check(bool(m) and len(m[0]["streams"]) == 5, "Hyper-V event matched to the outages before it")
# PowerShell 7: one event, pretty-printed, ISO time with an offset.
t = (end + 400 * MS) / 1e9
import datetime
iso = datetime.datetime.fromtimestamp(t, datetime.timezone(datetime.timedelta(hours=1)))
ps7 = json.dumps({"Id": 20417, "TimeCreated": iso.isoformat(timespec="microseconds"),
                  "Properties": [{"Value": "web-02"}, {"Value": "12.4"}]}, indent=2)
rc, j, err = analyze("--host-events", write("hv7.json", ps7))
m = j["host"]["migrations"] if j and j.get("host") else []
check(rc == 0 and len(m) == 1 and m[0]["event_id"] == 20417 and
      abs(m[0]["end_ns"] - (end + 400 * MS)) < 1000 and m[0]["downtime_ns"] == 12400 * MS,
      "Hyper-V export (PowerShell 7): 20417, ISO time with its offset, 12.4 s")

# 4. Hostile: UTF-16 (PowerShell's `>`), garbage and absurd numbers, a missing file.
rc, j, err = analyze("--host-events", write("hv16.json", ps5, encoding="utf-16"))
check(rc == 1 and "Out-File -Encoding utf8" in err, "UTF-16 refused with the fix named")
junk = "\n".join(["{", "not json", '{"type":"migration"}',
                  '{"type":"migration","stop_ns":99999999999999999999999,"downtime_ns":-7}',
                  '{"type":"migration","end_ns":"soon"}', "[]", "\x00\x01"]) + "\n"
rc, j, err = analyze("--host-events", write("junk.jsonl", junk))
h = (j or {}).get("host") or {}
check(rc == 0 and h.get("unreadable", 0) >= 3, f"garbage counted ({h.get('unreadable')} unreadable)")
check(all(m["downtime_ns"] is None or m["downtime_ns"] >= 0 for m in h.get("migrations", [])),
      "absurd numbers clamped")
rc, j, err = analyze("--host-events", os.path.join(tmp, "missing.json"))
check(rc == 1 and "cannot read host events" in err, "a missing --host-events file is an error")
many = "".join(json.dumps({"type": "migration", "stop_ns": stop + i}) + "\n" for i in range(4200))
rc, j, err = analyze("--host-events", write("many.jsonl", many))
h = (j or {}).get("host") or {}
check(rc == 0 and len(h.get("migrations", [])) == 4096 and h.get("not_read") == 104,
      f"beyond 4096 records counted ({h.get('not_read')} not read)")

shutil.rmtree(tmp)
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
