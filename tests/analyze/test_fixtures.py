#!/usr/bin/env python3
"""The analyzer on the golden fixtures (tests/fixtures/: a lab run with every stream and guest
events, ping as pcapng, hping3 SYNs in a Linux cooked capture, a dry run over IPv4 and IPv6):
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
    norm = subprocess.run([sys.executable, os.path.join(here, "normalize.py")], input=out.stdout,
                          capture_output=True, text=True).stdout
    got, want = json.loads(norm), json.load(open(os.path.join(d, "expected.json")))
    if got != want:
        diff = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
        check(False, f"{name}: differs from expected.json in {diff} (tests/fixtures/update.sh, then review)")
    else:
        check(True, f"{name}: as expected ({got['verdict']['verdict']}, {len(got['streams'])} streams)")
    paths(got, "", seen)

never = sorted(k for k, v in seen.items() if not v)
check(not never, f"every field non-null in some fixture ({len(seen)} fields){': never ' + ', '.join(never) if never else ''}")
sys.exit(1 if failures else 0)
