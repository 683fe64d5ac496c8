#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An oracle for a capture of pings, written apart from the analyzer and sharing none of its
rules: every ICMP echo request in the file is a probe; probes are taken in the order of their
timestamps (whatever the order of the records; a record identical to another in time and
bytes is one packet captured twice); a probe is answered when a reply with its
identifier and its 16-bit sequence number, as on the wire, follows it within the reply timeout
and is not claimed by a later request of the same number first. Prints, per (target,
identifier), the requests, the answered, and the longest run of unanswered probes with the
time from the last answered probe before it to the first answered after it (None when the
capture ends first). Reads pcap (both magics, both byte orders) and Ethernet, Linux cooked
(v1, v2) and raw IP link types.
Usage: oracle.py CAPTURE [TIMEOUT_S] -> JSON on standard output"""
import json
import struct
import sys

ETH, RAW, SLL, SLL2, RAW_IP = 1, 101, 113, 276, 12


def records(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file (pcapng: convert with editcap -F pcap)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            return
        yield sec * 1_000_000_000 + (frac if nano else frac * 1000), link, data[off:off + incl]
        off += incl


def ip_of(link, frame):
    """The IP packet in a frame, or None."""
    if link == ETH:
        if len(frame) < 14:
            return None
        et, p = struct.unpack("!H", frame[12:14])[0], 14
        if et == 0x8100 and len(frame) >= 18:
            et, p = struct.unpack("!H", frame[16:18])[0], 18
        return frame[p:] if et in (0x0800, 0x86DD) else None
    if link == SLL:
        return frame[16:] if len(frame) >= 16 and frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if link == SLL2:
        return frame[20:] if len(frame) >= 20 and frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if link in (RAW, RAW_IP):
        return frame
    return None


def echo_of(ip):
    """(is_request, target, identifier, sequence) of an ICMP/ICMPv6 echo, or None."""
    if len(ip) < 1:
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 1 or len(ip) < ihl + 8:
            return None
        t, icmp, src, dst = ip[ihl], ip[ihl:], ip[12:16], ip[16:20]
        req, rep = t == 8, t == 0
    elif ip[0] >> 4 == 6 and len(ip) >= 48:
        if ip[6] != 58:
            return None
        t, icmp, src, dst = ip[40], ip[40:], ip[8:24], ip[24:40]
        req, rep = t == 128, t == 129
    else:
        return None
    if not (req or rep):
        return None
    ident, seq = struct.unpack("!HH", icmp[4:8])
    return req, (dst if req else src).hex(), ident, seq


def main():
    path = sys.argv[1]
    timeout = int(float(sys.argv[2]) * 1e9) if len(sys.argv) > 2 else 1_000_000_000
    pkts, seen = [], set()
    for ts, link, frame in records(path):
        if (ts, frame) in seen:  # one packet in two captures joined into one file
            continue
        seen.add((ts, frame))
        ip = ip_of(link, frame)
        e = ip and echo_of(ip)
        if e:
            pkts.append((ts, e))
    pkts.sort(key=lambda x: x[0])  # stable: records with one time keep their order
    flows = {}
    for ts, (req, target, ident, seq) in pkts:
        f = flows.setdefault((target, ident), {"probes": [], "open": {}})
        if req:
            f["probes"].append([ts, None])
            f["open"][seq] = len(f["probes"]) - 1  # a reply goes to the latest request of its number
        else:
            i = f["open"].get(seq)
            if i is not None and f["probes"][i][1] is None and ts - f["probes"][i][0] <= timeout:
                f["probes"][i][1] = ts
                del f["open"][seq]
    out = []
    for (target, ident), f in flows.items():
        p = f["probes"]
        best, run, start = (0, None, None), 0, None
        for i, (ts, rep) in enumerate(p):
            if rep is None:
                if not run:
                    start = i
                run += 1
                if run > best[0]:
                    best = (run, start, i)
            else:
                run = 0
        dark = None
        if best[0]:
            before = next((p[k][0] for k in range(best[1] - 1, -1, -1) if p[k][1]), None)
            after = next((p[k][0] for k in range(best[2] + 1, len(p)) if p[k][1]), None)
            if before is not None and after is not None:
                dark = after - before
        out.append({"target": target, "icmp_id": ident, "requests": len(p),
                    "answered": sum(1 for x in p if x[1] is not None),
                    "longest_lost_run": best[0], "longest_dark_ns": dark,
                    "first_ns": p[0][0] if p else None, "last_ns": p[-1][0] if p else None})
    out.sort(key=lambda x: -x["requests"])
    json.dump({"packets": len(pkts), "flows": out}, sys.stdout, indent=1)
    print()


main()
