#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a lab migration measured by blackout-probe (all six streams every 10 ms;
# blackout-responder, started by the lab in the VM, reflects STAMP and reports guest events),
# analysed, and each new-flow stream's analysis compared with the lab's ground truth (tcp-est,
# whose frames are delayed rather than lost, is checked for frames echoed); for safety-timeout also
# the guest events (check_guest.py). Over IPv6 (TARGET 2001:db8::2) the resume marker is the
# lab's unsolicited neighbour advertisement. TX=batch (or single) sets the probe's --tx; with
# batch the run must say it batched, and tshark must find every udp and icmp request's checksum
# right (the probe computes those of batched udp itself).
# Usage: lab_streams.sh BUILD_DIR SCENARIO [TARGET]. Exit 77 (skipped) without root or network
# namespaces.
set -euo pipefail
build=$1 scenario=$2 target=${3:-192.0.2.2}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
trap 'rm -rf "$run"' EXIT
"$build/lab/blackout-lab" run "$scenario" --run "$run" --lead 1500ms --tail 2s \
  -- \
  "$build/probe/blackout-probe" --quiet --run "$run" --interval 10ms --tx "${TX:-auto}" \
  --streams icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est "$target"
"$build/analysis/blackout-analyze" "$run"
if [ "${TX:-}" = batch ]; then
  python3 - "$run/probe.jsonl" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
head = next(r for r in log if r["type"] == "header")
end = next(r for r in log if r["type"] == "end")
tx = end["tx"]
ok = head["config"]["tx"] == "batch" and tx["mode"] == "batch" and tx["batched_probes"] > 1000
print(("ok    " if ok else "FAIL  ") + f"batched: {tx}")
sys.exit(0 if ok else 1)
PY
  # tshark's checksum verdicts on the probe's own requests: every icmp echo, and every udp
  # datagram of the fixed-port udp stream (the ports with many requests; udp-new's datagrams,
  # a port each, come from the kernel through an offloading veth, their checksums filled in
  # after the capture saw them).
  tshark -r "$run/probe.pcap" -o udp.check_checksum:TRUE -T fields -e udp.srcport \
    -e udp.checksum.status -e icmp.checksum.status \
    -Y '(udp.dstport == 862) || icmp.type == 8 || icmpv6.type == 128' 2>/dev/null |
    python3 -c '
import collections, sys
udp, icmp_bad, icmp = collections.defaultdict(collections.Counter), 0, 0
for line in sys.stdin:
    port, ustat, istat = (line.rstrip("\n").split("\t") + ["", "", ""])[:3]
    if port:
        udp[port][ustat] += 1
    elif istat:
        icmp += 1
        icmp_bad += istat != "1"
fixed = {p: c for p, c in udp.items() if sum(c.values()) > 50}
good = sum(c["1"] for c in fixed.values())
bad = sum(sum(c.values()) - c["1"] for c in fixed.values())
ok = fixed and bad == 0 and good > 500 and icmp > 500 and icmp_bad == 0
print(("ok    " if ok else "FAIL  ") + f"tshark: {good} udp requests of {len(fixed)} fixed ports with a "
      f"good checksum, {bad} not; {icmp - icmp_bad} of {icmp} icmp echoes good")
sys.exit(0 if ok else 1)'
fi
for stream in icmp icmp-new udp udp-new tcp-syn; do
  python3 "$here/check_truth.py" "$run/analysis.json" "$run/lab.jsonl" "$stream"
done
python3 - "$run/analysis.json" <<'PY'
import json, sys
est = [s for s in json.load(open(sys.argv[1]))["streams"] if s["stream"] == "tcp-est"][0]
# The established flow passes the quarantine: its frames are held up by the pause and TCP's
# retransmission back-off, not dropped for 7 s: every frame echoed, and a stall at the pause.
stalls = (est.get("tcp") or {}).get("stalls") or []
ok = est["sent"] > 100 and est["answered"] + est["unresolved"] >= est["sent"] - 2 and \
    any(st["max_delay_ns"] >= 250_000_000 for st in stalls)
print(("ok    " if ok else "FAIL  ") + f"tcp-est: {est['sent']} frames, {est['answered']} echoed, "
      f"{est['lost']} lost; stalls {[round(st['max_delay_ns'] / 1e6) for st in stalls]} ms")
sys.exit(0 if ok else 1)
PY
[[ "$target" == *:* ]] || python3 "$here/check_phases.py" "$run" "$scenario"
# The guest's own account of the hosts: the lab's KVP pool file, rewritten at the resume, read
# by the VM's responder (--kvp), put by the analyzer beside the migration and into the records.
"$build/analysis/blackout-analyze" -q --no-write --records "$run/records.jsonl" "$run"
python3 - "$run/analysis.json" "$run/records.jsonl" "$target" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
rec = [json.loads(l) for l in open(sys.argv[2])]
mig = [m for m in a["migrations"] if m["kind"] == "migration" and m["target"] == sys.argv[3]]
gh = mig[0]["guest_host"] if mig else None
r = [x for x in rec if x.get("target") == sys.argv[3]]
ok = gh is not None and gh["from"] == "lab-host-a" and gh["to"] == "lab-host-b" and \
    r and r[0]["source_host"] == "lab-host-a" and r[0]["destination_host"] == "lab-host-b"
print(("ok    " if ok else "FAIL  ") + f"guest_host {gh}; records "
      f"{[(x['source_host'], x['destination_host']) for x in r]}")
sys.exit(0 if ok else 1)
PY
if [[ "$target" == *:* ]]; then
  python3 - "$run/analysis.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["verdict"]
ok = v["resume_kind"] == "na" and v["resume_label"] == "unsolicited NA"
print(("ok    " if ok else "FAIL  ") + f"resume marker over IPv6: {v['resume_kind']}")
sys.exit(0 if ok else 1)
PY
fi
# The guest's side (the lab starts blackout-responder with capture and heartbeat).
if [ "$scenario" = safety-timeout ] && [[ "$target" != *:* ]]; then
  python3 "$here/check_guest.py" "$run"
  # The HTML report, rendered by Chromium and checked by its pixels (77: no chromium).
  rc=0; python3 "$here/check_html.py" "$run" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit "$rc"
fi
