#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: five lab migrations with the quarantine safety timeout and five with the fix
# (kb-fixed), each measured by blackout-probe; `blackout-analyze compare` must conclude that
# the fix is effective (0/5 against 5/5, rank test p < 0.01), pass the gate on the fixed group
# and fail it (exit 3) when the groups are swapped. Usage: compare.sh BUILD_DIR
# Exit 77 (skipped) without root or network namespaces.
set -euo pipefail
build=$1
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
dir=$(mktemp -d /tmp/blackout-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for scenario in safety-timeout kb-fixed; do
  for i in 1 2 3 4 5; do
    "$build/lab/blackout-lab" run "$scenario" --run "$dir/$scenario-$i" --lead 1s --tail 1s \
      -- "$build/probe/blackout-probe" --quiet --run "$dir/$scenario-$i" \
      --interval 10ms --streams icmp,udp-new --no-events 192.0.2.2 2>/dev/null
  done
done
out=$("$build/analysis/blackout-analyze" compare --fail-if safety-timeout --json "$dir/c.json" \
  --html "$dir/c.html" --group before "$dir"/safety-timeout-* --group after "$dir"/kb-fixed-*)
echo "$out"
python3 - "$dir/c.json" "$dir/c.html" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
fails = 0
def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok
g = {x["label"]: x for x in j["groups"]}
check(g["before"]["verdicts"]["quarantine-safety-timeout"] == 5, "before: 5/5 safety timeout")
check(g["after"]["verdicts"]["quarantine-safety-timeout"] == 0, "after: 0/5 safety timeout")
check(j["conclusion"].startswith("fix effective"), "conclusion: " + j["conclusion"])
check(j["p_value"] is not None and j["p_value"] < 0.01, f"rank test p = {j['p_value']}")
html = open(sys.argv[2]).read()
check(html.count("<path") == 2, "the HTML has a CDF per group")
sys.exit(1 if fails else 0)
PY
rc=0
"$build/analysis/blackout-analyze" compare -q --fail-if safety-timeout \
  --group after "$dir"/kb-fixed-* --group before "$dir"/safety-timeout-* 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] && echo "ok    the gate fails (exit 3) when the last group hit the timeout" || {
  echo "FAIL  gate exit $rc, want 3"; exit 1; }
