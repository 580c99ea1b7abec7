# Sourced by the guest scripts (guest-tests.sh, guest-systemd.sh): TAP helpers writing to
# /results/tap (the results 9p share), the bundle builder and the power-off at exit. The
# sourcing script sets $berth (the command, flags included) and defines
# cgroups_path ID (the bundle's .linux.cgroupsPath) and cgroup_dir ID (its cgroup directory).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
tap=/results/tap
n=0
: > $tap.part
ok()  { n=$((n+1)); echo "ok $n - $1" >> $tap.part; }
nok() { n=$((n+1)); echo "not ok $n - $1" >> $tap.part; shift; for l in "$@"; do echo "# $l" >> $tap.part; done; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what" "failed: $*"; fi; }
eq() { [[ $1 == "$2" ]] || { echo "# got '${1//$'\n'/ }', want '$2'" >> $tap.part; false; }; }
# A create that must fail in one line matching $3 and leave no state or cgroup behind:
# refused WHAT ID PATTERN (the bundle /tmp/b-ID exists).
refused() {
  local err rc
  err=$($berth create -b /tmp/b-$2 $2 2>&1 >/dev/null); rc=$?
  echo "# $err" >> $tap.part
  check "$1: create fails" test $rc -ne 0
  check "$1: the error says why" eq "$(grep -c "$3" <<<"$err")" 1
  check "$1: in one line" eq "$(wc -l <<<"$err")" 1
  check "$1: no state left" eq "$($berth list -q | grep -c "^$2\$")" 0
  check "$1: no cgroup left" test ! -e "$(cgroup_dir $2)"
}
finish() { echo "1..$n" > $tap; cat $tap.part >> $tap; sync; echo o > /proc/sysrq-trigger; sleep 10; }
trap finish EXIT

# A bundle with a static busybox rootfs; $1 is the id, the rest the jq edits of config.json.
bundle() {
  local id=$1 edit=$2 dir=/tmp/b-$1
  mkdir -p $dir/rootfs/{bin,tmp,proc,sys,dev}
  cp /bin/busybox $dir/rootfs/bin/busybox
  for a in sh sleep cat head echo mknod; do ln -sf busybox $dir/rootfs/bin/$a; done
  (cd $dir && $berth spec)
  jq ".process.terminal=false | .root.readonly=false | .linux.cgroupsPath=\"$(cgroups_path $id)\" | $edit" \
    $dir/config.json > $dir/c.json && mv $dir/c.json $dir/config.json
  echo $dir
}
