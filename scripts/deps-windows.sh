#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Windows cross build's dependencies, from Debian: the mingw-w64 tool chain and Wine
# (packages), and libuv, jansson, libsodium and libpcap built for x86_64-w64-mingw32 from
# Debian's source packages (deb-src lines are added when missing). Installs into PREFIX
# (default: build-win-deps/) and does nothing for what is already there.
#   libuv, jansson, libsodium: static libraries.
#   libpcap: its headers; a static capture-less libpcap (reads capture files: the analyzer);
#            and an import library for Npcap's wpcap.dll whose functions load on first use
#            (delay-load: the responder starts without Npcap and says capture is unavailable).
# Usage: scripts/deps-windows.sh [PREFIX]; prints PREFIX.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=$(realpath -m "${1:-build-win-deps}")
host=x86_64-w64-mingw32
log() { echo "blackout: $*" >&2; }

packages=(mingw-w64 wine64 cmake make pkg-config dpkg-dev flex bison autoconf automake libtool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -qq >/dev/null &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

mkdir -p "$prefix/src" "$prefix/lib" "$prefix/include"
toolchain="$root/cmake/mingw-w64.cmake"
buildlog="$prefix/build.log"
# Builds write to build.log; a failure shows its end.
run() { "$@" >>"$buildlog" 2>&1 || { tail -30 "$buildlog" >&2; log "failed: $* (log: $buildlog)"; exit 1; }; }

# Source packages: add deb-src lines mirroring the deb ones, once.
fetch() { # fetch PACKAGE: unpacks Debian's source package into $prefix/src/PACKAGE-*/
  local pkg=$1
  ls -d "$prefix/src/$pkg"-*/ >/dev/null 2>&1 && return 0
  if ! apt-get source --print-uris "$pkg" >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { log "no deb-src lines for $pkg: add them, or run as root"; exit 1; }
    log "adding deb-src lines (/etc/apt/sources.list.d/blackout-src.*)"
    if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
      sed -n '/^Types:/s/.*/Types: deb-src/p;/^Types:/!p' /etc/apt/sources.list.d/*.sources \
        > /etc/apt/sources.list.d/blackout-src.sources
    fi
    if [ -f /etc/apt/sources.list ]; then
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/blackout-src.list
    fi
    apt-get update -qq >/dev/null
  fi
  log "fetching Debian's source package $pkg"
  (cd "$prefix/src" && apt-get source -qq "$pkg" >/dev/null 2>&1) \
    || { log "apt-get source $pkg failed"; exit 1; }
}

cmake_dep() { # cmake_dep SRC_DIR NAME ARGS...: configure, build and install for the host
  local src=$1 name=$2
  shift 2
  mkdir -p "$prefix/build/$name"
  # From inside the build tree: libpcap's scanner rule writes a stray file into the cwd.
  (cd "$prefix/build/$name" &&
    run cmake -S "$src" -B . -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release "$@" &&
    run cmake --build . -j"$(nproc)" && run cmake --install .)
}

if [ ! -f "$prefix/lib/libuv.a" ]; then
  fetch libuv1
  log "building libuv for $host"
  cmake_dep "$(ls -d "$prefix"/src/libuv1-*/)" libuv -DLIBUV_BUILD_TESTS=OFF -DBUILD_TESTING=OFF
  # Static only: the .pc files name -luv; the static archive takes that name.
  mv "$prefix/lib/libuv_a.a" "$prefix/lib/libuv.a"
  rm -f "$prefix/lib/libuv.dll.a" "$prefix/bin/libuv.dll"
fi

if [ ! -f "$prefix/lib/libjansson.a" ]; then
  fetch jansson
  log "building jansson for $host"
  cmake_dep "$(ls -d "$prefix"/src/jansson-*/)" jansson -DJANSSON_BUILD_DOCS=OFF \
    -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_BUILD_SHARED_LIBS=OFF
fi

if [ ! -f "$prefix/lib/libsodium.a" ]; then
  fetch libsodium
  log "building libsodium for $host (a few minutes)"
  src=$(ls -d "$prefix"/src/libsodium-*/)
  # Debian's source is the upstream tree without a generated configure.
  [ -x "$src/configure" ] || (cd "$src" && run autoreconf -fi)
  (cd "$src" && run ./configure --host=$host --prefix="$prefix" --disable-shared \
    --enable-static --disable-dependency-tracking && run make -j"$(nproc)" && run make install)
fi

if [ ! -f "$prefix/lib/libpcap.a" ]; then
  fetch libpcap
  log "building a capture-less libpcap for $host (reads capture files)"
  src=$(ls -d "$prefix"/src/libpcap-*/)
  # No Npcap SDK here: libpcap's build then has no capture module ("null"), only files.
  cmake_dep "$src" libpcap -DDISABLE_REMOTE=ON -DDISABLE_RDMA=ON \
    -DDISABLE_DBUS=ON -DDISABLE_BLUETOOTH=ON -DDISABLE_USB=ON -DDISABLE_NETMAP=ON \
    -DDISABLE_DPDK=ON -DENABLE_REMOTE=OFF -DUSE_STATIC_RT=OFF -DPacket_ROOT=/nonexistent
  # libpcap's build for mingw always makes the DLL too: static only, like the others.
  rm -f "$prefix/lib/libpcap.dll.a" "$prefix/bin/pcap.dll"
fi

if [ ! "$prefix/lib/libwpcap-delay.a" -nt "$root/lib/wpcap.def" ]; then
  log "making the delay-load import library for Npcap's wpcap.dll"
  $host-dlltool --input-def "$root/lib/wpcap.def" --dllname wpcap.dll \
    --output-delaylib "$prefix/lib/libwpcap-delay.a"
fi
echo "$prefix"
