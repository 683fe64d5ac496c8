#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Help, docs and man pages that cannot drift: every long option in every program's getopt
table (read from the C source) appears in that program's --help, its docs/ page and its man
page, and the man page names no option the program does not have.
Usage: test_options.py SOURCE_DIR BUILD_DIR"""
import re
import subprocess
import sys

src, build = sys.argv[1], sys.argv[2]
# program, the files holding its option tables, its --help command(s), its docs page
programs = [
    ("blackout-probe", ["probe/main.c"], [["probe/blackout-probe", "--help"]], "docs/probe.md",
     "man/blackout-probe.8"),
    ("blackout-analyze", ["analysis/main.c"], [["analysis/blackout-analyze", "--help"]],
     "docs/analyze.md", "man/blackout-analyze.1"),
    ("blackout-analyze compare", ["analysis/compare.c"],
     [["analysis/blackout-analyze", "compare", "--help"]], "docs/analyze.md",
     "man/blackout-analyze.1"),
    ("blackout-responder", ["responder/main.c"], [["responder/blackout-responder", "--help"]],
     "docs/responder.md", "man/blackout-responder.8"),
    ("blackout-lab", ["lab/main.c"], [["lab/blackout-lab", "--help"]], "docs/lab.md",
     "man/blackout-lab.8"),
]
all_opts = {}
failures, passed = [], 0
for name, files, helps, page, man in programs:
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
    # the man page's options as a reader sees them (roff writes a hyphen as \-)
    man_text = open(f"{src}/{man}").read().replace("\\-", "-")
    all_opts.setdefault(man, set()).update(opts | set(re.findall(r"--([a-z][a-z0-9-]*)", help_text)))
    for o in sorted(opts):
        for where, text in (("--help", help_text), (page, doc), (man, man_text)):
            if re.search(r"--" + re.escape(o) + r"\b", text):
                passed += 1
            else:
                failures.append(f"{name}: --{o} is missing from {where}")
# ...and no man page names an option its program lacks
for man, opts in all_opts.items():
    text = open(f"{src}/{man}").read()
    # examples show other programs' options (blackout-probe's, systemctl's): left out
    text = re.sub(r"\.SH EXAMPLES.*?(?=\.SH |\Z)|\.nf\n.*?\.fi\n", "", text, flags=re.S)
    text = text.replace("\\-", "-")
    for o in sorted(set(re.findall(r"(?<![a-z-])--([a-z][a-z0-9-]*)", text)) - opts):
        failures.append(f"{man}: --{o} is not an option of the program")
    passed += 1
for f in failures:
    print("FAIL  " + f)
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
