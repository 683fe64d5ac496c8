#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Real live migrations, many of them: blackout-lab boots a QEMU guest (or several, migrated in
# turn) and migrates it N times, while blackout-probe sends icmp, udp, tcp-syn and tcp-est every 10 ms
# (no 1 ms probing inside outages: TCG guests are slow enough). Then every migration is checked against QEMU's own account (tests/e2e/check_qemu.py:
# STOP inside the start bounds, end after RESUME, dark >= QEMU's downtime, responders answering
# after every migration), and the distribution of (network dark - QEMU downtime) is printed
# per stream (bench/qemu_soak.py), for docs/BENCHMARKS.md.
# Usage: bench/qemu_soak.sh [MIGRATIONS [GUESTS]] (default 50 migrations of 1 guest; with more
# guests each is migrated in turn, MIGRATIONS in all, rounded up). Root.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50} guests=${2:-1}
[ "$(id -u)" -eq 0 ] || { echo "bench/qemu_soak.sh needs root" >&2; exit 1; }
dir=$(scripts/build.sh)
bin="$PWD/$dir"
run=$(mktemp -d /tmp/blackout-qemu-soak-XXXXXX)
echo "run directory: $run" >&2
start=$(date +%s)
rc=0
"$bin/lab/blackout-lab" run qemu-precopy --guests "$guests" \
  --migrations $(((n + guests - 1) / guests)) --gap 1s \
  --run "$run" --lead 2s --tail 2s -- \
  sh -c "exec '$bin/probe/blackout-probe' --quiet --run '$run' --interval 10ms \
    --streams icmp,udp,tcp-syn,tcp-est --outage-interval 0 \$BLACKOUT_TARGETS" || rc=$?
echo "lab run: $(($(date +%s) - start)) s (status $rc)" >&2
grep -l -E "Kernel panic|Oops:|general protection|BUG:|malloc\(\): " "$run"/qemu/*.console \
  | sed 's/^/guest crashed after a migration: /' >&2 || true
"$bin/analysis/blackout-analyze" --quiet "$run"
python3 tests/e2e/check_qemu.py "$run" qemu-precopy > "$run/check.txt" || rc=$?
grep -E "^FAIL|passed|failed" "$run/check.txt" || true
python3 bench/qemu_soak.py "$run"
exit $rc
