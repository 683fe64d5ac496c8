#!/usr/bin/env python3
"""Help and docs that cannot drift: every long option in every program's getopt table (read
from the C source) appears in that program's --help and in its docs/ page.
Usage: test_options.py SOURCE_DIR BUILD_DIR"""
import re
import subprocess
import sys

src, build = sys.argv[1], sys.argv[2]
# program, the files holding its option tables, its --help command(s), its docs page
programs = [
    ("blackout-probe", ["probe/main.c"], [["probe/blackout-probe", "--help"]], "docs/probe.md"),
    ("blackout-analyze", ["analysis/main.c"], [["analysis/blackout-analyze", "--help"]],
     "docs/analyze.md"),
    ("blackout-analyze compare", ["analysis/compare.c"],
     [["analysis/blackout-analyze", "compare", "--help"]], "docs/analyze.md"),
    ("blackout-responder", ["responder/main.c"], [["responder/blackout-responder", "--help"]],
     "docs/responder.md"),
    ("blackout-lab", ["lab/main.c"], [["lab/blackout-lab", "--help"]], "docs/lab.md"),
]
failures, passed = [], 0
for name, files, helps, page in programs:
    opts = set()
    for f in files:
        text = open(f"{src}/{f}").read()
        for table in re.findall(r"struct option \w+\[\] = \{(.*?)\{0, 0, 0, 0\}\}", text, re.S):
            opts |= set(re.findall(r'\{"([a-z0-9-]+)",', table))
    if not opts:
        failures.append(f"{name}: no option table found in {files}")
        continue
    help_text = ""
    for h in helps:
        r = subprocess.run([f"{build}/{h[0]}"] + h[1:], capture_output=True, text=True)
        help_text += r.stdout + r.stderr
    doc = open(f"{src}/{page}").read()
    for o in sorted(opts):
        for where, text in (("--help", help_text), (page, doc)):
            if re.search(r"--" + re.escape(o) + r"\b", text):
                passed += 1
            else:
                failures.append(f"{name}: --{o} is missing from {where}")
for f in failures:
    print("FAIL  " + f)
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
