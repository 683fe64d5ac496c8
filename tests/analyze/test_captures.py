#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-analyze on captures made here, byte by byte, with known outages (no root needed).

Each case writes a pcap, runs the analyzer and checks its JSON and exit status:
  ping-gap       ping every 10 ms, replies missing for 3.00 s, a gratuitous ARP inside
  seq-wrap       70 000 pings: the 16-bit sequence wraps; one gap after the wrap
  linux-sll2     the same gap through a Linux cooked v2 capture of raw ICMP
  stamp          a foreign STAMP sender and reflector (port 862), replies missing for 2.0 s
  truncated      a capture cut in the middle of a packet: warning, report of what is there
  garbage        not a capture: a clear error and exit status 1
  brief-arp      one reply missing, the target's routine ARP request beside it: a loss, while
                 a gratuitous ARP there makes it a migration
  responder-away STAMP dark 0.5 s while the target's kernel answered every ping: a loss (the
                 responder restarted); with the pings dark too, or a gratuitous ARP, a migration;
                 STAMP dark to the capture's end (the responder stopped), a loss
Usage: test_captures.py PATH_TO_blackout-analyze
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

ANALYZE = sys.argv[1]
MS = 1_000_000
T0 = 1_700_000_000 * 1_000_000_000
TARGET = bytes([192, 0, 2, 2])
PROBER = bytes([192, 0, 2, 1])
MAC_T = bytes.fromhex("00155d000002")
MAC_P = bytes.fromhex("020000000001")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def echo(kind, ident, seq):
    body = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + b"blackout-test-payload-32-bytes.."
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def eth(src, dst, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def garp():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_T, TARGET, b"\0" * 6, TARGET)
    return eth(MAC_T, b"\xff" * 6, 0x0806, arp)


def sll2(ip):
    return struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, MAC_T + b"\0\0") + ip


def write_pcap(path, frames, linktype=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, linktype))  # ns magic
        for ts, data in frames:
            f.write(struct.pack("<IIII", ts // 1_000_000_000, ts % 1_000_000_000, len(data), len(data)))
            f.write(data)


def pings(n, lost, rtt=60_000, interval=10 * MS, garp_at=None, wrap_ident=0x1234, link="eth"):
    """Frames of n pings; replies to the sequence numbers in `lost` are missing."""
    frames = []
    for k in range(n):
        t = T0 + k * interval
        req = ipv4(PROBER, TARGET, 1, echo(8, wrap_ident, k & 0xFFFF))
        rep = ipv4(TARGET, PROBER, 1, echo(0, wrap_ident, k & 0xFFFF))
        if link == "eth":
            req, rep = eth(MAC_P, MAC_T, 0x0800, req), eth(MAC_T, MAC_P, 0x0800, rep)
        else:
            req, rep = sll2(req), sll2(rep)
        frames.append((t, req))
        if k not in lost:
            frames.append((t + rtt, rep))
        if garp_at == k:
            frames.append((t + 5 * MS, garp()))
    return frames


def analyze(path, *extra):
    p = subprocess.run([ANALYZE, "--quiet", "--json", "-", *extra, path], capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


def gap_case(name, frames, linktype, first_lost, last_lost, verdict=None):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name + ".pcap")
        write_pcap(path, frames, linktype)
        rc, j, err = analyze(path)
        check(rc == 0, f"{name}: exit status 0 (got {rc}; {err.strip()})")
        if not j:
            return None
        s = j["streams"]
        check(len(s) == 1, f"{name}: one stream (got {len(s)})")
        o = s[0]["outages"]
        check(len(o) == 1, f"{name}: one outage (got {len(o)})")
        if len(o) != 1:
            return j
        o = o[0]
        n = last_lost - first_lost + 1
        check(o["lost"] == n, f"{name}: {n} lost (got {o['lost']})")
        check(s[0]["interval_ns"] == 10 * MS, f"{name}: interval inferred 10 ms (got {s[0]['interval_ns']})")
        start_true = T0 + first_lost * 10 * MS - 5 * MS  # any instant between the probes works
        end_true = T0 + last_lost * 10 * MS + 5 * MS
        check(o["start_lo_ns"] < start_true <= o["start_hi_ns"], f"{name}: start inside its bounds")
        check(o["end_lo_ns"] < end_true <= o["end_hi_ns"], f"{name}: end inside its bounds")
        check(o["start_hi_ns"] - o["start_lo_ns"] == 10 * MS + 60_000, f"{name}: start bound = interval + RTT")
        check(o["duration_ns"] == n * 10 * MS, f"{name}: duration {n * 10} ms (got {o['duration_ns'] / MS} ms)")
        if verdict:
            check(j["verdict"]["verdict"] == verdict, f"{name}: verdict {verdict} (got {j['verdict']['verdict']})")
        return j


# A 3.0 s gap, resume (gratuitous ARP) 0.5 s into it: 2.5 s dark after resume -> normal quarantine.
j = gap_case("ping-gap", pings(1000, set(range(200, 500)), garp_at=250), 1, 200, 499, "quarantine-normal")
if j:
    check(j["verdict"]["resume_kind"] == "garp" and j["verdict"]["resume_label"] == "gratuitous ARP",
          "ping-gap: resume from the gratuitous ARP (code garp, its label beside it)")
    check(j["announcements"][0]["kind"] == "garp", "ping-gap: announcement listed as garp")

# 70 000 probes: sequence numbers wrap at 65 536; the gap comes after the wrap.
gap_case("seq-wrap", pings(70000, set(range(66000, 66100))), 1, 66000, 66099, "switchover-only")

# Linux cooked v2 (as `tcpdump -i any` writes), 3.0 s gap without any resume marker.
gap_case("linux-sll2", pings(600, set(range(100, 400)), link="sll2"), 276, 100, 399, "quarantine-normal")

def udp(src, dst, sport, dport, payload):
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def stamp_frames(n, lost, ssid=0x1234, interval=10 * MS, rtt=80_000):
    frames = []
    for k in range(n):
        t = T0 + k * interval
        req = struct.pack("!IQHH", k, 0, 0, ssid) + bytes(28)
        rep = struct.pack("!IQHHQIQHHB3x", k, 0, 0, ssid, 0, k, 0, 0, 0, 64)
        frames.append((t, eth(MAC_P, MAC_T, 0x0800, udp(PROBER, TARGET, 40000, 862, req))))
        if k not in lost:
            frames.append((t + rtt, eth(MAC_T, MAC_P, 0x0800, udp(TARGET, PROBER, 862, 40000, rep))))
    return frames


with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "stamp.pcap")
    write_pcap(path, stamp_frames(700, set(range(300, 500))))
    rc, j, err = analyze(path)
    s = j["streams"] if j else []
    check(rc == 0 and len(s) == 1 and s[0]["stream"] == "udp", f"stamp: one udp stream ({err.strip()})")
    if s:
        o = s[0]["outages"]
        check(len(o) == 1 and o[0]["lost"] == 200 and o[0]["duration_ns"] == 2000 * MS,
              f"stamp: 200 lost, 2.000 s ({[(x['lost'], x['duration_ns']) for x in o]})")

def ntp(ns):
    sec, frac = divmod(ns, 1_000_000_000)
    return ((sec + 2_208_988_800) << 32) | (frac << 32) // 1_000_000_000


def stamp_clock_frames(n, lost, offset_at, rtt_at, interval=10 * MS, ssid=0x2345):
    """A foreign STAMP session whose reflector clock is offset_at(k) from the prober's."""
    frames = []
    for k in range(n):
        t1 = T0 + k * interval
        rtt, hold = rtt_at(k), 10_000
        t2 = t1 + rtt // 2 + offset_at(k)
        req = struct.pack("!IQHH", k, ntp(t1), 0, ssid) + bytes(28)
        rep = struct.pack("!IQHHQIQHHB3x", k, ntp(t2 + hold), 0, ssid, ntp(t2), k, ntp(t1), 0, 0, 64)
        frames.append((t1, eth(MAC_P, MAC_T, 0x0800, udp(PROBER, TARGET, 40000, 862, req))))
        if k not in lost:
            frames.append((t1 + rtt + hold,
                           eth(MAC_T, MAC_P, 0x0800, udp(TARGET, PROBER, 862, 40000, rep))))
    return frames


# One target migrated twice; its clock steps at each (+50 ms, then +70 ms more). Each event's
# clock fit takes only the samples between its neighbours: the second is judged against the
# offset after the first, not the run's best sample from before it.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "two.pcap")
    lost = set(range(300, 500)) | set(range(1200, 1400))
    write_pcap(path, stamp_clock_frames(
        2000, lost, lambda k: 0 if k < 400 else 50 * MS if k < 1300 else 120 * MS,
        lambda k: 40_000 if k < 300 else 80_000))
    rc, j, err = analyze(path)
    ev = [e for e in (j or {}).get("migrations", []) if e["kind"] == "migration"]
    check(rc == 0 and len(ev) == 2, f"two-migrations: two events ({len(ev)})")
    steps = [round((e["clock"] or {}).get("step_ns", 0) / MS) for e in ev]
    check(steps == [50, 70] and all(e["clock"]["stepped"] for e in ev),
          f"two-migrations: each event's own clock step, 50 and 70 ms ({steps})")

# Fifty targets probed at once, each dark for 3.00 s at its own time (a host drained VM after VM):
# fifty events, and an HTML timeline a person can read (a row a target, each event framed).
with tempfile.TemporaryDirectory() as d:
    path, html = os.path.join(d, "fifty.pcap"), os.path.join(d, "fifty.html")
    frames = []
    for v in range(50):
        dst = bytes([192, 0, 2, 10 + v])
        for k in range(3000):  # 30 s at 10 ms
            t = T0 + k * 10 * MS + v * 100_000
            frames.append((t, eth(MAC_P, MAC_T, 0x0800, ipv4(PROBER, dst, 1, echo(8, 0x100 + v, k)))))
            if not 150 + 45 * v <= k < 450 + 45 * v:
                frames.append((t + 60_000, eth(MAC_T, MAC_P, 0x0800,
                                               ipv4(dst, PROBER, 1, echo(0, 0x100 + v, k)))))
    frames.sort(key=lambda f: f[0])
    write_pcap(path, frames)
    rc, j, err = analyze(path, "--html", html)
    ev = [e for e in (j or {}).get("migrations", []) if e["kind"] == "migration"]
    check(rc == 0 and len(ev) == 50 and len({e["target"] for e in ev}) == 50 and
          all(e["dark_ns"] == 3000 * MS for e in ev),
          f"fifty targets: fifty events, one each, 3.00 s dark ({len(ev)})")
    page = open(html).read() if os.path.exists(html) else ""
    svg = page[page.find("<svg"):page.find("</svg>")]
    height = int(svg.split('height="')[1].split('"')[0]) if svg else 0
    rows, boxes = svg.count('class="lbl"'), svg.count('class="evbox')
    check(rows == 50 and boxes == 50 and height < 1000,
          f"fifty targets: the timeline has a row a target and every event framed "
          f"({rows} rows, {boxes} events, {height} px)")

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "cut.pcap")
    write_pcap(path, pings(500, set(range(100, 200))))
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size - 30)  # inside the last packet
    rc, j, err = analyze(path)
    check(rc == 0, f"truncated: exit status 0 (got {rc})")
    check("truncated" in err or "warning" in err, f"truncated: a warning on stderr ({err.strip()!r})")
    check(j is not None and j["streams"][0]["outages"][0]["lost"] == 100, "truncated: the outage is still reported")
    check(j is not None and j["input"]["truncated"] is True, "truncated: input.truncated in the JSON")
    txt = subprocess.run([ANALYZE, path], capture_output=True, text=True).stdout
    check("CAPTURE CUT SHORT" in txt, "truncated: the text report says so")

    # An outage still open when the capture ended: "at least D" everywhere, and a
    # --max-blackout gate cannot pass on its partial figure (it did: 0.99 s < 1.5 s).
    path = os.path.join(d, "open.pcap")
    write_pcap(path, pings(1000, set(range(800, 1000))))
    rc, j, err = analyze(path)
    o = j["streams"][0]["outages"][-1] if j else {}
    # (lost from 8.00 s, no answer until the end at 9.99 s: lost up to the last probe sent more
    # than 10 ms before the end, 9.97 s, though the reply timeout of 1 s has not passed)
    check(o.get("at_least_ns") and 1960 * MS <= o["at_least_ns"] <= 1980 * MS,
          f"open outage: at least {o.get('at_least_ns', 0) / 1e9:.3f} s (first to last lost probe)")
    txt = subprocess.run([ANALYZE, path], capture_output=True, text=True).stdout
    check("at least 1.97 s (from its first lost probe to its last; no answer until the "
          "capture ended 1.99 s after it began)" in txt, "open outage: the text says at least")
    p = subprocess.run([ANALYZE, "-q", "--max-blackout", "1500ms", path], capture_output=True, text=True)
    check(p.returncode == 3 and "still dark when the capture ended (at least 1.97 s)" in p.stderr,
          f"open outage: --max-blackout 1500ms fails (exit {p.returncode}: {p.stderr.strip()})")
    p = subprocess.run([ANALYZE, "-q", "--fail-if", "anomalous,safety-timeout", path],
                       capture_output=True, text=True)
    check(p.returncode == 3 and "is anomalous" in p.stderr,
          f"--fail-if on one analysis: exit 3, the migration named ({p.stderr.strip()})")
    p = subprocess.run([ANALYZE, "-q", "--max-blackout", "10s", "--fail-if", "full-outage",
                        os.path.join(d, "cut.pcap")], capture_output=True, text=True)
    check(p.returncode == 0, f"gates passed: exit 0 (got {p.returncode})")

    junk = os.path.join(d, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(b"this is not a capture file at all\n" * 10)
    rc, j, err = analyze(junk)
    check(rc == 1, f"garbage: exit status 1 (got {rc})")
    check("blackout-analyze:" in err and "junk.pcap" in err, f"garbage: the error names the file ({err.strip()!r})")
    rc, j, err = analyze(os.path.join(d, "missing"))
    check(rc == 1 and "no such file" in err, f"missing input: exit 1 and says so ({err.strip()!r})")
    p = subprocess.run([ANALYZE, "--normal", "3"], capture_output=True, text=True)
    check(p.returncode == 2 and "unit" in p.stderr, f"bad duration: exit 2 and names units ({p.stderr.strip()!r})")

# A probe or two lost is a migration only if something else says so: a gratuitous ARP does,
# the target's routine ARP request (a host with many addresses sends them from one of them)
# does not.
def arp_request():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_T, TARGET, b"\0" * 6, PROBER)
    return eth(MAC_T, b"\xff" * 6, 0x0806, arp)


def expect_one(name, frames, kind):
    """Analyse frames (sorted here) as NAME.pcap: one event, of KIND."""
    frames.sort(key=lambda f: f[0])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name + ".pcap")
        write_pcap(path, frames)
        rc, j, err = analyze(path)
        kinds = [m["kind"] for m in (j or {}).get("migrations", [])]
        check(rc == 0 and kinds == [kind], f"{name}: one event, a {kind} ({kinds}; {err.strip()})")


for name, extra, kind in (("brief-arp", arp_request, "loss"), ("brief-garp", garp, "migration")):
    frames = pings(600, {300})
    frames.append((T0 + 300 * 10 * MS + 3 * MS, extra()))
    expect_one(name, frames, kind)

# The responder away (restarted): only its STAMP stream dark while the kernel answered every
# ping of the same target is no migration; a migration's pause darkens the pings as well, and
# an announcement says migration whatever went dark.
# The responder stopped for good: its STAMP dark to the capture's end (a frame or two of
# something else after the last probes), the pings answered to the last.
for name, ping_lost, garp_at, stamp_lost, kind in (
        ("responder-away", set(), None, range(300, 350), "loss"),
        ("all-dark", set(range(300, 350)), None, range(300, 350), "migration"),
        ("responder-away-garp", set(), 310, range(300, 350), "migration"),
        ("responder-stopped", set(), None, range(300, 700), "loss")):
    frames = pings(700, ping_lost, garp_at=garp_at) + stamp_frames(700, set(stamp_lost))
    frames.append((T0 + 7700 * MS, arp_request()))
    expect_one(name, frames, kind)

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
