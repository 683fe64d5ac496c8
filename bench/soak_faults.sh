#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/soak_watch.sh's command inside the lab's probe namespace: the watcher (in a session of
# its own, so the lab's SIGINT at the end reaches this script only), a sampler of its RSS,
# descriptors, CPU and disk every 10 s, and the faults, one every SECONDS/10 or so, each written
# to faults.jsonl with its start and end ({"fault", "start_ns", "end_ns", "loses"}: loses true
# when a migration then may go unrecorded). Environment: the lab's (BLACKOUT_LAB,
# BLACKOUT_TARGETS). Usage: soak_faults.sh BUILD_DIR OUT SECONDS
set -uo pipefail
bin=$1 out=$2 secs=$3
w=$out/disk/w
lab=$BLACKOUT_LAB
# shellcheck disable=SC2086
printf '%s\n' $BLACKOUT_TARGETS > "$out/targets"
now() { date +%s%N; }
watcher() {
  setsid "$bin/probe/blackout-probe" --watch "$w" --targets "$out/targets" --metrics 127.0.0.1:9620 \
    --keep 1200M --streams icmp,udp,tcp-syn,tcp-est --interval 10ms --quiet 2>>"$out/watch.err" &
  echo $! > "$out/watch.pid"
}
fault() { # NAME LOSES START_NS: the fault ended now
  printf '{"fault":"%s","loses":%s,"start_ns":%s,"end_ns":%s}\n' "$1" "$2" "$3" "$(now)" \
    >> "$out/faults.jsonl"
}
ns_of() { [ "$1" = 0 ] && echo "$lab-vm" || echo "$lab-vm$1"; }
responder_restart() { # VM: its responder killed and started again with the lab's own arguments
  local ns pid args
  ns=$(ns_of "$1")
  pid=$(ip netns pids "$ns" | while read -r p; do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = blackout-respon ] && echo "$p"; done | head -1)
  [ -n "$pid" ] || return 0
  mapfile -d '' args < "/proc/$pid/cmdline"
  kill "$pid"
  sleep "${2:-0.5}"
  ip netns exec "$ns" "${args[@]}" >/dev/null 2>&1 &
}
sampler() { exec bash "$(dirname "$0")/sample_proc.sh" "$out/watch.pid" "$w" "$out/samples.jsonl"; }
faults() {
  local step=$((secs / 10)) t
  sleep "$step"
  t=$(now); responder_restart 3; fault responder-restart false "$t"
  sleep "$step"
  t=$(now) # a guest reboot: its responder and its link gone 5 s
  ip netns exec "$(ns_of 5)" ip link set eth0 down
  responder_restart 5 5
  ip netns exec "$(ns_of 5)" ip link set eth0 up
  sleep 2; fault guest-reboot false "$t"
  sleep "$step"
  t=$(now); ip link set eth0 down; sleep 3; ip link set eth0 up; sleep 2
  fault interface-down false "$t"
  sleep "$step"
  t=$(now); date -s '+20 seconds' >/dev/null; sleep 20; date -s '-20 seconds' >/dev/null
  fault clock-step false "$t"
  sleep "$step"
  t=$(now) # the disk full for 30 s
  fallocate -l "$(df --output=avail -B1 "$out/disk" | tail -1)" "$out/disk/fill" 2>/dev/null ||
    dd if=/dev/zero of="$out/disk/fill" bs=1M 2>/dev/null
  sleep 30; rm -f "$out/disk/fill"; sleep 2
  fault disk-full true "$t"
  sleep "$step"
  t=$(now); kill -KILL "$(cat "$out/watch.pid")"; sleep 1; watcher; sleep 3
  fault kill-9 true "$t"
  sleep "$step"
  t=$(now) # a SIGHUP without the last VM, then with it again
  head -n 7 "$out/targets" > "$out/targets.new" && cp "$out/targets" "$out/targets.all"
  mv "$out/targets.new" "$out/targets"; kill -HUP "$(cat "$out/watch.pid")"
  sleep "$step"
  cp "$out/targets.all" "$out/targets"; kill -HUP "$(cat "$out/watch.pid")"; sleep 3
  fault reload true "$t"
}
watcher
sampler & sp=$!
faults & fp=$!
finish() {
  kill "$fp" "$sp" 2>/dev/null
  python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9620/metrics").read().decode(), end="")' \
    > "$out/scrape.txt" 2>/dev/null
  kill -TERM "$(cat "$out/watch.pid")"
  while kill -0 "$(cat "$out/watch.pid")" 2>/dev/null; do sleep 0.2; done
  exit 0
}
trap finish INT TERM
while :; do sleep 1; done
