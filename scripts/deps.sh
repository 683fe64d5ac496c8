#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian/Ubuntu packages blackout needs to build, test and demo, if missing.
# Idempotent: does nothing when everything is there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libuv1-dev libpcap-dev libjansson-dev libsodium-dev libnftables-dev
  nftables iproute2 tcpdump tshark iputils-ping python3 clang-format
  chromium # renders the HTML report to a PNG in the tests
  time # GNU time: peak memory in the benchmarks
  hping3 # a peer whose captures the analyzer reads (tests) and paces against (bench)
  qemu-system-x86 cpio kmod # blackout-lab's real migrations: QEMU, and the guest image it builds
  prometheus sqlite3 # promtool checks the --prom file; sqlite3 queries the --records (tests)
  python3-scapy # a STAMP implementation not ours, sender and reflector (tests)
  tmux tzdata jq # the live view in an 80-column terminal; --tz zone names; a jq pipeline (tests)
  lintian fakeroot dpkg-dev man-db groff-base systemd # the packages: lintian checks them, man renders the pages, systemd-analyze checks the unit (tests)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "blackout: missing packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install ${missing[*]}  (or run this script as root)" >&2
  exit 1
fi
echo "blackout: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
