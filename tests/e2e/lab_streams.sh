#!/usr/bin/env bash
# End-to-end: a lab migration measured by blackout-probe (all six streams every 10 ms;
# blackout-responder, started by the lab in the VM, reflects STAMP and reports guest events),
# analysed, and each new-flow stream's analysis compared with the lab's ground truth (tcp-est,
# whose frames are delayed rather than lost, is checked for frames echoed); for safety-timeout also
# the guest events (check_guest.py). Over IPv6 (TARGET 2001:db8::2) the resume marker is the
# lab's unsolicited neighbour advertisement. Usage: lab_streams.sh BUILD_DIR SCENARIO [TARGET]
# Exit 77 (skipped) without root or network namespaces.
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
  "$build/probe/blackout-probe" --quiet --run "$run" --interval 10ms --streams icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est "$target"
"$build/analysis/blackout-analyze" "$run"
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
