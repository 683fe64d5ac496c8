#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The analyzer's worst inputs (bench/hostile_pcap.py): 65 536 ping identifiers to one host, and
# 20 000 hosts pinged; time and peak RSS of `blackout-analyze -q --no-write` and with --json.
# Usage: bench/hostile.sh [BUILD_DIR] (default: build/, built optimised). No root needed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(scripts/build.sh)}
out=$(mktemp -d /tmp/blackout-hostile-XXXXXX)
trap 'rm -rf "$out"' EXIT
python3 bench/hostile_pcap.py ids "$out/ids.pcap" 65536
python3 bench/hostile_pcap.py hosts "$out/hosts.pcap" 20000
for f in ids hosts; do
  for json in "" "--json /dev/null"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "$f${json:+ (json)}: %e s, peak RSS %M KiB" \
      "$dir/analysis/blackout-analyze" -q --no-write $json "$out/$f.pcap" 2>&1 | grep -v warning
  done
done
