# Sourced by guest-tests.sh when the guest booted with SELinux (run-vm-tests.sh with
# BERTH_VM_LSM=selinux): loads the minimal policy in selinux-policy.conf, permissive, and
# checks that berth applies process.selinuxLabel, exec --process-label and
# linux.mountLabel. Uses guest-tests.sh's ok/nok/check/eq/bundle.
here_lsm=$(dirname "${BASH_SOURCE[0]}")
mountpoint -q /sys/fs/selinux || mount -t selinuxfs selinuxfs /sys/fs/selinux
if ! checkpolicy -U allow -o /tmp/policy.bin "$here_lsm/selinux-policy.conf" > /dev/null 2>>$tap.part \
   || ! cat /tmp/policy.bin > /sys/fs/selinux/load 2>>$tap.part; then
  nok "the minimal SELinux policy loads"
  return 0
fi
ok "the minimal SELinux policy loads"
check "SELinux is permissive" eq "$(cat /sys/fs/selinux/enforce)" 0
check "berth runs as kernel_t now" eq "$(cat /proc/self/attr/current | tr -d '\0')" system_u:system_r:kernel_t

label=system_u:system_r:berth_t
mlabel=system_u:object_r:berth_file_t
probe='cat /proc/self/attr/current > /tmp/label; grep -E \" /(scratch|dev) \" /proc/self/mountinfo > /tmp/mounts'
tmpfs='{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1m"]}'
for mode in labelled plain; do
  edit='.process.args=["sh","-c","'"$probe"'"] | .mounts += ['"$tmpfs"']'
  [[ $mode == labelled ]] && edit="$edit | .process.selinuxLabel=\"$label\" | .linux.mountLabel=\"$mlabel\""
  d=$(bundle se-$mode "$edit")
  mkdir -p $d/rootfs/scratch
  $berth run -b $d se-$mode > /dev/null 2>>$tap.part
done
check "selinuxLabel: the process runs in its context" eq "$(tr -d '\0' < /tmp/b-se-labelled/rootfs/tmp/label 2>&1)" $label
check "mountLabel: the tmpfs mount carries context=" grep -q " /scratch .*context=\"\{0,1\}$mlabel" /tmp/b-se-labelled/rootfs/tmp/mounts
check "mountLabel: the /dev tmpfs carries context=" grep -q " /dev .*context=\"\{0,1\}$mlabel" /tmp/b-se-labelled/rootfs/tmp/mounts
check "no selinuxLabel: berth's own context" eq "$(tr -d '\0' < /tmp/b-se-plain/rootfs/tmp/label 2>&1)" system_u:system_r:kernel_t
check "no mountLabel: no context= option" eq "$(grep -c 'context=' /tmp/b-se-plain/rootfs/tmp/mounts)" 0
$berth delete se-labelled 2>/dev/null; $berth delete se-plain 2>/dev/null

d=$(bundle se-exec '.process.args=["sleep","1000"]')
$berth run -d -b $d se-exec > /dev/null 2>>$tap.part
check "exec --process-label: the process runs in that context" \
  eq "$($berth exec --process-label $label se-exec cat /proc/self/attr/current 2>&1 | tr -d '\0')" $label
$berth delete --force se-exec

# A context the policy does not know fails create in one line, leaving nothing behind.
bundle se-bad '.process.args=["sleep","1"] | .process.selinuxLabel="system_u:system_r:no_such_t"' > /dev/null
refused "invalid context" se-bad "selinux.*label.*no_such_t"
