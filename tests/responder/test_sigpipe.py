#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""blackout-responder survives peers that close while it writes to them (SIGPIPE): an echo
client that sends 2 MB and closes without reading, and an event subscriber that closes at once,
each repeated; afterwards the responder still reflects STAMP, echoes and serves events.
Usage: test_sigpipe.py PATH_TO_blackout-responder"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from started import wait_started  # noqa: E402

BIN = sys.argv[1]
failures = []
passed = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    (passed if ok else failures).append(what)


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


udp, tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
d = tempfile.mkdtemp()
p = subprocess.Popen([BIN, "--port", str(udp), "--tcp-port", str(tcp),
                      "--log", os.path.join(d, "r.jsonl")],
                     stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
wait_started(p, os.path.join(d, "r.jsonl"))


def rude_echo():
    c = socket.create_connection(("127.0.0.1", tcp))
    c.sendall(b"BLACKOUT/1 echo\n")
    c.settimeout(2)
    try:
        c.sendall(b"x" * (2 << 20))
    except OSError:
        pass
    c.close()  # the echo of what is still queued goes to a closed socket


def rude_events():
    c = socket.create_connection(("127.0.0.1", tcp))
    c.sendall(b"BLACKOUT/1 events 0\n")
    c.close()  # the next clock events (every 100 ms) go to a closed socket


for i in range(5):
    rude_echo()
    rude_events()
    time.sleep(0.4)
    if p.poll() is not None:
        break
time.sleep(0.3)
check(p.poll() is None, "responder alive after 5 rude echo and 5 rude event clients (exit %r)"
      % p.poll())

if p.poll() is None:
    # still answering: one STAMP probe, one echo, one event line
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(struct.pack("!I", 7) + bytes(40), ("127.0.0.1", udp))
    try:
        rep = s.recv(2048)
        check(len(rep) == 44 and struct.unpack("!I", rep[24:28])[0] == 7,
              "STAMP still reflected")
    except socket.timeout:
        check(False, "STAMP still reflected")
    c = socket.create_connection(("127.0.0.1", tcp))
    c.settimeout(2)
    c.sendall(b"BLACKOUT/1 echo\nhello")
    got = b""
    try:
        while len(got) < 5:
            got += c.recv(100)
    except socket.timeout:
        pass
    check(got == b"hello", "echo still works (%r)" % got)
    c.close()
    c = socket.create_connection(("127.0.0.1", tcp))
    c.settimeout(2)
    c.sendall(b"BLACKOUT/1 events 0\n")
    try:
        line = c.recv(65536).split(b"\n")[0]
    except socket.timeout:
        line = b""
    check(b'"start"' in line, "event channel still serves the start event")
    c.close()
    p.terminate()
    p.wait(5)
else:
    p.kill()
print("%d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
