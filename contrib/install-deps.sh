#!/usr/bin/env bash
# Installs, from Debian 12's archive, everything berth needs to build, test and
# benchmark. Idempotent; run as root.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config git
  libyajl-dev libseccomp-dev libcap-dev libmount-dev libfmt-dev libsystemd-dev
  libboost-test-dev libyaml-dev python3
  # tests: container rootfs, reference runtimes, profiles, tools the tests drive
  busybox-static runc crun golang-github-containers-common procps time util-linux checkpolicy
  iproute2 kmod man-db groff-base jq qemu-system-x86 apparmor systemd dbus
  # sanitizer and fuzz builds
  clang libclang-rt-14-dev
  # benchmarks
  hyperfine
  # engines: tests/engines/ (podman, containerd + ctr, dockerd, a CRI client in Python)
  podman conmon netavark containerd docker.io curl iptables
  protobuf-compiler python3-grpcio python3-protobuf
  # rootless: tests/rootless/ (newuidmap/newgidmap for multi-range maps and rootless Podman)
  uidmap
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
