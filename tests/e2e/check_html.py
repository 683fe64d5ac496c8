#!/usr/bin/env python3
"""The HTML report of a lab run, rendered by headless Chromium to a PNG and looked at by
numbers: the page is self-contained (no script, nothing fetched), its SVG has the stream
rows, the outage bounds, the resume marker and the +3 s / +7 s reference lines, and the
picture shows answered (green) and lost (red) bands in about the proportion the analysis
reports (by time). Usage: check_html.py RUN_DIR [PNG_OUT]. Exit 77 without chromium."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

run = sys.argv[1]
png = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tempfile.mkdtemp(), "report.png")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


html = open(os.path.join(run, "report.html")).read()
a = json.load(open(os.path.join(run, "analysis.json")))
check("<script" not in html and "src=" not in html and "href=" not in html,
      "self-contained: no script, nothing fetched")
check(html.count('class="lbl"') == len(a["streams"]), f"a row per stream ({len(a['streams'])})")
check('class="lost"' in html and 'class="bound"' in html, "lost bands and outage bounds drawn")
check("safety timeout</text>" in html and "normal</text>" in html, "+3 s and +7 s reference lines")
check('class="resume"' in html, "the resume marker")

chrome = shutil.which("chromium") or shutil.which("chromium-browser")
if not chrome:
    print("skipped: no chromium")
    sys.exit(77 if not failures else 1)
subprocess.run([chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1260,760", "--screenshot=" + png,
                "file://" + os.path.abspath(os.path.join(run, "report.html"))],
               capture_output=True, timeout=120)


def read_png(path):
    """Width, height and rows of RGB(A) bytes of an 8-bit PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4}[color]
            assert depth == 8
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, ul = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + left) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


check(os.path.exists(png), f"Chromium rendered {png}")
if os.path.exists(png):
    w, h, bpp, rows = read_png(png)
    count = {"green": 0, "red": 0, "orange": 0}
    for r in rows:
        for i in range(0, w * bpp, bpp):
            px = r[i:i + 3]
            if px == b"\x43\xa0\x47":
                count["green"] += 1
            elif px == b"\xe5\x39\x35":
                count["red"] += 1
            elif px[0] > 240 and 180 < px[1] < 215 and px[2] < 130:
                count["orange"] += 1
    check(w >= 1200 and h >= 300, f"picture {w}x{h}")
    # Probes come faster during an outage, so compare time, not counts: the outages' share
    # of the streams' rows.
    span = a["input"]["last_ns"] - a["input"]["first_ns"]
    dark = sum(o["duration_ns"] for s in a["streams"] for o in s["outages"])
    share = count["red"] / max(1, count["red"] + count["green"])
    want = dark / max(1, span * len(a["streams"]))
    check(count["green"] > 5000 and count["red"] > 5000,
          f"answered and lost bands visible ({count['green']} green, {count['red']} red pixels)")
    check(abs(share - want) < 0.15, f"red share of the bands {share:.2f} ~ the outages' share of the time {want:.2f}")
    check(count["orange"] > 50, f"outage bounds visible ({count['orange']} orange pixels)")
sys.exit(1 if failures else 0)
