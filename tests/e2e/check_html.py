#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTML report of a lab run, rendered by headless Chromium to PNGs 900 and 1600 pixels wide
and looked at by numbers: the page is self-contained (no script, nothing fetched), its SVG has
the stream rows, the outage bounds, the resume marker, the +3 s / +7 s reference lines and the
time of day under the seconds; at both widths the picture fits the window (it scales) and
shows answered (blue) and lost (vermillion, the pause reddish purple) bands in about the
proportion the analysis reports (by time), the bounds (yellow) and tcp-est's stalls (orange)
visible. The colours are Okabe and Ito's, told apart with every common colour blindness.
Usage: check_html.py RUN_DIR [PNG_OUT_PREFIX]. Exit 77 without chromium."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

run = sys.argv[1]
prefix = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tempfile.mkdtemp(), "report")
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
import re
svg_tag = re.search(r"<svg[^>]*>", html)
check(svg_tag and "viewBox=" in svg_tag.group(0) and " width=" not in svg_tag.group(0),
      "the picture scales to the window (a viewBox, no fixed width)")
check(len(re.findall(r'class="tick"[^>]*>\d\d:\d\d:\d\d', html)) >= 5 and
      "time of day" in html, "the time of day under the seconds")

chrome = shutil.which("chromium") or shutil.which("chromium-browser")
if not chrome:
    print("skipped: no chromium")
    sys.exit(77 if not failures else 1)
pngs = {}
for width in (900, 1600):
    pngs[width] = f"{prefix}-{width}.png"
    subprocess.run([chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},1000", "--screenshot=" + pngs[width],
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


COLOURS = {"answered": (0x00, 0x72, 0xb2), "lost": (0xd5, 0x5e, 0x00),
           "pause": (0xcc, 0x79, 0xa7), "bound": (0xf0, 0xe4, 0x42), "stall": (0xe6, 0x9f, 0x00)}
span = a["input"]["last_ns"] - a["input"]["first_ns"]
# Probes come faster during an outage, so compare time, not counts: the outages' share of the
# streams' rows (tcp-est has stalls, not outages).
rows_n = len([s for s in a["streams"] if s["stream"] != "tcp-est"])
dark = sum(o["duration_ns"] for s in a["streams"] for o in s["outages"])
want = dark / max(1, span * rows_n)
for width, png in pngs.items():
    check(os.path.exists(png), f"Chromium rendered {png}")
    if not os.path.exists(png):
        continue
    w, h, bpp, rows = read_png(png)
    count = {k: 0 for k in COLOURS}
    right = 0
    for r in rows:
        for i in range(0, w * bpp, bpp):
            px = tuple(r[i:i + 3])
            for k, c in COLOURS.items():
                if px == c:
                    count[k] += 1
                    if k == "answered":
                        right = max(right, i // bpp)
    lost = count["lost"] + count["pause"]
    share = lost / max(1, lost + count["answered"])
    check(w == width and right < width - 10 and right > width * 0.7,
          f"{width} px: the picture fits the window (its bands end at x = {right})")
    check(count["answered"] > 2000 and count["lost"] > 2000,
          f"{width} px: answered and lost bands visible ({count['answered']} blue, "
          f"{count['lost']} vermillion, {count['pause']} pause pixels)")
    check(abs(share - want) < 0.15,
          f"{width} px: lost share of the bands {share:.2f} ~ the outages' share of the time {want:.2f}")
    check(count["bound"] > 30, f"{width} px: outage bounds visible ({count['bound']} yellow pixels)")
    if any(s["stream"] == "tcp-est" and (s.get("tcp") or {}).get("stalls") for s in a["streams"]):
        check(count["stall"] > 30, f"{width} px: tcp-est's stalls drawn ({count['stall']} orange pixels)")
sys.exit(1 if failures else 0)
