#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The licence wherever a packager looks: LICENSE at the root is the Apache License 2.0, every
source file (C, shell, Python, CMake, PowerShell, roff, the unit and its options, the
maintainer scripts) names it with an SPDX line among its first three, the Debian copyright file
is machine-readable and names it, the README's last section says it.
Usage: test_license.py SOURCE_DIR"""
import os
import re
import subprocess
import sys

src = sys.argv[1]
TAG = "SPDX-License-Identifier: Apache-2.0"
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def is_source(path):
    name = os.path.basename(path)
    if name.endswith((".c", ".h", ".sh", ".py", ".cmake", ".ps1", ".in", ".default",
                      ".bash-completion", ".def")) or name == "CMakeLists.txt":
        return True
    if re.search(r"\.[158]$", name):
        return True
    return path in ("scripts/host-events-libvirt", ".ci/run") or (
        path.startswith("packaging/debian/responder/") and name != "conffiles")


try:
    files = subprocess.run(["git", "-C", src, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
except (OSError, subprocess.CalledProcessError):
    files = [os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src)
             if "/build" not in d and "/.git" not in d for f in fs]
sources = [f for f in files if is_source(f)]
missing = []
for f in sources:
    with open(os.path.join(src, f), errors="replace") as fh:
        head = [fh.readline() for _ in range(3)]
    if not any(TAG in l for l in head):
        missing.append(f)
check(len(sources) > 200 and not missing,
      f"{len(sources)} source files name {TAG} in their first lines"
      + (f"; not: {', '.join(missing[:10])}" if missing else ""))
lic = open(os.path.join(src, "LICENSE")).read()
check("Apache License" in lic and "Version 2.0, January 2004" in lic and
      "END OF TERMS AND CONDITIONS" in lic, "LICENSE holds the Apache License 2.0's full text")
cp = open(os.path.join(src, "packaging/debian/copyright")).read()
check(cp.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
      and re.search(r"^License: Apache-2\.0$", cp, re.M) is not None
      and "/usr/share/common-licenses/Apache-2.0" in cp,
      "debian/copyright: machine-readable, License: Apache-2.0, the common-licenses path")
readme = open(os.path.join(src, "README.md")).read()
last = readme.rsplit("\n## ", 1)[-1]
check(last.startswith("Licence") and "Apache License 2.0" in last,
      f"the README's last section is the licence: {last.splitlines()[0]!r}")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
