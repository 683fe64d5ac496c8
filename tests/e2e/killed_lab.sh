#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blackout-lab killed with SIGKILL in the middle of a run: what it started (the real-time
# responder in the VM namespace, the command in the probe namespace) ends with it; the lab it
# could not remove is reported by the next `up` with a command that removes it, and that
# command works. A namespace of the lab's name pattern that blackout-lab did not make is
# refused without advising `down` (which would refuse it). Needs root.
# Usage: killed_lab.sh BUILD_DIR
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
build=$1
lab=$build/lab/blackout-lab
tmp=$(mktemp -d)
fails=0
check() { if [ "$1" = 1 ]; then echo "ok    $2"; else echo "FAIL  $2"; fails=$((fails + 1)); fi; }

"$lab" run safety-timeout --run "$tmp/run" --lead 30s -- sleep 60 > "$tmp/lab.out" 2>&1 &
lpid=$!
name=
for _ in $(seq 100); do
  name=$(sed -n 's/^lab: \(bo[0-9a-f]*\) up.*/\1/p' "$tmp/lab.out")
  [ -n "$name" ] && grep -q '"type":"start"' "$tmp/run/responder.jsonl" 2>/dev/null && break
  sleep 0.1
done
check "$([ -n "$name" ] && echo 1)" "a lab run is up ($name) with its responder"
sleep 0.5
before=$(ip netns pids "$name-vm" 2>/dev/null | wc -l)
kill -KILL "$lpid"
wait "$lpid" 2>/dev/null
sleep 1
left_vm=$(ip netns pids "$name-vm" 2>/dev/null | wc -l)
left_probe=$(ip netns pids "$name-probe" 2>/dev/null | wc -l)
check "$([ "$before" -ge 1 ] && [ "$left_vm" = 0 ] && [ "$left_probe" = 0 ] && echo 1)" \
  "after SIGKILL: no process left in its namespaces (vm $before -> $left_vm, probe $left_probe)"
out=$("$lab" up --name bozz0001 2>&1)
check "$(echo "$out" | grep -q "lab $name was left by a run.*blackout-lab down $name" && echo 1)" \
  "the next up reports the stale lab and how to remove it"
"$lab" down bozz0001 > /dev/null 2>&1
"$lab" down "$name" > /dev/null 2>&1
check "$([ ! -e "/run/netns/$name-vm" ] && [ ! -e "/run/blackout-lab/$name" ] && echo 1)" \
  "blackout-lab down $name removes it"
ip netns add bozz0002-probe
out=$("$lab" up --name bozz0002 2>&1)
rc=$?
ip netns delete bozz0002-probe
# (Only its own advice counts: a stale lab of another run on this machine is reported too.)
check "$([ $rc != 0 ] && ! echo "$out" | grep -q 'blackout-lab down bozz0002' && echo "$out" | grep -q 'did not make it' && echo 1)" \
  "a namespace it did not make: refused without advising down"
rm -rf "$tmp"
echo "$(( 5 - fails )) passed, $fails failed"
[ $fails = 0 ]
