#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A run directory left by a probe that stopped at set-up: the analyzer says so ("the probe
stopped at set-up ... : no interface named ...") instead of a missing probe.pcap; the probe run
again into it takes it, its failed log kept aside as probe-setup-failed.jsonl; a directory that
holds a real run is refused with the fix named. Needs root (77 without).
Usage: test_setup_failed.py BUILD_DIR"""
import os
import subprocess
import sys
import tempfile

build = sys.argv[1]
probe = os.path.join(build, "probe", "blackout-probe")
analyze = os.path.join(build, "analysis", "blackout-analyze")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


if os.geteuid() != 0:
    print("skipped: needs root (the probe)")
    sys.exit(77)
with tempfile.TemporaryDirectory() as d:
    run = os.path.join(d, "run")
    p = subprocess.run([probe, "--run", run, "--interface", "nosuch0", "--duration", "1s",
                        "127.0.0.1"], capture_output=True, text=True)
    check(p.returncode == 4 and "no interface named nosuch0" in p.stderr,
          f"a bad interface: set-up failed, exit 4 ({p.stderr.strip()})")
    a = subprocess.run([analyze, run], capture_output=True, text=True)
    check(a.returncode == 1 and "the probe stopped at set-up, nothing was captured: no interface "
          "named nosuch0" in a.stderr and "probe.pcap" not in a.stderr,
          f"the analyzer says the probe stopped at set-up ({a.stderr.strip()})")
    p = subprocess.run([probe, "--run", run, "--duration", "500ms", "--no-events", "127.0.0.1"],
                       capture_output=True, text=True)
    check(p.returncode == 0 and "its earlier run stopped at set-up" in p.stderr and
          os.path.exists(os.path.join(run, "probe-setup-failed.jsonl")) and
          os.path.exists(os.path.join(run, "probe.pcap")),
          "the probe takes the directory again, the failed log kept aside")
    a = subprocess.run([analyze, "--quiet", "--no-write", run], capture_output=True, text=True)
    check(a.returncode == 0, f"and that run is analysed ({a.stderr.strip()})")
    p = subprocess.run([probe, "--run", run, "--duration", "500ms", "127.0.0.1"],
                       capture_output=True, text=True)
    check(p.returncode == 4 and "holds a run already; choose another --run directory" in p.stderr,
          f"a directory with a run in it is refused ({p.stderr.strip()})")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
