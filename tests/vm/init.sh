#!/bin/busybox sh
# /init of the guest's initramfs: loads the 9p and overlay modules (and the sock_diag,
# nf_tables, tun and veth ones that `criu check` probes, and the
# xt_mark ones its network lock uses through iptables-nft, and ctnetlink for the
# conntrack dump of a network namespace), makes the host's / (9p,
# read-only) the source of a tmpfs root's /usr, /etc and the directories named by
# berth.binds= (the test script's and berth's, wherever the checkout is), mounts the
# results share, and switch_roots into that root to run the test script
# named on the kernel command line (berth.script=...). PID 1 stays the test script, so the
# container's pivot_root works (it does not on the initramfs itself). With berth.pid1=systemd
# PID 1 is the host's systemd instead, with /etc/systemd/system replaced by the units of
# tests/vm/systemd-units (booted with systemd.unit=berth-tests.target) that run the script.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
         netfs fscache 9pnet 9pnet_virtio 9p overlay \
         inet_diag tcp_diag udp_diag unix_diag netlink_diag af_packet_diag \
         crc32c_generic libcrc32c nfnetlink nf_tables x_tables nft_compat xt_mark \
         nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack nf_conntrack_netlink tun veth; do
  insmod /modules/$m.ko || echo "init: insmod $m failed"
done
script=
pid1=
for arg in $(cat /proc/cmdline); do
  case $arg in
    berth.script=*) script=${arg#berth.script=} ;;
    berth.pid1=*) pid1=${arg#berth.pid1=} ;;
    berth.binds=*) binds=$(echo "${arg#berth.binds=}" | tr , ' ') ;;
  esac
done
mkdir -p /lower /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower
# The new root is a tmpfs with the host's /usr, /etc and $binds bound in read-only (Debian 12
# has merged /usr). Not an overlay on the 9p root: mounts on its directories (proc in the
# guest, the container's /proc) failed there with ENOENT.
mount -t tmpfs -o size=1g tmpfs /newroot
for d in usr etc $binds; do
  mkdir -p /newroot/$d
  mount --bind /lower/$d /newroot/$d
  mount -o remount,bind,ro /newroot/$d
done
for l in bin sbin lib lib64; do ln -s usr/$l /newroot/$l; done
mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run /newroot/var/tmp /newroot/var/lib /newroot/root
mkdir -p /newroot/results
mount -t 9p -o trans=virtio,version=9p2000.L results /newroot/results
if [ "$pid1" = systemd ]; then
  # The host's enabled units (docker, podman, getty, timers, ...) stay out of the guest.
  mount -t tmpfs -o mode=0755 tmpfs /newroot/etc/systemd/system
  units=/lower/$(dirname "$script")/systemd-units
  cp $units/*.target $units/*.service /newroot/etc/systemd/system/
  for u in $(grep -v '^#' $units/masked); do ln -s /dev/null /newroot/etc/systemd/system/$u; done
  printf 'BERTH=%s\nBERTH_SCRIPT=%s\n' "$BERTH" "$script" > /newroot/etc/systemd/system/berth-tests.env
  exec switch_root /newroot /usr/lib/systemd/systemd
fi
exec switch_root /newroot /bin/bash "$script"
