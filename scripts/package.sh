#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages: blackout (probe, analyzer, lab) and blackout-responder (the
# responder and its systemd unit), with Debian's hardening flags, and checks them with lintian.
# Usage: scripts/package.sh [BUILD_DIR] (default build-pkg/); prints the two .deb paths.
# Install them with: sudo apt install ./build-pkg/blackout_*.deb ./build-pkg/blackout-responder_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
scripts/deps.sh
# Debian's compiler and linker hardening (fortify, stack protector, relro, now, PIE)
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  -DBLACKOUT_UNITDIR=/lib/systemd/system -DBLACKOUT_SYSCONFDIR=/etc >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
rm -f "$dir"/*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
debs=("$dir"/blackout_*.deb "$dir"/blackout-responder_*.deb)
# lintian: no errors, no warnings (packaging/debian/overrides/ says why each overridden one is)
for deb in "${debs[@]}"; do
  lintian --fail-on error,warning "$deb" 2>&1 | grep -v 'root privileges is not recommended' >&2 ||
    true
  lintian --fail-on error,warning "$deb" >/dev/null 2>&1 ||
    { echo "package.sh: lintian fails $deb" >&2; exit 1; }
done
printf '%s\n' "${debs[@]}"
