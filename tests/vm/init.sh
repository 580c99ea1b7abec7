#!/bin/busybox sh
# /init of the guest's initramfs: loads the 9p and overlay modules, makes the host's / (9p,
# read-only) the lower layer of an overlay with a tmpfs upper, mounts a pure cgroup v2
# hierarchy and the results share, and switch_roots into the overlay to run the test script
# named on the kernel command line (berth.script=...). PID 1 stays the test script, so the
# container's pivot_root works (it does not on the initramfs itself).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
         netfs fscache 9pnet 9pnet_virtio 9p overlay; do
  insmod /modules/$m.ko || echo "init: insmod $m failed"
done
script=
for arg in $(cat /proc/cmdline); do
  case $arg in berth.script=*) script=${arg#berth.script=} ;; esac
done
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower
mount -t tmpfs -o size=1g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
for d in tmp run var/tmp var/lib; do mount -t tmpfs tmpfs /newroot/$d; done
mkdir -p /newroot/results
mount -t 9p -o trans=virtio,version=9p2000.L results /newroot/results
exec switch_root /newroot /bin/bash "$script"
