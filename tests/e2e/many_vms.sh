#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: one probe against five simulated VMs migrated one after another (two hit the
# safety timeout, one the normal quarantine, one is fixed, one goes fully dark, the first is
# migrated twice); every migration event's windows, verdict and record are checked against the
# lab's truth (check_events.py), the Prometheus textfile with promtool.
# Usage: many_vms.sh BUILD_DIR. Exit 77 (skipped) without root or network namespaces.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
run=$(mktemp -d /tmp/blackout-many-XXXXXX)
[ -n "${BLACKOUT_KEEP:-}" ] && echo "run directory kept: $run" || trap 'rm -rf "$run"' EXIT
"$build/lab/blackout-lab" run safety-timeout --run "$run" --lead 2s --tail 2s --gap 1s \
  --plan 0:safety-timeout,1:normal,2:kb-fixed,3:safety-timeout,4:full-outage,0:kb-fixed -- \
  sh -c "exec '$build/probe/blackout-probe' --quiet --run '$run' --interval 10ms \
    --streams icmp,udp,tcp-syn,tcp-est \$BLACKOUT_TARGETS"
"$build/analysis/blackout-analyze" --records "$run/records.jsonl" --prom "$run/blackout.prom" \
  "$run" | sed -n '2,12p'
python3 "$here/check_events.py" "$run" "$run/records.jsonl"
if command -v promtool >/dev/null; then
  promtool check metrics < "$run/blackout.prom"
  grep -q 'blackout_migrations_total{verdict="quarantine-safety-timeout"} 2' "$run/blackout.prom"
  echo "ok    promtool accepts the textfile; two safety timeouts counted"
fi
