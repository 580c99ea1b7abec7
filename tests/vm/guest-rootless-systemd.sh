# Sourced by guest-systemd.sh on pure cgroup v2 (after its root checks): berth without root
# on a systemd host, as Fedora and Ubuntu ship it. An unprivileged user (made here, in the
# guest only: /etc is the host's, read-only, so passwd, group, shadow, subuid and subgid are
# bound over from copies) gets its `systemd --user` manager (user@UID.service, whose
# Delegate= hands it the pids, memory and cpu controllers) and the user bus of
# dbus-user-session. Then, as that user:
# - `berth --systemd-cgroup` on a `spec --rootless` bundle: a transient scope in the user's
#   manager (cgroupsPath user.slice:berth:ID), limits written and enforced (an OOM kill
#   counted, a fork bomb stopped at pids.max), update, pause/resume, events --stats, ps,
#   exec, kill + delete leaving no unit, cgroup or state. The user's commands run from
#   berth-tests.service (system.slice), outside the user's tree, as from a login session.
# - the cgroupfs driver on the delegated subtree (cgroupsPath below user@UID.service), run
#   from a cgroup inside that tree (where `systemd-run --user --scope` would put it).
# - a bundle without a cgroup namespace; no user bus (one-line error, no state).
# - rootless Podman with cgroup_manager=systemd and --runtime berth.
# Uses guest-systemd.sh's helpers (check, eq, ok, nok, stamp) and its $BERTH.
ruid=2000
rname=brl
rhome=/home/$rname
rxdg=/run/user/$ruid
mgr=/sys/fs/cgroup/user.slice/user-$ruid.slice/user@$ruid.service
stamp "rootless: setup"

# The user, in the guest only.
etc=/run/berth-etc
mkdir -p $etc
for f in passwd group shadow subuid subgid; do
  cp /etc/$f $etc/$f 2>/dev/null || : > $etc/$f
done
echo "$rname:x:$ruid:$ruid::$rhome:/bin/sh" >> $etc/passwd
echo "$rname:x:$ruid:" >> $etc/group
echo "$rname:*:19000:0:99999:7:::" >> $etc/shadow
echo "$rname:200000:65536" >> $etc/subuid
echo "$rname:200000:65536" >> $etc/subgid
for f in passwd group shadow subuid subgid; do mount --bind $etc/$f /etc/$f; done
# init.sh made them 0755; Podman's storage writes temporary files there.
chmod 1777 /tmp /var/tmp
install -d -m 0755 -o $ruid -g $ruid $rhome $rhome/bin
# The berth under test where the user may run it (the checkout may be private).
install -m 0755 "$BERTH" $rhome/bin/berth
# A static berth runs the systemd driver in berth-systemd, which it looks for beside itself.
twin=$(dirname "$BERTH")/berth-systemd
[[ -x $twin ]] && install -m 0755 "$twin" $rhome/bin/berth-systemd
ub=$rhome/bin/berth
# Bounded, and tried twice: once in seven boots on the loaded 2-core machine this start
# never returned, and the rest of the boot then reported nothing. The cause is not known;
# a second start after a stop and reset-failed is what an admin would try.
start_user_manager() { timeout 150 systemctl start user@$ruid.service; }
if ! start_user_manager; then
  timeout 60 systemctl stop user@$ruid.service user-runtime-dir@$ruid.service
  systemctl reset-failed user@$ruid.service user-runtime-dir@$ruid.service 2>/dev/null
  start_user_manager
fi || {
  mapfile -t why < <(systemctl status --no-pager -n 6 user@$ruid.service user-runtime-dir@$ruid.service 2>&1 | tail -n 16)
  nok "rootless: start user@$ruid.service, twice (the rootless checks are left out)" "${why[@]}"
  return
}
ok "rootless: start user@$ruid.service"
stamp "rootless: user manager started"

# as_user CMD...: CMD as the user, with the environment a login session gives it.
as_user() {
  runuser -u $rname -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$rhome USER=$rname LOGNAME=$rname \
    XDG_RUNTIME_DIR=$rxdg DBUS_SESSION_BUS_ADDRESS=unix:path=$rxdg/bus "$@"
}
uprop() { as_user systemctl --user show -P "$2" "$1" 2>&1; }
# The user unit $1's properties against "Name=value" pairs, in one systemctl call.
uprops_are() {
  local unit=$1 what=$2 kv names= all; shift 2
  for kv in "$@"; do names+=${names:+,}${kv%%=*}; done
  all=$(as_user systemctl --user show -p "$names" "$unit" 2>&1)
  for kv in "$@"; do check "$what: ${kv%%=*}" eq "$(grep "^${kv%%=*}=" <<<"$all")" "$kv"; done
}
uunit_gone() {
  for i in $(seq 25); do [[ $(uprop "$1" LoadState) == not-found ]] && return 0; sleep 0.2; done
  echo "# $1: LoadState=$(uprop "$1" LoadState)" >> $tap.part
  false
}
check "rootless: the user's manager runs in $mgr" test -f $mgr/init.scope/cgroup.procs
check "rootless: the user bus answers" eq "$(as_user busctl --user get-property org.freedesktop.systemd1 \
  /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ControlGroup 2>&1)" \
  "s \"/user.slice/user-$ruid.slice/user@$ruid.service\""

# A bundle the user made with `berth spec --rootless`; $1 the id, $2 jq edits. A cgroup
# namespace, so that /sys/fs/cgroup inside is the container's own cgroup (runc's spec has
# one on a pure v2 host, berth's not).
ubundle() {
  local dir=$rhome/b-$1
  as_user sh -c "mkdir -p $dir/rootfs/bin $dir/rootfs/tmp && cp /bin/busybox $dir/rootfs/bin/ &&
    for a in sh sleep cat head echo dd seq kill; do ln -sf busybox $dir/rootfs/bin/\$a; done &&
    cd $dir && $ub spec --rootless && jq '.process.terminal=false | .root.readonly=false |
      .linux.namespaces |= map(select(.type != \"cgroup\")) + [{\"type\":\"cgroup\"}] | $2' config.json > c.json && mv c.json config.json"
  echo $dir
}

# --- the systemd driver, the user's manager -------------------------------------------------
stamp "rootless: systemd driver"
ubs="$ub --systemd-cgroup"
res='{"memory":{"limit":33554432},"pids":{"limit":20},"cpu":{"quota":50000,"period":100000}}'
d=$(ubundle rs1 ".process.args=[\"sleep\",\"1000\"] | .linux.cgroupsPath=\"user.slice:berth:rs1\" | .linux.resources=$res")
dir=$mgr/user.slice/berth-rs1.scope
if as_user $ubs create -b $d rs1 2>>$tap.part && as_user $ubs start rs1 2>>$tap.part; then
  ok "rootless systemd: create+start as the user, cgroupsPath user.slice:berth:rs1"
  pid=$(as_user $ub state rs1 | jq -r .pid)
  check "rootless systemd: state in \$XDG_RUNTIME_DIR/berth" test -f $rxdg/berth/rs1/state.json
  check "rootless systemd: the init is in the user's scope" eq "$(grep '^0::' /proc/$pid/cgroup)" \
    "0::/user.slice/user-$ruid.slice/user@$ruid.service/user.slice/berth-rs1.scope"
  uprops_are berth-rs1.scope "rootless systemd: the user unit" ActiveState=active Delegate=yes \
    MemoryMax=33554432 TasksMax=20 CPUQuotaPerSecUSec=500ms
  check "rootless systemd: no such unit in the system manager" eq "$(systemctl show -P LoadState berth-rs1.scope)" not-found
  check "rootless systemd: the scope's cgroup is the user's" eq "$(stat -c %u $dir)" $ruid
  files_are $dir "rootless systemd: host side" memory.max=33554432 pids.max=20 "cpu.max=50000 100000"
  check "rootless systemd: inside, memory.max" eq "$(as_user $ub exec rs1 cat /sys/fs/cgroup/memory.max 2>&1)" 33554432
  as_user $ub exec -d --pid-file $rhome/exec.pid rs1 sleep 100 2>>$tap.part
  check "rootless systemd: exec joins the scope (from outside the user's tree)" \
    eq "$(grep '^0::' /proc/$(cat $rhome/exec.pid)/cgroup)" "0::/user.slice/user-$ruid.slice/user@$ruid.service/user.slice/berth-rs1.scope"
  # 48 MiB touched by dd's buffer in a 32 MiB cgroup without swap: the kernel kills it.
  as_user $ub exec rs1 dd if=/dev/zero of=/dev/null bs=48M count=1 >/dev/null 2>&1
  check "rootless systemd: the OOM-killed exec exits 137" eq $? 137
  check "rootless systemd: memory.events counts the OOM kill" test "$(awk '$1=="oom_kill"{print $2}' $dir/memory.events)" -ge 1
  bomb=$(as_user $ub exec rs1 sh -c 'i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done 2>&1 | grep -c "fork"; wait' 2>&1)
  check "rootless systemd: the fork bomb fails inside" test "${bomb:-0}" -ge 1
  check "rootless systemd: pids.events counts it" test "$(awk '$1=="max"{print $2}' $dir/pids.events)" -ge 1
  check "rootless systemd: update --memory --pids" as_user $ub update --memory 64m --pids-limit 30 rs1
  files_are $dir "rootless systemd: update" memory.max=67108864 pids.max=30
  uprops_are berth-rs1.scope "rootless systemd: update" MemoryMax=67108864 TasksMax=30
  stats=$(as_user $ub events --stats rs1 2>&1)
  check "rootless systemd: events --stats, pids limit" eq "$(jq -r .data.pids.limit <<<"$stats" 2>&1)" 30
  check "rootless systemd: events --stats, memory limit" eq "$(jq -r .data.memory.usage.limit <<<"$stats" 2>&1)" 67108864
  check "rootless systemd: ps lists the init" grep -qx "$pid" <<<"$(as_user $ub ps --format json rs1 | jq -r '.[]')"
  check "rootless systemd: pause" as_user $ub pause rs1
  check "rootless systemd: cgroup.events says frozen" grep -qx "frozen 1" $dir/cgroup.events
  check "rootless systemd: state is paused" eq "$(as_user $ub state rs1 | jq -r .status)" paused
  check "rootless systemd: resume" as_user $ub resume rs1
  check "rootless systemd: cgroup.events says thawed" grep -qx "frozen 0" $dir/cgroup.events
  check "rootless systemd: kill" as_user $ub kill rs1 KILL
  for i in $(seq 25); do [[ $(as_user $ub state rs1 | jq -r .status) == stopped ]] && break; sleep 0.2; done
  check "rootless systemd: delete" as_user $ubs delete rs1
  check "rootless systemd: delete: the user unit is gone" uunit_gone berth-rs1.scope
  check "rootless systemd: delete: the cgroup is gone" test ! -e $dir
  check "rootless systemd: delete: no state left" test ! -e $rxdg/berth/rs1
else
  nok "rootless systemd: create+start as the user, cgroupsPath user.slice:berth:rs1"
fi

# No user bus: one line saying what is missing, nothing left behind.
d=$(ubundle rs2 '.process.args=["true"] | .linux.cgroupsPath="user.slice:berth:rs2"')
err=$(as_user env DBUS_SESSION_BUS_ADDRESS=unix:path=$rxdg/none $ubs run -b $d rs2 2>&1)
check "rootless systemd, no user bus: the error says so in one line" eq "$(grep -c 'user bus' <<<"$err") $(wc -l <<<"$err")" "1 1"
check "rootless systemd, no user bus: no state left" test ! -e $rxdg/berth/rs2

# --- the cgroupfs driver on the delegated subtree --------------------------------------------
stamp "rootless: cgroupfs driver"
# The caller must be inside the user's tree to move processes within it (the kernel checks
# the common ancestor's cgroup.procs): a leaf the user made, which root moves the shell
# into before it becomes the user.
as_user mkdir $mgr/caller.scope 2>>$tap.part
in_tree() { bash -c "echo \$BASHPID > $mgr/caller.scope/cgroup.procs && exec runuser -u $rname -- env -i \
  PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$rhome XDG_RUNTIME_DIR=$rxdg \"\$@\"" in_tree "$@"; }
cdir=$mgr/berth/rc1
d=$(ubundle rc1 ".process.args=[\"sleep\",\"1000\"] | .linux.cgroupsPath=\"${cdir#/sys/fs/cgroup}\" | .linux.resources=$res")
if in_tree $ub run -d -b $d rc1 2>>$tap.part; then
  ok "rootless cgroupfs: run -d in the delegated subtree"
  pid=$(as_user $ub state rc1 | jq -r .pid)
  check "rootless cgroupfs: the init is in $cdir" eq "$(grep '^0::' /proc/$pid/cgroup)" "0::${cdir#/sys/fs/cgroup}"
  files_are $cdir "rootless cgroupfs" memory.max=33554432 pids.max=20 "cpu.max=50000 100000"
  in_tree $ub exec rc1 dd if=/dev/zero of=/dev/null bs=48M count=1 >/dev/null 2>&1
  check "rootless cgroupfs: the OOM-killed exec exits 137" eq $? 137
  check "rootless cgroupfs: memory.events counts the OOM kill" test "$(awk '$1=="oom_kill"{print $2}' $cdir/memory.events)" -ge 1
  check "rootless cgroupfs: update --pids" in_tree $ub update --pids-limit 25 rc1
  files_are $cdir "rootless cgroupfs: update" pids.max=25
  check "rootless cgroupfs: pause" in_tree $ub pause rc1
  check "rootless cgroupfs: cgroup.events says frozen" grep -qx "frozen 1" $cdir/cgroup.events
  check "rootless cgroupfs: resume" in_tree $ub resume rc1
  check "rootless cgroupfs: delete --force" in_tree $ub delete --force rc1
  check "rootless cgroupfs: the cgroup is gone" test ! -e $cdir
  check "rootless cgroupfs: no state left" test ! -e $rxdg/berth/rc1
else
  nok "rootless cgroupfs: run -d in the delegated subtree"
fi

# The default `spec --rootless` has no cgroup namespace: the kernel refuses a cgroup2 mount
# from the user namespace, so the host's hierarchy is bound read-only (as runc does).
d=$(ubundle rn1 '.process.args=["cat","/sys/fs/cgroup/cgroup.controllers"] | .linux.namespaces -= [{"type":"cgroup"}]')
check "rootless, no cgroup namespace: /sys/fs/cgroup is the host's" \
  eq "$(as_user $ub run -b $d rn1 2>&1 | head -c 300)" "$(cat /sys/fs/cgroup/cgroup.controllers)"

# --- rootless Podman, cgroup_manager=systemd, --runtime berth --------------------------------
stamp "rootless: podman"
. "$(dirname "${BASH_SOURCE[0]}")/podman-rootless-conf.sh"
podman_conf_files $rhome $rxdg systemd
chown -R $ruid:$ruid $rhome/.config $rhome/tmp
# The image: a busybox-static rootfs, imported (the guest has no network).
as_user sh -c "mkdir -p $rhome/bb/bin $rhome/bb/tmp && cp /bin/busybox $rhome/bb/bin/ &&
  for a in sh sleep cat head echo dd; do ln -sf busybox $rhome/bb/bin/\$a; done && tar -C $rhome/bb -cf $rhome/bb.tar ."
check "rootless podman: import the busybox image" as_user podman import --change 'CMD=["/bin/sh"]' $rhome/bb.tar localhost/bb

# podman_checks RUNTIME NAME (not n: that is the TAP counter): the same checks for berth and, to prove them fair, for runc
# and crun (both run rootless on this pure-v2 guest).
podman_checks() {
  local rt=$1 rn=$2 cid scope pdir bomb st
  pm() { as_user podman --runtime $rt "$@"; }
  stamp "rootless: podman on $rn"
  cid=$(pm run -d --name p-$rn --network none --memory 32m --pids-limit 20 localhost/bb sleep 1000 2>>$tap.part)
  scope=$mgr/user.slice/libpod-$cid.scope
  check "rootless podman ($rn): run -d --memory 32m --pids-limit 20" eq "$(pm inspect --format '{{.State.Status}}' p-$rn 2>&1)" running
  if [[ -z $cid ]]; then
    echo "# $(pm ps -a 2>&1 | tail -n 3)" >> $tap.part
    return
  fi
  # The init's own cgroup: the scope for berth and runc, a "container" cgroup below it for
  # crun (its default subgroup), where crun writes the limits.
  pdir=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$(pm inspect --format '{{.State.Pid}}' p-$rn)/cgroup)
  check "rootless podman ($rn): the init is in the scope" test "${pdir#$scope}" != "$pdir"
  check "rootless podman ($rn): conmon runs $rn" grep -q -- "-r $rt" <<<"$(ps -o args= -C conmon -u $ruid)"
  check "rootless podman ($rn): the scope is the user's" eq "$(uprop libpod-$cid.scope ActiveState)" active
  files_are $pdir "rootless podman ($rn): host side" memory.max=33554432 pids.max=20
  check "rootless podman ($rn): inside, memory.max" eq "$(pm exec p-$rn cat /sys/fs/cgroup/memory.max 2>&1)" 33554432
  pm exec p-$rn dd if=/dev/zero of=/dev/null bs=48M count=1 >/dev/null 2>&1
  check "rootless podman ($rn): the OOM-killed exec exits 137" eq $? 137
  check "rootless podman ($rn): memory.events counts the OOM kill" test "$(awk '$1=="oom_kill"{print $2}' $pdir/memory.events)" -ge 1
  bomb=$(pm exec p-$rn sh -c 'i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done 2>&1 | grep -c "fork"; wait' 2>&1)
  check "rootless podman ($rn): the fork bomb fails inside" test "${bomb:-0}" -ge 1
  check "rootless podman ($rn): pids.events counts it" test "$(awk '$1=="max"{print $2}' $pdir/pids.events)" -ge 1
  st=$(pm stats --no-stream --format '{{.MemUsage}}' p-$rn 2>&1)
  check "rootless podman ($rn): stats --no-stream shows the limit" grep -q "33.55MB" <<<"$st"
  check "rootless podman ($rn): pause" pm pause p-$rn
  check "rootless podman ($rn): paused, cgroup.events frozen" eq "$(pm inspect --format '{{.State.Status}}' p-$rn) $(grep frozen $pdir/cgroup.events)" "paused frozen 1"
  check "rootless podman ($rn): unpause" pm unpause p-$rn
  check "rootless podman ($rn): running, cgroup.events thawed" eq "$(pm inspect --format '{{.State.Status}}' p-$rn) $(grep frozen $pdir/cgroup.events)" "running frozen 0"
  check "rootless podman ($rn): rm -f" pm rm -f -t 0 p-$rn
  check "rootless podman ($rn): the scope is gone" uunit_gone libpod-$cid.scope
  check "rootless podman ($rn): its cgroup is gone" test ! -e $scope
}
podman_checks $ub berth
for ref in /usr/sbin/runc /usr/bin/crun; do
  if [[ -x $ref ]]; then podman_checks $ref "${ref##*/}"
  else n=$((n+1)); echo "ok $n - rootless podman on ${ref##*/} # SKIP $ref is not installed" >> $tap.part; fi
done
stamp "rootless: done"
