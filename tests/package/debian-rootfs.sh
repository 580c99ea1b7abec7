#!/usr/bin/env bash
# Unpacks a fresh Debian 12 (bookworm) minbase root filesystem into DIR, as a new machine
# would have it: made once by debootstrap from Debian's archive and cached as a tarball
# under /var/cache/berth-package (as tests/vm caches its kernel), so later runs take
# seconds. Run as root.
#   tests/package/debian-rootfs.sh DIR
set -euo pipefail
dir=${1:?usage: debian-rootfs.sh DIR}
cache=${BERTH_PACKAGE_CACHE:-/var/cache/berth-package}
tarball=$cache/bookworm-minbase.tar
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}

mkdir -p "$cache"
# One debootstrap at a time; a second caller waits and reuses the tarball.
exec 9>"$cache/lock"
flock 9
if [[ ! -f $tarball ]]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 1; }
  work=$(mktemp -d "$cache/debootstrap.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "debian-rootfs: debootstrap bookworm from $mirror (once; cached in $tarball)" >&2
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1 ||
    { tail -n 20 "$work/log" >&2; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
  tar -C "$work/root" -cf "$tarball.new" .
  mv "$tarball.new" "$tarball"
fi
flock -u 9
mkdir -p "$dir"
tar -C "$dir" -xf "$tarball"
