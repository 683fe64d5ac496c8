#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# How long the established stream (tcp-est) is held up across a migration, against the bound
# the analyzer's verdict relies on: never longer than the new-flow streams' dark window plus one
# retransmission timeout. Simulated migrations (quarantine-off, kb-fixed and normal in turn) and
# real QEMU ones (qemu-quarantine-normal), each measured by blackout-probe with icmp-new,
# udp-new, tcp-syn and tcp-est every 10 ms while `ss -tin` samples the tcp-est socket (RTO,
# back-off, retransmissions) every 20 ms; bench/est_stall.py prints per run the distribution
# (max, p99, median) of the stall against the bound and, for the worst migration, where the
# time went (the probe's retransmissions from the capture, the RTO ss saw).
# Usage: bench/est_stall.sh [SIM_MIGRATIONS [QEMU_MIGRATIONS]] (default 30 and 10). Root.
set -euo pipefail
cd "$(dirname "$0")/.."
nsim=${1:-30} nqemu=${2:-10}
[ "$(id -u)" -eq 0 ] || { echo "bench/est_stall.sh needs root" >&2; exit 1; }
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d /tmp/blackout-est-stall-XXXXXX)
echo "run directories under $out" >&2
probe_with_ss() { # RUN: the probe, and ss sampling its tcp-est socket beside it
  cat <<SH
'$bin/probe/blackout-probe' --quiet --run '$1' --interval 10ms --outage-interval 0 \
  --streams icmp-new,udp-new,tcp-syn,tcp-est \$BLACKOUT_TARGET &
p=\$!
trap 'kill -INT \$p' INT TERM
while kill -0 \$p 2>/dev/null; do
  echo "T \$(date +%s%N)"; ss -tinH state established '( dport = :8620 )'
  sleep 0.02
done > '$1/ss.log' 2>/dev/null &
wait \$p; wait \$p # the first returns when the trap ran, the second the probe's status
SH
}
plan=()
scen=(quarantine-off kb-fixed normal)
for ((i = 0; i < nsim; i++)); do plan+=("0:${scen[i % 3]}"); done
mkdir -p "$out/sim"
"$bin/lab/blackout-lab" run normal --plan "$(IFS=,; echo "${plan[*]}")" --gap 1500ms \
  --run "$out/sim" --lead 2s --tail 2s -- sh -c "$(probe_with_ss "$out/sim")" >/dev/null 2>&1
"$bin/analysis/blackout-analyze" --quiet --no-write --json "$out/sim/analysis.json" "$out/sim"
python3 bench/est_stall.py "simulated ($nsim migrations)" "$out/sim"
if [ "$nqemu" -gt 0 ]; then
  mkdir -p "$out/qemu"
  "$bin/lab/blackout-lab" run qemu-quarantine-normal --migrations "$nqemu" --gap 2s \
    --run "$out/qemu" --lead 2s --tail 4s -- sh -c "$(probe_with_ss "$out/qemu")" >/dev/null 2>&1 ||
    echo "the QEMU run ended with status $? (docs/lab.md: TCG faults)" >&2
  "$bin/analysis/blackout-analyze" --quiet --no-write --json "$out/qemu/analysis.json" "$out/qemu"
  python3 bench/est_stall.py "QEMU qemu-quarantine-normal ($nqemu migrations)" "$out/qemu"
fi
