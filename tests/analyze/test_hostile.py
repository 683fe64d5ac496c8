#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile run directories (no root): strings with markup and terminal escapes planted in every
input field that reaches a report, links planted where the analyzer writes, files that are not
files where it reads; and the probe's run directory with a planted link. Each must give clean
reports, writes that never follow a link, and a clear refusal instead of a hang.
Usage: test_hostile.py BUILD_DIR FIXTURES_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build, fixtures = sys.argv[1], sys.argv[2]
AN = os.path.join(build, "analysis", "blackout-analyze")
PROBE = os.path.join(build, "probe", "blackout-probe")
failures, passed = [], []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    (passed if ok else failures).append(what)


EVIL = '<script>alert(1)</script>\x1b[2J\x1b]0;owned\x07\u009b31m&"'
tmp = tempfile.mkdtemp()
run = os.path.join(tmp, "run")
shutil.copytree(os.path.join(fixtures, "lab-safety-timeout"), run)
os.remove(os.path.join(run, "expected.json"))


def rewrite(name, fn):
    path = os.path.join(run, name)
    lines = [json.loads(l) for l in open(path)]
    with open(path, "w") as f:
        for o in lines:
            f.write(json.dumps(fn(o)) + "\n")


def evil_lab(o):
    if o.get("type") == "header":
        o["scenario"] = EVIL
    if o.get("type") == "truth":
        o["verdict"] = EVIL
    return o


def evil_probe(o):
    if o.get("type") == "end":
        o["reason"] = EVIL
    return o


rewrite("lab.jsonl", evil_lab)
rewrite("probe.jsonl", evil_probe)
with open(os.path.join(run, "probe.jsonl"), "a") as f:  # markers are read wherever they stand
    f.write(json.dumps({"type": "marker", "kind": EVIL, "label": EVIL,
                        "realtime_ns": 1795397751000000000}) + "\n")

# Links planted where the analyzer writes: its outputs replace them, never write through.
victim = os.path.join(tmp, "victim")
open(victim, "w").write("precious\n")
os.symlink(victim, os.path.join(run, "report.html"))
os.symlink(victim, os.path.join(run, "analysis.json"))
r = subprocess.run([AN, run], capture_output=True, text=True, timeout=60)
check(r.returncode == 0, "the hostile run is analysed (exit %d: %s)" % (r.returncode, r.stderr[-200:]))
out = r.stdout + r.stderr
check("\x1b" not in out and "\x07" not in out and "\u009b" not in out,
      "no escape or control character reaches the terminal")
html = open(os.path.join(run, "report.html")).read()
check("<script>" not in html and "&lt;script&gt;" in html, "every planted string is escaped in HTML")
check(open(victim).read() == "precious\n", "nothing written through the planted links")
check(not os.path.islink(os.path.join(run, "report.html")) and
      not os.path.islink(os.path.join(run, "analysis.json")),
      "report.html and analysis.json are files of their own")
check(not [n for n in os.listdir(run) if ".tmp-" in n], "no temporary file left behind")

# Outputs that are devices: /dev/null named as an output is written to and stays a device
# (it was renamed over: as root, /dev/null became a regular file); a FIFO gets the JSON; a
# link to a device planted where the analyzer writes is refused, the device untouched.
import stat
import threading
if os.geteuid() == 0:
    r = subprocess.run([AN, "-q", "--no-write", "--json", "/dev/null", "--html", "/dev/null", run],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode),
          "--json /dev/null --html /dev/null: written, /dev/null still a device (exit %d)"
          % r.returncode)
fifo = os.path.join(tmp, "fifo")
os.mkfifo(fifo)
got = []
reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
reader.start()
r = subprocess.run([AN, "-q", "--no-write", "--json", fifo, run], capture_output=True, text=True,
                   timeout=60)
reader.join(timeout=30)
check(r.returncode == 0 and got and json.loads(got[0])["tool"] == "blackout-analyze" and
      stat.S_ISFIFO(os.stat(fifo).st_mode), "--json FIFO: the JSON through the FIFO, which stays one")
os.remove(os.path.join(run, "report.html"))
os.symlink("/dev/null", os.path.join(run, "report.html"))
r = subprocess.run([AN, "-q", run], capture_output=True, text=True, timeout=60)
check(r.returncode == 1 and "report.html" in r.stderr and os.path.islink(os.path.join(run, "report.html"))
      and stat.S_ISCHR(os.stat("/dev/null").st_mode),
      "report.html -> /dev/null planted: refused, link and device untouched (%r)" % r.stderr.strip()[-80:])
os.remove(os.path.join(run, "report.html"))

# A run file that is a link to a device (guest.jsonl -> /dev/zero; probe.jsonl -> /dev/zero):
# refused at once, never read for ever.
os.remove(os.path.join(run, "guest.jsonl"))
os.symlink("/dev/zero", os.path.join(run, "guest.jsonl"))
try:
    r = subprocess.run([AN, "--no-write", "-q", run], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "not a regular file" in r.stderr,
          "guest.jsonl -> /dev/zero: left out with a warning (%r)" % r.stderr.strip()[-90:])
except subprocess.TimeoutExpired:
    check(False, "guest.jsonl -> /dev/zero: the analyzer hung")
os.rename(os.path.join(run, "probe.jsonl"), os.path.join(run, "probe.jsonl.real"))
os.symlink("/dev/zero", os.path.join(run, "probe.jsonl"))
try:
    r = subprocess.run([AN, "--no-write", "-q", run], capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "not a regular file" in r.stderr,
          "probe.jsonl -> /dev/zero: refused with exit 1 (%r)" % r.stderr.strip()[-90:])
except subprocess.TimeoutExpired:
    check(False, "probe.jsonl -> /dev/zero: the analyzer hung")

# The probe's capture through a dangling link planted in a fresh run directory: refused.
prun = os.path.join(tmp, "prun")
os.mkdir(prun)
target = os.path.join(tmp, "made-through-link")
os.symlink(target, os.path.join(prun, "probe.pcap"))
r = subprocess.run([PROBE, "--dry-run", "-d", "100ms", "-q", "--run", prun, "192.0.2.2"],
                   capture_output=True, text=True, timeout=30)
check(r.returncode != 0 and not os.path.exists(target),
      "the probe refuses a run directory with a planted probe.pcap link (exit %d: %s)"
      % (r.returncode, r.stderr.strip()[-100:]))
# Integer edges: INT64_MIN and INT64_MAX in every time the logs carry (under the sanitizer
# build, UndefinedBehaviorSanitizer would stop the analyzer on an overflow).
MIN, MAX = -2**63, 2**63 - 1
edge = os.path.join(tmp, "edge")
shutil.copytree(os.path.join(fixtures, "lab-safety-timeout"), edge)
os.remove(os.path.join(edge, "expected.json"))
run = edge


def edge_probe(o):
    if o.get("type") == "header":
        o["clock"] = {"realtime_ns": MAX, "monotonic_ns": MIN}
        o["config"]["timeout_ns"] = MAX
    if o.get("type") == "stream":
        o["interval_ns"] = MAX
    if o.get("type") == "marker":
        o["realtime_ns"] = MIN
    return o


def edge_lab(o):
    if o.get("type") == "truth":
        o["start"], o["end"], o["duration_ns"] = [MIN, MAX], [MAX, MIN], MIN
    return o


def edge_guest(o):
    o["realtime_ns"], o["probe_realtime_ns"] = (MAX, MIN) if o.get("seq", 0) % 2 else (MIN, MAX)
    return o


rewrite("probe.jsonl", edge_probe)
rewrite("lab.jsonl", edge_lab)
rewrite("guest.jsonl", edge_guest)
with open(os.path.join(edge, "probe.jsonl"), "a") as f:
    f.write(json.dumps({"type": "marker", "kind": "x", "label": "y", "realtime_ns": MAX}) + "\n")
r = subprocess.run([AN, "--no-write", "--json", "-", "-q", edge], capture_output=True,
                   text=True, timeout=60)
check(r.returncode in (0, 1) and "runtime error" not in r.stderr,
      "INT64_MIN/MAX in every logged time: no overflow (exit %d%s)"
      % (r.returncode, (": " + r.stderr.strip()[-120:]) if r.returncode else ""))

# Inputs whose frames cannot be read at all: exit 1 with the reason, never "no probe was
# answered" with exit 0.
import struct
bad = os.path.join(tmp, "user0.pcap")
with open(bad, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))  # DLT_USER0
    for i in range(3):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, 60, 60) + bytes(60))
r = subprocess.run([AN, "--no-write", "-q", bad], capture_output=True, text=True, timeout=30)
check(r.returncode == 1 and "none of its 3 frames" in r.stderr,
      "a capture of an unknown link type: exit %d (%s)" % (r.returncode, r.stderr.strip()[-80:]))
broken = os.path.join(tmp, "broken.pcap")
with open(broken, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1700000000, 0, 0x7fffffff, 0x7fffffff) + bytes(20))
r = subprocess.run([AN, "--no-write", "-q", broken], capture_output=True, text=True, timeout=30)
check(r.returncode == 1, "a capture broken from its first record: exit %d (%s)"
      % (r.returncode, r.stderr.strip()[-80:]))

# The worst inputs: 65 536 ping identifiers to one host (a walk per packet made this quadratic:
# 41 s and 1.3 GB before), 20 000 hosts: bounded, and what the bounds left out reported.
import resource
ids = os.path.join(tmp, "ids.pcap")
subprocess.run([sys.executable, os.path.join(os.path.dirname(fixtures), "..", "bench",
                                              "hostile_pcap.py"), "ids", ids, "65536"], check=True)
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
r = subprocess.run([AN, "--no-write", "-q", "--json", "-", ids], capture_output=True, text=True,
                   timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
na = json.loads(r.stdout)["input"]["not_analysed"] if r.returncode == 0 else {}
check(r.returncode == 0 and na.get("streams") == 65536 - 4096 and "not analysed" in r.stderr,
      "65 536 ping flows to one host: %s streams not analysed, said on stderr and in the JSON"
      % na.get("streams"))
check(peak < 512 * 1024, "...in bounded memory (peak RSS of the analyzers so far %d MiB)"
      % (peak >> 10))

# --json -: standard output is the JSON alone, for both analyze and compare (the text report
# and the conclusion go to stderr), so `| jq` works.
ping = os.path.join(fixtures, "ping-kb-fixed", "capture.pcapng")
for cmd in ([AN, "--no-write", "--json", "-", ping], [AN, "compare", "--json", "-", ping]):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    try:
        json.loads(r.stdout)
        ok = r.returncode == 0 and r.stderr.strip() != ""
    except ValueError:
        ok = False
    check(ok, "%s --json -: only JSON on standard output, the text on stderr"
          % " ".join(os.path.basename(c) for c in cmd[:2]))

# ...through jq itself, as an operator's pipeline would
import shlex
import shutil
if shutil.which("jq"):
    pipe = ("%s --no-write --json - %s | jq -r '.verdict.verdict, (.migrations | length)'"
            % (shlex.quote(AN), shlex.quote(ping)))
    r = subprocess.run(["sh", "-c", pipe], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and r.stdout.split() == ["switchover-only", "1"],
          "blackout-analyze --json - | jq: %r" % r.stdout.strip())
else:
    check(False, "jq missing (scripts/deps.sh installs it)")

# The responder's --log through a planted link: refused, nothing appended to the victim.
RSP = os.path.join(build, "responder", "blackout-responder")
link = os.path.join(tmp, "responder.jsonl")
os.symlink(victim, link)
import socket
sk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sk.bind(("::", 0))
port = sk.getsockname()[1]
sk.close()
try:
    r = subprocess.run([RSP, "-q", "--port", str(port), "--tcp-port", "0", "--log", link],
                       capture_output=True, text=True, timeout=3)
    rc = r.returncode
except subprocess.TimeoutExpired:  # it started: it took the link
    rc = None
check(rc == 4 and open(victim).read() == "precious\n",
      "the responder refuses to append its log through a link (exit %s)" % rc)
shutil.rmtree(tmp)
print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
