#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs one command under GNU time and prints a JSON line: wall seconds, CPU seconds and peak
RSS (KiB) of the command alone. Usage: measure.py NAME CMD..."""
import json
import os
import subprocess
import sys
import tempfile

with tempfile.NamedTemporaryFile("r") as t:
    p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %U %S %M"] + sys.argv[2:],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, user, sys_, rss = t.read().split()[-4:]
print(json.dumps({"name": sys.argv[1], "rc": p.returncode, "wall_s": float(wall),
                  "cpu_s": float(user) + float(sys_), "rss_kib": int(rss)}))
