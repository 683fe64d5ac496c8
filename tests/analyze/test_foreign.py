#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Other people's captures, counted right: each fixture below was made with the lab and the peer
tool itself (tests/fixtures/make.sh) and was once read wrong. For each, an oracle written apart
from the analyzer (oracle.py: requests, answers and the longest run of losses, from the
records in time order) must agree with the analyzer's JSON, and the verdict and exit status
must say what happened:
  hping3-wrap       hping3 caught mid-run, across its little-endian numbers' wrap at 65 536; and
                    cut at each of its first 40 records (once: one probe, or a request dropped
                    and a phantom blind one added, or 65 537 phantom blind probes)
  nping-1khz        nping at 1 kHz numbering probes twice and skipping a later number (once:
                    requests lost from the count, phantom blind ones)
  swapped-halves    ping's capture rotated every 2 s, the files joined the wrong way round
                    (once: most requests dropped, the outage gone, no-blackout, exit 0)
  merged-backwards  two captures of one migration concatenated, the later first (once: a
                    negative capture duration, no warning)
  cut-outage        a capture stopped 0.8 s into its outage (once: "no-blackout, every probe
                    was answered", and --max-blackout 500ms passed)
  empty             a capture whose filter matched nothing (once: exit 0, anomalous, 1970)
Usage: test_foreign.py BUILD_DIR"""
import json
import os
import struct
import subprocess
import sys
import tempfile

build = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures")
analyze = os.path.join(build, "analysis", "blackout-analyze")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def run(path, *extra):
    p = subprocess.run([analyze, "-q", "--no-write", "--json", "-", *extra, path],
                       capture_output=True, text=True)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, p.stderr


def oracle(path):
    p = subprocess.run([sys.executable, os.path.join(here, "oracle.py"), path],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["flows"]


def agree(name, path, quiet=False):
    """The analyzer's busiest stream against the oracle's busiest flow; True when equal."""
    rc, j, err = run(path)
    o = oracle(path)[0]
    s = max(j["streams"], key=lambda x: x["sent"]) if j and j["streams"] else {}
    # an outage still open at the end: its last probes, whose replies could still have come
    # when the capture stopped, are unresolved, not lost (the oracle has no such rule)
    longest = max((x["lost"] + (s["unresolved"] if x["end_hi_ns"] is None else 0)
                   for x in s.get("outages", [])), default=0)
    got = (s.get("sent"), s.get("answered"), longest, s.get("blind"))
    want = (o["requests"], o["answered"], o["longest_lost_run"], 0)
    if not quiet or got != want:
        check(got == want, f"{name}: sent, answered, longest run of losses, blind {got}, "
                           f"oracle {want}")
    return got == want, j, rc, err


def fixture(name):
    return os.path.join(fixtures, name, "capture.pcap")


def records(path):
    data = open(path, "rb").read()
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack("<IIII", data[off:off + 16])[2]
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
    return data[:24], out


# hping3 across its wrap, caught mid-run; and from each of its first 40 records
path = fixture("hping3-wrap")
ok, j, rc, err = agree("hping3-wrap", path)
head, recs = records(path)
seqs = [r[16 + 14 + 20 + 6:16 + 14 + 20 + 8] for r in recs
        if len(r) >= 16 + 42 and r[16 + 23] == 1 and r[16 + 14 + 20] == 8]
check(seqs and seqs[0] != b"\0\0" and any(a == b"\xff\xff" and b == b"\0\0" for a, b in zip(seqs, seqs[1:])),
      "hping3-wrap: the capture starts after hping3's first probe and holds its wrap at 65 536")
check(j["verdict"]["verdict"] == "quarantine-normal" and j["streams"][0]["icmp_seq_order"] == "le",
      f"hping3-wrap: {j['verdict']['verdict']}, numbers read little-endian")
with tempfile.TemporaryDirectory() as d:
    bad = []
    for k in range(40):
        cut = os.path.join(d, f"from{k}.pcap")
        open(cut, "wb").write(head + b"".join(recs[k:]))
        good, jk, _, _ = agree(f"hping3-wrap from record {k}", cut, quiet=True)
        if not good or jk["verdict"]["verdict"] != "quarantine-normal":
            bad.append(k)
    check(not bad, f"hping3-wrap from each of its first 40 records: the oracle's counts and "
                   f"quarantine-normal{' (not from ' + str(bad) + ')' if bad else ''}")

# nping at 1 kHz
ok, j, rc, err = agree("nping-1khz", fixture("nping-1khz"))
check(j["streams"][0]["icmp_seq_repeated"] > 0,
      f"nping-1khz: {j['streams'][0]['icmp_seq_repeated']} repeated numbers, each a probe of its own")

# records out of time order: read sorted, said
for name in ("swapped-halves", "merged-backwards"):
    ok, j, rc, err = agree(name, fixture(name))
    order = j["input"]["order"]
    check(order["steps_back"] >= 1 and order["sorted"] and j["input"]["last_ns"] > j["input"]["first_ns"],
          f"{name}: {order['steps_back']} steps back, read sorted, capture span positive")
    check(j["verdict"]["verdict"] == "quarantine-normal" and rc == 0,
          f"{name}: {j['verdict']['verdict']} (exit {rc})")
    check("go back in time" in err, f"{name}: a warning says so ({err.strip()!r})")

# stopped 0.8 s into its outage
path = fixture("cut-outage")
ok, j, rc, err = agree("cut-outage", path)
o = j["streams"][0]["outages"][-1]
check(j["verdict"]["verdict"] == "anomalous" and o["at_least_ns"] and o["end_hi_ns"] is None,
      f"cut-outage: anomalous, still dark at the end (at least {o['at_least_ns'] / 1e6:.0f} ms)")
p = subprocess.run([analyze, "-q", "--no-write", "--max-blackout", "500ms", path],
                   capture_output=True, text=True)
check(p.returncode == 3 and "still dark when the capture ended" in p.stderr,
      f"cut-outage: --max-blackout 500ms fails (exit {p.returncode})")

# a header and no packet
p = subprocess.run([analyze, "-q", "--no-write", fixture("empty")], capture_output=True, text=True)
check(p.returncode == 1 and "no packets" in p.stderr,
      f"empty: exit 1 and says so (exit {p.returncode}: {p.stderr.strip()!r})")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
