# SPDX-License-Identifier: Apache-2.0
# The fleet benches' lab, sourced by bench/fleet.sh and bench/watch_fleet.sh (their $n, the
# targets, is set): the tree built ($bin), a directory for the results ($out, kept with KEEP=1),
# the lab up ($lab, down again on exit), N target addresses (198.18.0.0/22, RFC 2544's
# benchmarking range) on the lab VM's interface listed in $out/targets, the lab's side of the
# network on the second core, the VM's ICMP rate limits lifted and blackout-responder started in
# it (RESPONDER_ARGS: more of its options). ex ROLE CMD... runs CMD in a role's namespace.
# shellcheck shell=bash
dir=$(scripts/build.sh)
bin="$PWD/$dir"
out=$(mktemp -d "/tmp/blackout-$(basename "$0" .sh)-XXXXXX")
lab=$("$bin/lab/blackout-lab" up)
cleanup() {
  "$bin/lab/blackout-lab" down "$lab" # also ends the responder
  if [ -n "${KEEP:-}" ]; then echo "kept $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
ex() { local role=$1; shift; "$bin/lab/blackout-lab" exec "$lab" "$role" -- "$@"; }
# Writes VALUE into a sysfs FILE of the role's namespace (its own sysfs, mounted privately).
sysfs() { ex "$1" unshare -m sh -c "mkdir -p /tmp/bo-sys && mount -t sysfs none /tmp/bo-sys &&
  echo $3 > /tmp/bo-sys/class/net/$2"; }

for ((i = 0; i < n; i++)); do
  echo "198.18.$((i / 250)).$((i % 250 + 1))"
done > "$out/targets"
sed 's|.*|address add &/32 dev eth0|' "$out/targets" > "$out/addrs.batch"
ex vm ip -batch "$out/addrs.batch"
ex probe ip route add 198.18.0.0/22 via 192.0.2.2
# The lab's side of the network on the second core (RPS): the switch's port from the probe and
# the VM's interface, instead of inside the sender's system calls.
sysfs vm eth0/queues/rx-0/rps_cpus 2
sysfs sw p/queues/rx-0/rps_cpus 2
# Echo replies at this rate: lift the VM's ICMP rate limits.
ex vm sysctl -qw net.ipv4.icmp_msgs_per_sec=10000000 net.ipv4.icmp_ratelimit=0
# shellcheck disable=SC2086
ex vm "$bin/responder/blackout-responder" -q --priority realtime --rate-limit 0 ${RESPONDER_ARGS:-} \
  > "$out/responder.log" 2>&1 &
