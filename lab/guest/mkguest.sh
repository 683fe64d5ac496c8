#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blackout-lab-mkguest: builds the kernel and initramfs of a blackout-lab QEMU guest from
# Debian's packages: linux-image-amd64's kernel and the modules the guest needs, busybox-static,
# blackout-responder, blackout-lab-agent and nft with their libraries (as the host has them).
#
#   blackout-lab-mkguest OUTDIR RESPONDER AGENT
#
# Writes OUTDIR/vmlinuz and OUTDIR/initrd.img. The packages are fetched once with
# `apt-get download` into $BLACKOUT_CACHE (default /var/cache/blackout-lab) and never
# installed, so the host's /boot is not touched. BLACKOUT_GUEST_KERNEL=DIR uses an unpacked
# kernel instead (DIR/boot/vmlinuz-VER and DIR/lib/modules/VER).
set -euo pipefail
out=$1 responder=$2 agent=$3
here=$(cd "$(dirname "$0")" && pwd)
cache=${BLACKOUT_CACHE:-/var/cache/blackout-lab}
say() { echo "blackout-lab-mkguest: $*" >&2; }
need() { command -v "$1" >/dev/null || { say "needs $1 (apt-get install $2)"; exit 1; }; }
need cpio cpio
need depmod kmod
need apt-get apt
mkdir -p "$cache" "$out"

# A Debian package unpacked into the cache, once: its directory on stdout.
unpacked() {
  local pkg=$1 dir="$cache/$1"
  if [ ! -e "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$cache" && apt-get download -qq "$pkg" >/dev/null 2>&1) ||
      { apt-get update -qq >/dev/null 2>&1 && (cd "$cache" && apt-get download -qq "$pkg" >/dev/null); } ||
      { say "cannot download $pkg from the package archive (apt-get download $pkg)"; exit 1; }
    local deb
    deb=$(ls -t "$cache/${pkg}_"*.deb | head -1)
    dpkg-deb -x "$deb" "$dir"
    rm -f "$deb"
    touch "$dir/.done"
  fi
  echo "$dir"
}

if [ -n "${BLACKOUT_GUEST_KERNEL:-}" ]; then
  kroot=$BLACKOUT_GUEST_KERNEL
else
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$kpkg" ] || { say "apt-cache knows no linux-image-amd64 (apt-get update?)"; exit 1; }
  kroot=$(unpacked "$kpkg")
fi
kver=$(ls "$kroot/lib/modules" | head -1)
[ -n "$kver" ] && [ -e "$kroot/boot/vmlinuz-$kver" ] || { say "no kernel in $kroot"; exit 1; }
[ -e "$kroot/lib/modules/$kver/modules.dep" ] || depmod -b "$kroot" "$kver"
bbroot=$(unpacked busybox-static)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/blackout,lib/modules,proc,sys,dev,run,tmp}
cp "$bbroot/bin/busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init" 2>/dev/null || cp "$here/blackout-lab-guest-init" "$root/init"
chmod 755 "$root/init"

# Modules in load order, dependencies first (modprobe's own resolution); crc32c_generic ahead of
# libcrc32c, which asks for it only softly.
: > "$root/etc/blackout/modules"
for m in crc32c_generic virtio_pci virtio_net virtio_console nft_ct nft_log nfnetlink_log; do
  modprobe -d "$kroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  name=$(basename "$ko")
  case "$name" in
    *.ko.xz) xz -dc "$ko" > "$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -qdc "$ko" > "$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
    *) cp "$ko" "$root/lib/modules/$name" ;;
  esac
  echo "$name" >> "$root/etc/blackout/modules"
done

# Programs with their shared libraries and the loader, at the paths the host has them.
copy_prog() {
  local src=$1 dst=$2
  [ -x "$src" ] || { say "no program $src"; exit 1; }
  cp "$src" "$root$dst"
  ldd "$src" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
}
copy_prog "$responder" /usr/bin/blackout-responder
copy_prog "$agent" /usr/bin/blackout-lab-agent
copy_prog "$(command -v nft)" /usr/sbin/nft
# libpcap and friends ask for these at start; a guest without them prints warnings only.
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

cp "$kroot/boot/vmlinuz-$kver" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
say "guest: kernel $kver, initramfs $(du -h "$out/initrd.img" | cut -f1) in $out"
