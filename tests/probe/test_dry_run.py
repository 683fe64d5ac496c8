#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-probe --dry-run, without privileges (as nobody when run as root): every probe of
every stream to an IPv4 and an IPv6 target written to probe.pcap at its deadline; tshark finds
every IP, ICMP, UDP and TCP checksum good and decodes the STAMP packets; the analyzer reads
the run (schedule error 0, every probe sent, none answered).
Usage: test_dry_run.py BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


streams = "icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est"
d = tempfile.mkdtemp()
os.chmod(d, 0o777)
run = os.path.join(d, "r")
cmd = [os.path.join(build, "probe", "blackout-probe"), "--dry-run", "-q", "-d", "2s", "-i", "100ms",
       "-s", streams, "--run", run, "192.0.2.2", "2001:db8::2"]
if os.getuid() == 0:
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
p = subprocess.run(cmd, capture_output=True, text=True)
check(p.returncode == 0, f"dry run exits 0 without privileges ({p.returncode} {p.stderr.strip()})")

log = [json.loads(l) for l in open(os.path.join(run, "probe.jsonl"))]
end = log[-1]
check(end["type"] == "end" and end["reason"] == "dry-run", "probe.jsonl ends with reason dry-run")
check(log[0]["config"]["dry_run"] is True, "the header says dry_run")
sent = {(s["target"], s["stream"]): s["sent"] for s in end["streams"]}
check(len(sent) == 12 and set(sent.values()) == {20}, f"20 probes per (target, stream): {sorted(set(sent.values()))}")

if shutil.which("tshark"):
    out = subprocess.run(["tshark", "-r", os.path.join(run, "probe.pcap"), "-o", "tcp.check_checksum:TRUE",
                          "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                          "-d", "udp.port==862,twamp.test", "-T", "fields", "-e", "frame.protocols",
                          "-e", "ip.checksum.status", "-e", "icmp.checksum.status",
                          "-e", "icmpv6.checksum.status", "-e", "udp.checksum.status",
                          "-e", "tcp.checksum.status", "-e", "twamp.test.seq_number"],
                         capture_output=True, text=True).stdout.splitlines()
    rows = [l.split("\t") for l in out]
    check(len(rows) == 240, f"tshark reads 240 packets ({len(rows)})")
    bad = [r for r in rows if any(f not in ("", "1") for f in r[1:6])]
    check(not bad, f"every checksum good ({len(bad)} bad)")
    stamp = [r for r in rows if "twamp.test" in r[0]]
    check(len(stamp) == 80 and all(r[6] != "" for r in stamp), f"tshark decodes {len(stamp)} STAMP packets")
    for proto, n in (("ip:icmp", 40), ("ipv6:icmpv6", 40), ("ip:tcp", 40), ("ipv6:tcp", 40)):
        got = sum(1 for r in rows if proto in r[0])
        check(got == n, f"{got} {proto} packets")
else:
    print("skip  tshark checks: no tshark")

a = subprocess.run([os.path.join(build, "analysis", "blackout-analyze"), "-q", "--no-write", "--json", "-",
                    run], capture_output=True, text=True)
j = json.loads(a.stdout)
st = j["streams"]
check(len(st) == 12 and all(s["sent"] == 20 and s["answered"] == 0 for s in st),
      "the analyzer reads every stream: 20 sent, none answered")
errs = [abs(s["schedule_error"][q]) for s in st if s["schedule_error"] for q in ("p50_ns", "max_ns")]
check(len(errs) == 20 and max(errs) <= 2000, f"schedule error within 2 us of 0 (worst {max(errs or [0])} ns)")
shutil.rmtree(d)
sys.exit(1 if failures else 0)
