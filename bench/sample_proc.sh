#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Samples a process every PERIOD seconds (default 10) until killed: one JSON line a sample
# appended to OUT ({"t_ns", "pid", "rss_kb", "fds", "cpu_ticks" (user + system, clock ticks),
# "disk_kb" of DIR}). The pid is read from PIDFILE each time, so a process started again (the
# soak's kill -9) is followed. Usage: sample_proc.sh PIDFILE DIR OUT [PERIOD]
set -uo pipefail
pidfile=$1 dir=$2 out=$3 period=${4:-10}
while :; do
  pid=$(cat "$pidfile" 2>/dev/null)
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)
  printf '{"t_ns":%s,"pid":%s,"rss_kb":%s,"fds":%s,"cpu_ticks":%s,"disk_kb":%s}\n' \
    "$(date +%s%N)" "${pid:-0}" "${rss:-0}" "$fds" "${cpu:-0}" \
    "$(du -sk "$dir" 2>/dev/null | cut -f1)" >> "$out"
  sleep "$period"
done
