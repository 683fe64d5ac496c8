#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live view in a real terminal 80 columns wide (tmux): the status of six streams wraps into
# lines that fit, redrawn in place (one status on the screen, not a scroll of partial lines),
# the pre-flight's warnings stay visible above it and the status says so, and "sent" counts
# the nominal probes. Needs root and tmux (77 without).
# Usage: test_live_tmux.sh BUILD_DIR
set -euo pipefail
build=$1
if [ "$(id -u)" -ne 0 ] || ! command -v tmux >/dev/null; then
  echo "skipped: needs root and tmux"; exit 77
fi
run=$(mktemp -d /tmp/blackout-tmux-XXXXXX)
sess=bo-live-$$
trap 'tmux kill-session -t "$sess" 2>/dev/null || true; rm -rf "$run"' EXIT
fails=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }
# 127.0.0.1 has no responder: udp, udp-new and tcp-est stay silent (pre-flight warnings;
# tcp-syn gets the kernel's RSTs)
tmux new-session -d -s "$sess" -x 80 -y 30 \
  "'$build/probe/blackout-probe' --run '$run/r' --duration 6s --no-events \
     --streams icmp,icmp-new,udp,udp-new,tcp-syn,tcp-est 127.0.0.1; sleep 30"
sleep 4.5
screen=$(tmux capture-pane -p -t "$sess")
printf '%s\n' "$screen" | sed 's/^/      | /'
status=$(printf '%s\n' "$screen" | sed -n '/^[0-9.]* m\{0,1\}s 127\.0\.0\.1 /,$p')
heads=$(printf '%s\n' "$screen" | grep -Ec '^[0-9.]+ m?s 127\.0\.0\.1 ' || true)
[ "$heads" -eq 1 ] && ok "one status on the screen, redrawn in place ($heads)" ||
  fail "the status appears $heads times: redrawn lines left behind"
longest=$(printf '%s\n' "$status" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
[ "$longest" -gt 0 ] && [ "$longest" -lt 80 ] && ok "the status lines fit 80 columns (longest $longest)" ||
  fail "a line of $longest columns"
printf '%s\n' "$screen" | grep -q "udp has not answered yet" &&
  ok "the pre-flight's warnings still on the screen" || fail "pre-flight warnings scrolled away"
printf '%s\n' "$status" | grep -q "pre-flight: 3 silent (above)" &&
  ok "the status says the pre-flight found silent streams" || fail "no pre-flight note in the status"
printf '%s\n' "$status" | grep -Eq "icmp [0-9]+/[0-9]+ " &&
  printf '%s\n' "$status" | grep -q "udp no reply" &&
  ok "answered/sent per stream; a stream that never answered says so" || fail "no answered/sent"
[ "$fails" -eq 0 ] && echo "all checks passed" || { echo "$fails failed"; exit 1; }
