#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The Windows guest's installer, checked without PowerShell (Debian has none): its tokens
balance (brackets outside strings, comments and here-strings; strings closed), no line
continues with a backtick followed by a blank (PowerShell then ends the statement there),
every parameter is documented in its comment-based help and in README-Windows.txt uses only
parameters it has, and every blackout-responder option it passes is one the responder has.
With a zip (scripts/build-windows.sh's), also what the zip holds.
Usage: test_ps1.py SOURCE_DIR RESPONDER [ZIP]"""
import re
import subprocess
import sys
import zipfile

src, responder = sys.argv[1], sys.argv[2]
ps1 = open(f"{src}/packaging/windows/Install-BlackoutResponder.ps1").read()
facts = open(f"{src}/packaging/windows/Get-BlackoutHostFacts.ps1").read()
readme = open(f"{src}/packaging/windows/README-Windows.txt").read()
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def tokens_balance(text):
    """PowerShell's lexical structure, as far as brackets and strings go."""
    stack, i, n, line = [], 0, len(text), 1
    pairs = {"(": ")", "{": "}", "[": "]"}
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        if text.startswith("<#", i):
            j = text.find("#>", i + 2)
            if j < 0:
                return f"line {line}: block comment not closed"
            line += text.count("\n", i, j)
            i = j + 2
            continue
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith(('@"', "@'"), i) and text[i + 2:i + 3] in ("\n", "\r"):
            end = "\n" + text[i + 1] + "@"
            j = text.find(end, i + 2)
            if j < 0:
                return f"line {line}: here-string not closed"
            line += text.count("\n", i, j + 1)
            i = j + 3
            continue
        if c == "'":
            j = i + 1
            while True:
                j = text.find("'", j)
                if j < 0:
                    return f"line {line}: single-quoted string not closed"
                if text[j + 1:j + 2] == "'":
                    j += 2
                    continue
                break
            line += text.count("\n", i, j)
            i = j + 1
            continue
        if c == '"':
            j, depth = i + 1, 0
            while j < n:
                if text[j] == "`":
                    j += 2
                    continue
                if text.startswith("$(", j):
                    depth += 1
                    j += 2
                    continue
                if depth and text[j] == ")":
                    depth -= 1
                elif not depth and text[j] == '"':
                    break
                j += 1
            if j >= n:
                return f"line {line}: double-quoted string not closed"
            line += text.count("\n", i, j)
            i = j + 1
            continue
        if c == "`":
            i += 2
            continue
        if c in pairs:
            stack.append((pairs[c], line))
        elif c in ")}]":
            if not stack or stack[-1][0] != c:
                return f"line {line}: unbalanced {c!r}"
            stack.pop()
        i += 1
    return f"line {stack[-1][1]}: not closed" if stack else None


for name, text in (("Install-BlackoutResponder.ps1", ps1), ("Get-BlackoutHostFacts.ps1", facts)):
    err = tokens_balance(text)
    check(err is None, f"{name}: brackets and strings balance{'' if err is None else ': ' + err}")
    bad = [k + 1 for k, l in enumerate(text.splitlines()) if re.search(r"`[ \t]+$", l)]
    check(not bad, f"{name}: no backtick continuation followed by a blank {bad or ''}")
    check(text.isascii(), f"{name}: ASCII only (PowerShell 5.1 reads a BOM-less file as ANSI)")
# the host facts script writes the fields the analyzer reads (analysis/host.c)
for field in ("type = 'host'", "send_lm_network_change_indication", "fixed =", "logged_by",
              "downtime_ns", "end_ns", "20415, 20417"):
    check(field in facts, f"Get-BlackoutHostFacts.ps1 writes {field}")
block = re.search(r"\bparam\((.*?)\n\)", ps1, re.S)
params = re.findall(r"\$(\w+)\s*(?:=|,|$)", block.group(1), re.M) if block else []
check(len(params) >= 6, f"a param block: {', '.join(params)}")
helped = set(re.findall(r"^\.PARAMETER (\w+)", ps1, re.M))
for p in ("ProbeAddress", "Capture", "Heartbeat", "KeyPath", "Uninstall", "Purge"):
    check(p in helped, f"-{p} documented in the comment-based help")
# (other commands' parameters on their lines are theirs, and a quoted command's its own)
script_lines = "\n".join(re.sub(r'"[^"]*"', "", l) for l in readme.splitlines()
                         if "Set-ExecutionPolicy" not in l and "Get-BlackoutHostFacts" not in l)
for p in set(re.findall(r"(?<![\w-])-([A-Z]\w+)", script_lines)):
    check(p in params, f"README-Windows.txt's -{p} is a parameter of the script")
help_text = subprocess.run([responder, "--help"], capture_output=True, text=True).stdout
opts = set(re.findall(r"--([a-z][a-z0-9-]*)", help_text))
used = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", ps1))
check(used and used <= opts, f"the responder options it passes exist: {', '.join(sorted(used))}"
      + (f" (unknown: {', '.join(sorted(used - opts))})" if used - opts else ""))
if len(sys.argv) > 3:
    names = sorted(n.split("/", 1)[1] for n in zipfile.ZipFile(sys.argv[3]).namelist() if "/" in n
                   and not n.endswith("/"))
    want = ["Get-BlackoutHostFacts.ps1", "Install-BlackoutResponder.ps1", "LICENSE.txt",
            "README-Windows.txt", "blackout-analyze.exe", "blackout-probe.exe",
            "blackout-responder.exe"]
    check(names == want, f"the zip holds {', '.join(names)}")
print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
