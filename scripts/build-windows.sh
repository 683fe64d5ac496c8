#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds the Windows programs (blackout-responder.exe, blackout-probe.exe,
# blackout-analyze.exe) with mingw-w64, against the dependencies scripts/deps-windows.sh builds
# from Debian's source packages, and the zip (BUILD_DIR/blackout-VERSION-windows.zip: the three
# programs, the PowerShell scripts, README-Windows.txt, LICENSE.txt).
# Usage: scripts/build-windows.sh [BUILD_DIR] (default build-win/); prints BUILD_DIR.
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
version=$(sed -n 's/^project(blackout VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
name=blackout-$version-windows
rm -rf "$dir/zip" && mkdir -p "$dir/zip/$name"
cp "$dir/responder/blackout-responder.exe" "$dir/probe/blackout-probe.exe" \
  "$dir/analysis/blackout-analyze.exe" "$dir/zip/$name/"
for f in packaging/windows/*; do # Windows' line ends
  sed 's/\r*$/\r/' "$f" > "$dir/zip/$name/$(basename "$f")"
done
sed 's/\r*$/\r/' LICENSE > "$dir/zip/$name/LICENSE.txt"
rm -f "$dir/$name.zip"
(cd "$dir/zip" && python3 -m zipfile -c "../$name.zip" "$name")
echo "$dir"
