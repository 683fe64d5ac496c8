#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer driver with clang, AddressSanitizer and UndefinedBehaviorSanitizer.
# Usage: scripts/fuzz.sh [SECONDS_EACH] (default 60); FUZZERS="request arrival" picks some.
# Corpora grow in build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
scripts/deps.sh
command -v clang >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null; }
out=build-fuzz
mkdir -p "$out"
src=(lib/bo_kvp.c lib/bo_err.c lib/bo_cksum.c lib/bo_time.c lib/bo_pkt.c lib/bo_tag.c lib/bo_log.c lib/bo_stamp.c
  lib/bo_hb.c lib/bo_clock-posix.c lib/bo_ctl.c lib/bo_stream.c lib/bo_stream_icmp.c
  lib/bo_stream_udp.c lib/bo_stream_tcp.c lib/bo_fs.c lib/bo_fs-posix.c lib/bo_vocab.c
  responder/arrival.c)
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -Iresponder
  $(pkg-config --cflags libuv libpcap))
libs=$(pkg-config --libs jansson libsodium)
analysis=(lib/bo_addrmap.c $(ls analysis/*.c | grep -v main.c))
for f in ${FUZZERS:-pkt jsonl stamp request arrival netlink nflog winevent kvp guest http capture host}; do
  if [ "$f" = netlink ]; then # the responder's rtnetlink parser
    clang "${flags[@]}" "tests/fuzz/fuzz_$f.c" responder/netlink-linux.c "${src[@]}" $libs \
      -o "$out/fuzz_$f"
  elif [ "$f" = nflog ] || [ "$f" = winevent ]; then # the firewall's drops; Windows events
    clang "${flags[@]}" "tests/fuzz/fuzz_$f.c" "responder/$f.c" "${src[@]}" $libs \
      -o "$out/fuzz_$f"
  elif [ "$f" = guest ]; then # the probe's event-channel client
    clang "${flags[@]}" -Iprobe -DBLACKOUT_VERSION='"fuzz"' "tests/fuzz/fuzz_$f.c" probe/guest.c \
      "${src[@]}" $libs $(pkg-config --libs libuv) -o "$out/fuzz_$f"
  elif [ "$f" = http ]; then # the watcher's metrics endpoint
    clang "${flags[@]}" -Iprobe -Ianalysis -DBLACKOUT_VERSION='"fuzz"' "tests/fuzz/fuzz_$f.c" \
      probe/http.c -o "$out/fuzz_$f"
  elif [ "$f" = capture ] || [ "$f" = host ]; then # the analyzer's whole pass; host events
    clang "${flags[@]}" -Ianalysis -DBLACKOUT_VERSION='"fuzz"' "tests/fuzz/fuzz_$f.c" \
      "${src[@]}" lib/bo_cli.c lib/bo_sys-posix.c lib/bo_caprd.c "${analysis[@]}" $libs \
      $(pkg-config --libs libpcap) -lm -o "$out/fuzz_$f"
  else
    clang "${flags[@]}" "tests/fuzz/fuzz_$f.c" "${src[@]}" $libs -o "$out/fuzz_$f"
  fi
  mkdir -p "$out/corpus/$f"
  cp -n tests/fuzz/seeds/$f/* "$out/corpus/$f/" 2>/dev/null || true
  echo "== fuzz_$f for ${secs}s"
  "$out/fuzz_$f" -max_total_time="$secs" -print_final_stats=1 "$out/corpus/$f" 2>&1 | tail -4
done
