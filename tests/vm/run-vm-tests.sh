#!/usr/bin/env bash
# Boots a Debian kernel under qemu (TCG: no KVM here) with a pure cgroup v2 hierarchy, the
# host's / shared read-only over 9p with a tmpfs overlay, and runs guest-tests.sh inside
# (BERTH_VM_PID1=systemd: systemd as PID 1 runs guest-systemd.sh; BERTH_VM_CGROUP=hybrid
# then boots it with v1 controllers and cgroup2 at /sys/fs/cgroup/unified, like the host,
# and BERTH_VM_CGROUP=legacy with v1 only);
# its TAP comes back over a writable 9p share and is printed here. Exits non-zero on any
# "not ok" or if the guest never reported. Usage: run-vm-tests.sh BERTH_BINARY
# The kernel package is downloaded once into $BERTH_VM_CACHE, never installed on the host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
berth=$(realpath "$1")
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
# The kernel that linux-image-amd64 points at now (its ABI name changes with updates).
kpkg=${BERTH_VM_KERNEL:-$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -n1)}

skip() { echo "1..0 # SKIP $*"; exit 0; }
[[ $(id -u) == 0 ]] || skip "needs root"
command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 not installed (contrib/install-deps.sh)"
[[ -x /bin/busybox ]] && ! ldd /bin/busybox > /dev/null 2>&1 \
  || skip "needs busybox-static for the initramfs"

mkdir -p "$cache"
if ! compgen -G "$cache/root/boot/vmlinuz-*" > /dev/null; then
  [[ -n $kpkg ]] || skip "apt-cache knows no linux-image-amd64 to download"
  (cd "$cache" && apt-get download "$kpkg" && dpkg-deb -x "$kpkg"_*.deb root && rm -f "$kpkg"_*.deb) >&2
fi
kernel=$(echo "$cache"/root/boot/vmlinuz-*)
kmods=$(echo "$cache"/root/lib/modules/*/kernel)

work=$(mktemp -d /tmp/berth-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd"/{bin,modules,proc,sys,dev} "$work/results"
cp /bin/busybox "$work/initrd/bin/busybox"
cp "$here/init.sh" "$work/initrd/init"
for ko in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
          drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs \
          fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay \
          net/ipv4/inet_diag net/ipv4/tcp_diag net/ipv4/udp_diag net/unix/unix_diag \
          net/netlink/netlink_diag net/packet/af_packet_diag crypto/crc32c_generic lib/libcrc32c \
          net/netfilter/nfnetlink net/netfilter/nf_tables net/netfilter/x_tables net/netfilter/nft_compat \
          net/netfilter/xt_mark net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 \
          net/netfilter/nf_conntrack net/netfilter/nf_conntrack_netlink drivers/net/tun drivers/net/veth; do
  cp "$kmods/$ko.ko" "$work/initrd/modules/"
done
(cd "$work/initrd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd.gz"

# BERTH_VM_LSM=selinux boots the guest with SELinux (permissive) instead of Debian's
# default AppArmor; guest-tests.sh runs the checks of whichever module is active.
lsm_args=
[[ ${BERTH_VM_LSM:-apparmor} == selinux ]] && lsm_args="security=selinux selinux=1 enforcing=0"

script=$here/${BERTH_VM_SCRIPT:-guest-tests.sh}
cgroup_args="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
pid1_args=
if [[ ${BERTH_VM_PID1:-script} == systemd ]]; then
  script=$here/${BERTH_VM_SCRIPT:-guest-systemd.sh}
  pid1_args="berth.pid1=systemd systemd.unit=berth-tests.target"
  case ${BERTH_VM_CGROUP:-unified} in
    hybrid) cgroup_args="systemd.unified_cgroup_hierarchy=0" ;;
    legacy) cgroup_args="systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" ;;
  esac
fi

# The kernel hands BERTH=... to init as an environment variable (the host's
# / is the guest's /, so host paths work unchanged).
start=$(date +%s)
timeout "${BERTH_VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -m 1536 -smp 2 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 $cgroup_args $lsm_args $pid1_args berth.script=$script berth.binds=${here#/},$(dirname "${berth#/}") BERTH=$berth" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
  -virtfs "local,path=$work/results,mount_tag=results,security_model=none" \
  > "$work/console.log" 2>&1 || true
echo "# guest ran for $(( $(date +%s) - start )) s"

if [[ ! -s $work/results/tap ]]; then
  echo "not ok 1 - the guest reported no results; console:"
  sed 's/^/# /' "$work/console.log" | tail -n 60
  exit 1
fi
cat "$work/results/tap"
# "not ok ... # TODO" is TAP's expected failure (a known gap, shown as such).
! grep '^not ok' "$work/results/tap" | grep -qv '# TODO'
