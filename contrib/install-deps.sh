#!/usr/bin/env bash
# Installs, from Debian 12's archive, what berth needs for the given purposes (default: all).
# Idempotent; run as root.
#   contrib/install-deps.sh [PURPOSE...]     build demo test sanitize engines vm bench package all
# contrib/demo.sh asks for "build demo", contrib/test.sh for "all". One array per purpose:
# add a package to the purpose that needs it, once.
set -euo pipefail

# build: compile berth (contrib/build.sh --minimal) and its completions
build=(g++ meson ninja-build pkg-config git python3
  libyajl-dev libseccomp-dev libcap-dev libmount-dev libfmt-dev libsystemd-dev libyaml-dev)
# demo: a busybox bundle (contrib/make-bundle.sh)
demo=(busybox-static)
# test: the unit tests' framework, the container rootfs, reference runtimes, profiles and
# tools the test suites drive
test=(libboost-test-dev busybox-static runc crun golang-github-containers-common procps time util-linux
  iproute2 kmod man-db groff-base jq bash-completion zsh fish
  uidmap  # tests/rootless/: newuidmap/newgidmap for multi-range maps and rootless Podman
  criu)   # checkpoint/restore: berth drives criu swrk (tests/vm runs it; its rpc.proto checks the unit tests)
# sanitize: the ASan+UBSan and libFuzzer builds of contrib/test.sh
sanitize=(clang libclang-rt-14-dev)
# engines: tests/engines/ (podman, containerd + ctr, dockerd, a CRI client in Python) and
# tests/kubernetes/ (the same containerd and CRI client, the manifests parsed as YAML)
engines=(podman conmon netavark containerd docker.io curl iptables
  protobuf-compiler python3-grpcio python3-protobuf python3-yaml)
# vm: tests/vm/ boots Debian's kernel under qemu with AppArmor, SELinux and systemd, and
# runs rootless Podman's networking there (guest-rootless-net.sh; podman is in engines)
vm=(qemu-system-x86 apparmor checkpolicy systemd dbus cpio
  slirp4netns passt
  dbus-user-session)  # the user bus of the guest's systemd --user (guest-rootless-systemd.sh)
# bench: tests/bench/ (lifecycle_bench.sh plots with gnuplot)
bench=(hyperfine gnuplot-nox)
# package: contrib/package.sh and its test in a debootstrap chroot (tests/package/)
package=(dpkg-dev debootstrap)

purposes=("$@")
((${#purposes[@]})) || purposes=(all)
packages=()
recommends=--no-install-recommends   # build and demo need nothing a Recommends would add
for purpose in "${purposes[@]}"; do
  case $purpose in build|demo|package) ;; *) recommends=--install-recommends ;; esac
  case $purpose in
    all) packages+=("${build[@]}" "${demo[@]}" "${test[@]}" "${sanitize[@]}" "${engines[@]}"
                    "${vm[@]}" "${bench[@]}" "${package[@]}") ;;
    build|demo|test|sanitize|engines|vm|bench|package)
      declare -n list=$purpose
      packages+=("${list[@]}")
      unset -n list ;;
    *) echo "install-deps.sh: unknown purpose \"$purpose\" (want build, demo, test, sanitize, engines, vm, bench, package or all)" >&2
       exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$recommends" "${missing[@]}"
fi
