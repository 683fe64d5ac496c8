#!/usr/bin/env bash
# Cross-builds the Windows programs (blackout-responder.exe, blackout-analyze.exe) with
# mingw-w64, against the dependencies scripts/deps-windows.sh builds from Debian's source
# packages. Usage: scripts/build-windows.sh [BUILD_DIR] (default build-win/); prints BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-win}
prefix=$(scripts/deps-windows.sh)
# Only the cross prefix's .pc files: nothing of the Linux libraries may leak in.
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR= BLACKOUT_WIN_DEPS="$prefix"
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.cmake" \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
echo "$dir"
