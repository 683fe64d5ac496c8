#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end against a real hypervisor, nobody telling the probe when: blackout-probe --watch
# beside a QEMU guest that blackout-lab migrates live three times (the guest agent's 7 s
# quarantine, the same agent armed but no indication, the quarantine again: one guest holds one
# quarantine's length), the watcher reading QEMU's own account of each migration as it is
# written (--host-events DIR/host.jsonl). Then
# check_watch.py: one record a migration with the verdict the truth expects, the truth inside
# the bounds, each event directory analysed again the same; and check_qemu_watch.py: each
# record rests on the hypervisor's account, its downtime QEMU's own.
# Usage: qemu_watch.sh BUILD_DIR. Exit 77 (skipped) without root, namespaces or QEMU.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "skipped: no QEMU (scripts/deps.sh installs qemu-system-x86)"; exit 77
fi
run=$(mktemp -d /tmp/blackout-qemu-watch-XXXXXX)
if [ -n "${BLACKOUT_KEEP:-}" ]; then echo "run directory kept: $run"; else trap 'rm -rf "$run"' EXIT; fi
# --gap longer than --settle: each migration its own event. No 1 ms probing inside outages
# (a TCG guest swamped by it answers late; docs/lab.md). A guest QEMU crashed or hung under
# TCG (exit 75) is migrated again, as qemu_migrate.sh does.
for attempt in 1 2 3; do
  rc=0
  "$build/lab/blackout-lab" run qemu-quarantine --run "$run/lab" --lead 4s --tail 10s --gap 9s \
    --plan 0:qemu-quarantine,0:qemu-kb-fixed,0:qemu-quarantine -- sh -c "
    setsid '$build/probe/blackout-probe' --watch '$run/w' --settle 5s --segment 10s \
      --keep 256M --quiet --interval 10ms --outage-interval 0 \
      --streams icmp,udp,tcp-syn,tcp-est --host-events \"\$BLACKOUT_RUN/host.jsonl\" \
      \$BLACKOUT_TARGETS 2>'$run/watch.err' &
    wp=\$!
    trap 'kill -TERM \$wp; wait \$wp; echo \$? > \"$run/watch.status\"; exit 0' INT TERM
    wait \$wp" || rc=$?
  [ "$rc" -eq 75 ] || break
  echo "attempt $attempt: the guest failed under QEMU (exit 75); again"
  rm -rf "${run:?}"/*
done
cat "$run/watch.err" >&2 || true
[ "$rc" -eq 0 ] || { echo "FAIL  blackout-lab exited $rc"; exit 1; }
status=$(cat "$run/watch.status" 2>/dev/null || echo none)
if [ "$status" = 0 ]; then echo "ok    the watcher stopped on SIGTERM with status 0"
else echo "FAIL  the watcher stopped on SIGTERM with status $status"; exit 1; fi
python3 "$here/check_watch.py" "$run/lab" "$run/w" "$build/analysis/blackout-analyze" - 256M
python3 "$here/check_qemu_watch.py" "$run/lab" "$run/w"
