#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the analyzer's worst inputs as pcap files (bench/hostile.sh, tests/analyze): ping
flows with every ICMP identifier to one host (a walk per packet made these quadratic), and ping
flows to many hosts (more streams than the analyzer keeps).
Usage: hostile_pcap.py ids|hosts OUT.pcap [N]"""
import struct
import sys

kind, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 65536


def ip4(src, dst, payload, proto=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst)
    return h + payload


def echo(t, ident, seq):
    return struct.pack("!BBHHH", t, 0, 0, ident, seq) + b"x" * 32


with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # raw IPv4
    me = bytes([198, 18, 0, 1])
    for i in range(n):
        if kind == "ids":
            target, ident = bytes([198, 18, 1, 1]), i & 0xffff
        else:
            target, ident = bytes([198, 19, (i >> 8) & 0xff, i & 0xff]), 7
        for k, (src, dst, t) in enumerate(((me, target, 8), (target, me, 0))):
            pkt = ip4(src, dst, echo(t, ident, 1))
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000 + k,
                                len(pkt), len(pkt)) + pkt)
