#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Wireshark's TWAMP-Test dissector reads our STAMP reflector packets field by field.

STAMP's unauthenticated reflector packet has TWAMP-Test's layout (RFC 8762 §4.3.1), with the
SSID where TWAMP has MBZ. The packet goes into a pcap as UDP from port 862; tshark decodes it
with `-d udp.port==862,twamp.test` and its fields must be the ones we wrote.
Usage: test_tshark_stamp.py PATH_TO_stamp_hex. Exit 77 when tshark is missing.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

if not shutil.which("tshark"):
    print("skipped: no tshark")
    sys.exit(77)
hexpkt = subprocess.check_output([sys.argv[1], "reflector", "7", "123456", "63"], text=True).strip()
payload = bytes.fromhex(hexpkt)
udp = struct.pack("!HHHH", 862, 50000, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                 bytes([192, 0, 2, 2]), bytes([192, 0, 2, 1])) + udp
frame = bytes.fromhex("020000000001 00155d000002 0800".replace(" ", "")) + ip
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "stamp.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        f.write(struct.pack("<IIII", 1700000000, 0, len(frame), len(frame)) + frame)
    out = subprocess.run(["tshark", "-r", path, "-d", "udp.port==862,twamp.test", "-T", "fields",
                          "-e", "twamp.test.seq_number", "-e", "twamp.test.sender_seq_number",
                          "-e", "twamp.test.sender_ttl", "-e", "twamp.test.error_estimate.s",
                          "-e", "twamp.test.receive_timestamp"],
                         capture_output=True, text=True)
fields = out.stdout.strip().split("\t")
print("tshark:", fields, out.stderr.strip())
# Two error estimates: the reflector's (synchronised, S=1) and the sender's (S=0). The receive
# time 0.4 s after 22:13:20 reads back as .399999999: NTP fractions are binary.
ok = len(fields) >= 5 and fields[0] == "7" and fields[1] == "123456" and fields[2] == "63" \
    and fields[3] == "1,0" and fields[4].startswith("Nov 14, 2023 22:13:20.39999999")
print(("ok    " if ok else "FAIL  ") +
      "seq 7, sender seq 123456, TTL 63, error estimates S=1,0, receive time 22:13:20.4")
sys.exit(0 if ok else 1)
