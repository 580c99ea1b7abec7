#!/bin/bash
# Runs under systemd as PID 1 of the qemu guest (berth-tests.service, see init.sh and
# systemd-units/): berth's systemd cgroup driver against a real systemd, checked through
# systemctl, busctl, the cgroup tree and from inside the containers, on pure cgroup v2,
# hybrid (systemd.unified_cgroup_hierarchy=0: v1 controllers, cgroup2 at
# /sys/fs/cgroup/unified) or legacy (systemd.legacy_systemd_cgroup_controller=1 as well: v1
# only, systemd's own tree in the named hierarchy /sys/fs/cgroup/systemd). Writes TAP to
# /results/tap, then powers the guest off.
set -u
berth="$BERTH --systemd-cgroup"
# $unified: the hierarchy systemd keeps its tree in.
if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then layout=unified; v2=true; unified=/sys/fs/cgroup
elif [[ -d /sys/fs/cgroup/unified ]]; then layout=hybrid; v2=false; unified=/sys/fs/cgroup/unified
else layout=legacy; v2=false; unified=/sys/fs/cgroup/systemd; fi
cgroups_path() { echo "system.slice:berth:$1"; }
cgroup_dir() { echo $unified/system.slice/berth-$1.scope; }
. "$(dirname "${BASH_SOURCE[0]}")/tap-lib.sh"

prop() { systemctl show -P "$2" "$1" 2>&1; }
# A stopped transient unit is garbage-collected shortly after its job finished.
unit_gone() {
  for i in $(seq 25); do [[ $(prop "$1" LoadState) == not-found ]] && return 0; sleep 0.2; done
  echo "# $1: LoadState=$(prop "$1" LoadState) ActiveState=$(prop "$1" ActiveState)" >> $tap.part
  false
}
# The properties of unit $1 against "Name=value" pairs, read in one systemctl call (each
# costs about a second under TCG).
props_are() {
  local unit=$1 what=$2 kv names= all; shift 2
  for kv in "$@"; do names+=${names:+,}${kv%%=*}; done
  all=$(systemctl show -p "$names" "$unit" 2>&1)
  for kv in "$@"; do check "$what: ${kv%%=*}" eq "$(grep "^${kv%%=*}=" <<<"$all")" "$kv"; done
}
stamp() { echo "# $1: $(cut -d' ' -f1 /proc/uptime) s after boot" >> $tap.part; }
# The files below directory $1 against "path=value" pairs (checks named by the file).
files_are() {
  local dir=$1 what=$2 kv f; shift 2
  for kv in "$@"; do f=${kv%%=*}; check "$what: ${f##*/}" eq "$(cat $dir/$f 2>&1)" "${kv#*=}"; done
}
# The process's cgroup in systemd's tree, as "0::PATH" (the unified hierarchy's line; on
# legacy the name=systemd line, rewritten).
if [[ $layout == legacy ]]; then
  cgroup_of() { sed -n 's/^[0-9]*:name=systemd:/0::/p' /proc/$1/cgroup 2>&1; }
else
  cgroup_of() { grep '^0::' /proc/$1/cgroup 2>&1; }
fi

echo "# kernel $(uname -r), $(systemctl --version | head -n1), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup)" >> $tap.part
stamp "tests start"
check "systemd is PID 1" eq "$(cat /proc/1/comm)" systemd
if [[ $layout == legacy ]]; then
  check "legacy: systemd's named v1 hierarchy at $unified" eq "$(stat -fc %T $unified)" cgroupfs
  check "legacy: no cgroup2 mounted" eq "$(grep -c ' cgroup2 ' /proc/mounts)" 0
else
  check "cgroup2 at $unified" eq "$(stat -fc %T $unified)" cgroup2fs
fi
$v2 || check "$layout: v1 memory controller mounted" eq "$(stat -fc %T /sys/fs/cgroup/memory)" cgroupfs
check "systemd answers on the system bus" eq "$(busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version 2>&1 | cut -c1-6)" 's "252'

# A scope with limits: the unit's properties and the cgroup files agree, also after systemd
# rewrote the files from the unit (daemon-reload), and after update.
res='{"memory":{"limit":67108864,"reservation":16777216,"swap":100663296},"pids":{"limit":32},"cpu":{"shares":1024,"quota":50000,"period":100000,"cpus":"1"}}'
# v1 blkio has no weight file without BFQ, which the guest (no disk) never loads.
$v2 && res=$(jq -c '.blockIO={"weight":200}' <<<"$res")
d=$(bundle sd1 ".process.args=[\"sleep\",\"1000\"] | .linux.resources += $res | .annotations={\"org.systemd.property.TimeoutStopSec\":\"7\",\"org.systemd.property.CollectMode\":\"'inactive-or-failed'\"}")
u=berth-sd1.scope
s=system.slice/$u
dir=$(cgroup_dir sd1)
if $v2; then
  props=(MemoryMax=67108864 MemoryLow=16777216 MemorySwapMax=33554432 CPUWeight=39 AllowedCPUs=1 IOWeight=1920)
  files=(memory.max=67108864 memory.low=16777216 memory.swap.max=33554432 pids.max=32 "cpu.max=50000 100000"
         cpu.weight=39 cpuset.cpus=1 "io.weight=default 1920")
  files_root=$dir
  frozen() { grep -qx "frozen $1" $dir/cgroup.events; }
else
  props=(MemoryLimit=67108864 CPUShares=1024)
  files=(memory/$s/memory.limit_in_bytes=67108864 memory/$s/memory.soft_limit_in_bytes=16777216
         memory/$s/memory.memsw.limit_in_bytes=100663296 pids/$s/pids.max=32 cpu/$s/cpu.cfs_quota_us=50000
         cpu/$s/cpu.cfs_period_us=100000 cpu/$s/cpu.shares=1024 cpuset/$s/cpuset.cpus=1)
  files_root=/sys/fs/cgroup
  frozen() { grep -qx "$([[ $1 == 1 ]] && echo FROZEN || echo THAWED)" /sys/fs/cgroup/freezer/$s/freezer.state; }
fi
if $berth create -b $d sd1 2>>$tap.part && $berth start sd1 2>>$tap.part; then
  ok "create+start with cgroupsPath system.slice:berth:sd1"
  check "busctl: the unit's ControlGroup" eq "$(busctl get-property org.freedesktop.systemd1 \
    "$(busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s $u | cut -d'"' -f2)" \
    org.freedesktop.systemd1.Scope ControlGroup 2>&1)" 's "/system.slice/berth-sd1.scope"'
  pid=$($berth state sd1 | jq -r .pid)
  check "the init is in the scope" eq "$(cgroup_of $pid)" "0::/$s"
  check "the scope's cgroup is $dir" test -d $dir
  $v2 || check "the init is in the scope's v1 memory cgroup" eq "$(sed -n 's/^[0-9]*:memory://p' /proc/$pid/cgroup)" "/$s"
  props_are $u "the scope" ActiveState=active Delegate=yes TasksMax=32 CPUQuotaPerSecUSec=500ms \
    CPUQuotaPeriodUSec=100ms TimeoutStopUSec=7s CollectMode=inactive-or-failed "${props[@]}"
  files_are $files_root "cgroup file" "${files[@]}"
  check "daemon-reload" systemctl daemon-reload
  files_are $files_root "after daemon-reload" "${files[@]}"
  check "update --memory" $berth update --memory 33554432 sd1
  # memory+swap stays 96 MiB: swap alone grows to 64 MiB.
  if $v2; then
    props_are $u "update" MemoryMax=33554432 MemorySwapMax=67108864
    files_are $dir "update" memory.max=33554432 memory.swap.max=67108864 pids.max=32
  else
    props_are $u "update" MemoryLimit=33554432
    files_are /sys/fs/cgroup/memory/$s "update" memory.limit_in_bytes=33554432 memory.memsw.limit_in_bytes=100663296
  fi
  $berth exec -d --pid-file /tmp/exec.pid sd1 sleep 100 2>>$tap.part
  check "exec joins the scope" eq "$(cgroup_of $(cat /tmp/exec.pid))" "0::/$s"
  check "pause" $berth pause sd1
  check "the freezer says frozen" frozen 1
  check "state is paused" eq "$($berth state sd1 | jq -r .status)" paused
  check "resume" $berth resume sd1
  check "the freezer says thawed" frozen 0
  check "kill" $berth kill sd1 KILL
  for i in $(seq 25); do [[ $($berth state sd1 | jq -r .status) == stopped ]] && break; sleep 0.2; done
  check "delete" $berth delete sd1
  check "delete: the unit is gone" unit_gone $u
  check "delete: the cgroup is gone" test ! -e $dir
  $v2 || check "delete: the v1 memory and freezer cgroups are gone" test ! -e /sys/fs/cgroup/memory/$s -a ! -e /sys/fs/cgroup/freezer/$s
  check "delete: no state left" eq "$($berth list -q | grep -c '^sd1$')" 0
else
  nok "create+start with cgroupsPath system.slice:berth:sd1"
fi

stamp "custom slice"
# A slice of our own: systemd creates berth-test.slice (nested in berth.slice) for the scope.
d=$(bundle sd2 '.process.args=["sleep","1000"] | .linux.cgroupsPath="berth-test.slice:berth:sd2"')
if $berth run -d -b $d sd2 2>>$tap.part; then
  props_are berth-test.slice "custom slice" ActiveState=active
  props_are berth-sd2.scope "custom slice: the scope" ActiveState=active Slice=berth-test.slice
  pid=$($berth state sd2 | jq -r .pid)
  check "custom slice: the init is in the scope" eq "$(cgroup_of $pid)" "0::/berth.slice/berth-test.slice/berth-sd2.scope"
  # Without --systemd-cgroup, as Podman deletes: the saved state names the driver (a static
  # berth hands the command to berth-systemd for it).
  check "custom slice: delete --force without --systemd-cgroup" $BERTH delete --force sd2
  check "custom slice: the unit is gone" unit_gone berth-sd2.scope
  check "custom slice: the cgroup is gone" test ! -e $unified/berth.slice/berth-test.slice/berth-sd2.scope
else
  nok "run -d with cgroupsPath berth-test.slice:berth:sd2"
fi

stamp "run"
# run returns the container's exit status and leaves no unit behind.
d=$(bundle sd3 '.process.args=["sh","-c","exit 7"]')
$berth run -b $d sd3 > /dev/null 2>>$tap.part
check "run returns the container's exit status" eq $? 7
check "run: the unit is gone" unit_gone berth-sd3.scope

stamp "failing hook"
# A create failing after the scope started (a createRuntime hook runs after the init joined
# it) stops the unit again.
bundle sd4 '.process.args=["sleep","1"] | .hooks={"createRuntime":[{"path":"/bin/false"}]}' > /dev/null
refused "failing createRuntime hook" sd4 "createRuntime"
check "failing createRuntime hook: the unit is gone" unit_gone berth-sd4.scope

stamp "DeviceAllow"
# DeviceAllow for a device without a /dev/char entry (42:7 has no driver; runc issue 3708):
# systemd's device program must still allow it after daemon-reload rebuilt it from the
# unit, so opening it fails with ENXIO (allowed, no driver), not EPERM; 1:1, not listed,
# stays EPERM.
d=$(bundle sd5 '.process.args=["sleep","1000"] | .linux.resources.devices += [{"allow":true,"type":"c","major":42,"minor":7,"access":"rwm"}] | .process.capabilities |= map_values(. + ["CAP_MKNOD"])')
probe() { $berth exec sd5 sh -c "rm -f /tmp/d; mknod /tmp/d c $1 $2 && head -c1 /tmp/d 2>&1 >/dev/null | sed 's/.*: //'"; }
if $berth run -d -b $d sd5 2>>$tap.part; then
  props_are berth-sd5.scope "devices" DevicePolicy=strict
  check "DeviceAllow lists 42:7" grep -q '/dev/char/42:7 rwm' <<<"$(prop berth-sd5.scope DeviceAllow)"
  for when in before after; do
    [[ $when == after ]] && check "daemon-reload" systemctl daemon-reload
    check "$when daemon-reload: 42:7 allowed (ENXIO)" eq "$(probe 42 7)" "No such device or address"
    check "$when daemon-reload: 1:1 refused (EPERM)" eq "$(probe 1 1)" "Operation not permitted"
    check "$when daemon-reload: /dev/null writable" $berth exec sd5 sh -c 'echo x > /dev/null'
  done
  $berth delete --force sd5
else
  nok "run -d with a DeviceAllow rule for 42:7"
fi

check "no berth units left" eq "$(systemctl list-units --all --plain --no-legend 'berth-*.scope' 2>&1)" ""
# Without root, in a user's systemd --user manager (pure v2 only: user@.service delegates
# controllers on cgroup v2 alone).
$v2 && . "$(dirname "${BASH_SOURCE[0]}")/guest-rootless-systemd.sh"
stamp "tests done"
