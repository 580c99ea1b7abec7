#!/bin/bash
# Runs as PID 1 of the qemu guest (see init.sh): berth's cgroupfs driver on a pure cgroup v2
# hierarchy, checked through the guest's /sys/fs/cgroup and from inside the containers.
# Writes TAP to /results/tap, then powers the guest off.
set -u
berth=$BERTH
cgroups_path() { echo /berth-vm/$1; }
cgroup_dir() { echo $cg/$1; }
. "$(dirname "${BASH_SOURCE[0]}")/tap-lib.sh"

# cgroup2 only: the kernel runs with cgroup_no_v1=all.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "# kernel $(uname -r), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)" >> $tap.part
echo "+cpu +memory +pids +io" > /sys/fs/cgroup/cgroup.subtree_control

cg=/sys/fs/cgroup/berth-vm
mkdir -p $cg

# limits: memory.max, pids.max, cpu.max, io.weight written at create, visible in the container.
d=$(bundle limits '.process.args=["sleep","1000"] | .linux.resources={"memory":{"limit":67108864},"pids":{"limit":32},"cpu":{"quota":50000,"period":100000},"blockIO":{"weight":200}}')
if $berth create -b $d limits 2>>$tap.part && $berth start limits 2>>$tap.part; then
  ok "create+start with a cgroupsPath on pure v2"
  check "memory.max" eq "$(cat $cg/limits/memory.max)" 67108864
  check "pids.max" eq "$(cat $cg/limits/pids.max)" 32
  check "cpu.max" eq "$(cat $cg/limits/cpu.max)" "50000 100000"
  # blkio weight 200 in [10,1000] maps to io.weight 1 + (200-10)*9999/990 = 1920 (runc's conversion)
  check "io.weight from blockIO.weight" eq "$(sed -n 's/^default //p' $cg/limits/io.weight)" 1920
  pid=$($berth state limits | jq -r .pid)
  check "init is in its cgroup (CLONE_INTO_CGROUP)" eq "$(cat /proc/$pid/cgroup)" "0::/berth-vm/limits"
  check "pause sets cgroup.freeze" $berth pause limits
  check "cgroup.events says frozen" grep -qx 'frozen 1' $cg/limits/cgroup.events
  check "state is paused" eq "$($berth state limits | jq -r .status)" paused
  check "resume" $berth resume limits
  check "cgroup.events says thawed" grep -qx 'frozen 0' $cg/limits/cgroup.events
  check "update memory and pids" $berth update --memory 33554432 --pids-limit 16 limits
  check "memory.max after update" eq "$(cat $cg/limits/memory.max)" 33554432
  check "pids.max after update" eq "$(cat $cg/limits/pids.max)" 16
  # exec --cgroup: an existing sub-cgroup of the container's, on the one v2 hierarchy.
  mkdir $cg/limits/sub
  $berth exec -d --pid-file /tmp/exec.pid --cgroup sub limits sleep 100 2>>$tap.part
  check "exec --cgroup joins the sub-cgroup" eq "$(cat /proc/$(cat /tmp/exec.pid)/cgroup)" "0::/berth-vm/limits/sub"
  err=$($berth exec --cgroup memory:sub limits true 2>&1)
  check "exec --cgroup with a controller is refused on v2" grep -q "name no controller" <<<"$err"
  check "delete --force (cgroup.kill) with a sub-cgroup" $berth delete --force limits
  check "cgroup removed, sub-cgroup too" test ! -e $cg/limits
else
  nok "create+start with a cgroupsPath on pure v2"
fi

# pids limit enforced: with 8 allowed, the shell's forks past the limit are refused; the
# kernel counts the refusals in pids.events and the shell reports the failed fork.
d=$(bundle pids '.process.args=["sh","-c","for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done 2>/tmp/err; wait"] | .linux.resources={"pids":{"limit":8}}')
$berth create -b $d pids && $berth start pids
for i in $(seq 50); do grep -q '^max [1-9]' $cg/pids/pids.events 2>/dev/null && break; sleep 0.2; done
check "pids.max enforced: pids.events counts refused forks" grep -q '^max [1-9]' $cg/pids/pids.events
check "the container saw a fork fail" test -s $d/rootfs/tmp/err
$berth delete --force pids

# OOM: memory.events counts the kill and berth events reports it.
d=$(bundle oom '.process.args=["sh","-c","x=a; while true; do x=$x$x; done"] | .linux.resources={"memory":{"limit":16777216,"swap":16777216}}')
$berth create -b $d oom && $berth start oom
for i in $(seq 50); do grep -q '^oom_kill [1-9]' $cg/oom/memory.events 2>/dev/null && break; sleep 0.2; done
check "memory.events oom_kill" grep -q '^oom_kill [1-9]' $cg/oom/memory.events
$berth delete --force oom

# Devices through the eBPF program: /dev/null allowed, a mknod'ed /dev/mem (1:1) refused at
# open (CAP_MKNOD, or the mknod itself fails and the open finds no file).
d=$(bundle dev '.process.args=["sh","-c","mknod /tmp/mem c 1 1; head -c1 /tmp/mem > /dev/null 2>/tmp/mem.err; echo x > /dev/null && echo ok > /tmp/null"] | .process.capabilities |= map_values(. + ["CAP_MKNOD"])')
$berth run -b $d dev > /dev/null 2>&1
check "eBPF device program refuses 1:1" eq "$(sed 's/.*: //' $d/rootfs/tmp/mem.err 2>&1)" "Operation not permitted"
check "eBPF device program allows /dev/null" eq "$(cat $d/rootfs/tmp/null 2>/dev/null)" ok
$berth delete --force dev 2>/dev/null
# A device in linux.devices stays closed when the config's own rules deny it
# (config-linux.md#allowed-device-list); the default set stays open. Opened for writing
# only: nothing reaches the kernel log.
d=$(bundle kmsg '.process.args=["sh","-c","(exec 3>/dev/kmsg) 2>/tmp/kmsg.err; echo x > /dev/null && echo ok > /tmp/null"] | .linux.resources.devices=[{"allow":false,"access":"rwm"}] | .linux.devices=[{"path":"/dev/kmsg","type":"c","major":1,"minor":11}]')
$berth run -b $d kmsg > /dev/null 2>&1
check "eBPF device program denies a listed device the config's rules deny" grep -q "Operation not permitted" $d/rootfs/tmp/kmsg.err
check "eBPF device program allows the default set under a deny-all rule" eq "$(cat $d/rootfs/tmp/null 2>/dev/null)" ok
$berth delete --force kmsg 2>/dev/null
# The LSM checks for the module the guest booted with (AppArmor is Debian's default).
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if grep -q selinux /sys/kernel/security/lsm; then
  . "$(dirname "${BASH_SOURCE[0]}")/guest-selinux.sh"
else
  . "$(dirname "${BASH_SOURCE[0]}")/guest-apparmor.sh"
  # CRIU once, on this boot only: its checks do not depend on the LSM.
  . "$(dirname "${BASH_SOURCE[0]}")/guest-criu.sh"
  # Rootless Podman's networking (slirp4netns, pasta) with berth and runc, on this boot only.
  . "$(dirname "${BASH_SOURCE[0]}")/guest-rootless-net.sh"
fi

check "no cgroups left behind" eq "$(find $cg -mindepth 1 -type d)" ""
