#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The analyzer on the golden fixtures (tests/fixtures/: a lab run with every stream and guest
events, ping as pcapng, hping3 SYNs in a Linux cooked capture, a dry run over IPv4 and IPv6,
peer tools' oddities: hping3's little-endian ICMP sequence numbers, nping's repeated ones,
SYN-ACKs whose options a 54-octet snaplen cut, and a capture cut short in its outage):
its JSON must equal each fixture's expected.json (tests/fixtures/update.sh rewrites them for
review), and every field the reports have must be non-null in some fixture, so none goes
unexercised. Usage: test_fixtures.py BUILD_DIR"""
import json
import os
import subprocess
import sys

build = sys.argv[1]
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
analyze = os.path.join(build, "analysis", "blackout-analyze")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def paths(v, prefix, out):
    """Every key path in v (arrays as []), with whether some value there is not null."""
    if isinstance(v, dict):
        if prefix:
            out[prefix] = True
        for k, x in v.items():
            paths(x, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(v, list):
        for x in v:
            paths(x, prefix + "[]", out)
        out.setdefault(prefix + "[]", False)
        out[prefix + "[]"] |= bool(v)
    else:
        out.setdefault(prefix, False)
        out[prefix] |= v is not None


seen = {}
for name in sorted(os.listdir(here)):
    d = os.path.join(here, name)
    if not os.path.isdir(d):
        continue
    inp = d
    for c in ("capture.pcap", "capture.pcapng"):
        if os.path.exists(os.path.join(d, c)):
            inp = os.path.join(d, c)
    out = subprocess.run([analyze, "-q", "--no-write", "--json", "-", inp], capture_output=True, text=True)
    want = json.load(open(os.path.join(d, "expected.json")))
    if "exit" in want:  # an input refused: its exit status and the reason, as update.sh wrote them
        got = {"exit": out.returncode, "error": out.stderr.replace(inp, os.path.join(name, os.path.basename(inp)))}
        check(got == want, f"{name}: refused as expected (exit {out.returncode}: {out.stderr.strip()!r})")
        continue
    norm = subprocess.run([sys.executable, os.path.join(here, "normalize.py")], input=out.stdout,
                          capture_output=True, text=True).stdout
    got = json.loads(norm)
    if got != want:
        diff = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
        check(False, f"{name}: differs from expected.json in {diff} (tests/fixtures/update.sh, then review)")
    else:
        check(True, f"{name}: as expected ({got['verdict']['verdict']}, {len(got['streams'])} streams)")
    paths(got, "", seen)
    # the peer tools' oddities, said outright (each failed before its fix)
    st = got["streams"][0] if got["streams"] else {}
    if name == "hping3-icmp":
        check(st["icmp_seq_order"] == "le" and st["blind"] == 0 and st["lost"] == 138,
              f"{name}: little-endian sequence numbers read as such ({st['blind']} blind, "
              f"{st['lost']} lost; before: 53 805 blind)")
    if name == "nping-normal":
        check(st["icmp_seq_repeated"] > 0 and st["sent"] == 214 and st["blind"] == 0,
              f"{name}: {st['icmp_seq_repeated']} repeated numbers, each a probe of its own, "
              f"{st['sent']} sent, {st['lost']} lost (before: 206 sent, 134 lost, 9 blind)")
    if name == "lab-safety-timeout":
        st = [x for x in got["streams"] if x["stream"] == "icmp"][0]
        o, fr = st["outages"][0], st["outage_rate"]
        nominal = st["lost"] - fr["lost"]
        check(fr["sent"] > 0 and abs(nominal - o["duration_ns"] / st["interval_ns"]) <= 2,
              f"{name}: {nominal} probes lost at the 100 ms interval over the "
              f"{o['duration_ns'] / 1e9:.2f} s outage, the {fr['sent']} sent faster during it "
              f"counted apart")
    if name == "cut-open":
        o = st["outages"][-1]
        check(got["input"]["truncated"] and o["at_least_ns"] and got["verdict"]["verdict"] == "anomalous",
              f"{name}: a capture cut short in its outage: truncated, at least "
              f"{o['at_least_ns'] / 1e9:.3f} s")
    if name == "snaplen-syn":
        check(st["answered"] > 0 and got["verdict"]["verdict"] == "quarantine-normal",
              f"{name}: SYN-ACKs cut by the snaplen paired ({st['answered']} answered; before: "
              f"none, anomalous)")

never = sorted(k for k, v in seen.items() if not v)
check(not never, f"every field non-null in some fixture ({len(seen)} fields){': never ' + ', '.join(never) if never else ''}")
sys.exit(1 if failures else 0)
