#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of a blackout-lab QEMU guest (busybox). Its settings come on the kernel command line:
#   bo.ip=ADDR/LEN bo.ip6=ADDR/LEN bo.probe=ADDR bo.probe6=ADDR bo.probe_mac=MAC bo.hold_ns=N
#   bo.scope=LIST
# Starts the quarantine agent and blackout-responder, streams the responder's log to the host
# over a virtio-serial port, and stays up until the lab powers the guest off.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /run
for m in $(cat /etc/blackout/modules); do insmod "/lib/modules/$m" || echo "guest: insmod $m failed"; done

ip=192.0.2.2/24 ip6= probe= probe6= probe_mac= hold_ns=0 scope=icmp,udp,tcp-new
for w in $(cat /proc/cmdline); do
  case "$w" in
    bo.ip=*) ip=${w#bo.ip=} ;;
    bo.ip6=*) ip6=${w#bo.ip6=} ;;
    bo.probe=*) probe=${w#bo.probe=} ;;
    bo.probe6=*) probe6=${w#bo.probe6=} ;;
    bo.probe_mac=*) probe_mac=${w#bo.probe_mac=} ;;
    bo.hold_ns=*) hold_ns=${w#bo.hold_ns=} ;;
    bo.scope=*) scope=${w#bo.scope=} ;;
  esac
done

ip link set lo up
ip link set eth0 up
ip addr add "$ip" dev eth0
[ -n "$ip6" ] && ip -6 addr add "$ip6" dev eth0 nodad
# The probe's address fixed: a link event flushes learned entries, and the lab's ground truth
# does not model the guest re-learning it (busybox's ip has no `neigh replace`; arp -s works).
[ -n "$probe_mac" ] && arp -s "$probe" "$probe_mac"

port() { # the /dev node of the virtio-serial port named $1
  for d in /sys/class/virtio-ports/*; do
    [ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return; }
  done
}
agent=$(port agent) log=$(port responder-log)
echo "guest: up, ip $ip, agent port $agent, log port $log"

blackout-lab-agent "$agent" "$hold_ns" "$scope" &
# The probe host is the one source it serves (its events and echo go to no one else).
blackout-responder --quiet --capture eth0 ${probe:+--heartbeat "$probe" --allow "$probe"} \
  ${probe6:+--allow "$probe6"} \
  --log /run/responder.jsonl --priority realtime --fw-log 7 &  # 7: LAB_LOG_GROUP (lab/lab.h)
rsp=$!
i=0
while [ ! -e /run/responder.jsonl ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
tail -n +1 -f /run/responder.jsonl > "$log" &
wait $rsp
echo "guest: blackout-responder exited with status $?"
while :; do sleep 3600; done
