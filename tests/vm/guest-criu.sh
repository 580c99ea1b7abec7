# Sourced by guest-tests.sh on the AppArmor boot (vm-cgroup-v2): checkpoint and restore with
# Debian's criu 3.17 (the host's /usr, so the host's criu) on Debian's kernel 6.1, which it
# supports (the build host's newer kernel fails `criu check`). Uses $berth, $cg, bundle,
# check, eq from guest-tests.sh and tap-lib.sh.

# criu's kernel probes: the sock_diag, nf_tables, tun and veth modules (loaded by
# init.sh), a loopback to connect to (kerndat_tcp_repair) and /dev/ptmx.
ip link set lo up
mkdir -p /dev/pts
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts 2>/dev/null
[[ -e /dev/ptmx ]] || ln -s pts/ptmx /dev/ptmx
t0=$(date +%s)
crdone() { echo "# criu checks took $(( $(date +%s) - t0 )) s" >> $tap.part; }
# A counter that prints each value on stdout (a pipe), keeps it in a bind mount, and has a
# file in a tmpfs: everything a restore must bring back. Its network namespace is joined
# by path, as a pod's is: CRIU records it as external and restore joins it again.
mkdir -p /tmp/cr-data
[[ -e /var/run ]] || ln -s /run /var/run  # ip netns keeps its files in /var/run/netns
ip netns add berth-cr
# No cgroup mount: over the host's /sys that a joined network namespace brings, berth's
# cgroup2 mount fails with EBUSY on this guest (runc falls back to a bind there).
# A cgroup namespace, as Podman gives every container on v2: CRIU records its root (the
# cgns prefix) and restore must rebase it onto the new container's cgroup.
netns='.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/berth-cr" else . end) | .linux.namespaces += [{"type":"cgroup"}] | .mounts |= map(select(.type != "cgroup"))'
d=$(bundle cr1 "$netns"' | .process.args=["sh","-c","echo hello > /scratch/t; i=0; while :; do i=$((i+1)); echo $i; echo $i > /data/count; sleep 0.1; done"] | .mounts += [{"destination":"/data","type":"bind","source":"/tmp/cr-data","options":["rbind","rw"]},{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1m"]}]')
# stdout is an anonymous pipe, as conmon and containerd's shim pass it (a named fifo on
# the host's filesystem would be a file outside the container's mounts, which CRIU refuses).
{ $berth create -b $d cr1 < /dev/null 2>/dev/null; echo $? > /tmp/cr1.rc; } | cat > /tmp/cr1.out1 &
reader1=$!
waitrc() { for i in $(seq 600); do [[ -s $1 ]] && break; sleep 0.1; done; cat $1 2>/dev/null; }
[[ $(waitrc /tmp/cr1.rc) == 0 ]] && $berth start cr1
sleep 1
# The counter's `echo $i > count` truncates before it writes: an empty read is retried.
count() { local v k; for k in 1 2 3 4 5; do v=$(cat /tmp/cr-data/count 2>/dev/null); [[ -n $v ]] && break; sleep 0.05; done; echo "$v"; }
err=$($berth checkpoint --pre-dump --image-path /tmp/cr-pre cr1 2>&1)
check "checkpoint --pre-dump" eq "$err" ""
check "pre-dump leaves it running" eq "$($berth state cr1 | jq -r .status)" running
err=$($berth checkpoint --leave-running --image-path /tmp/cr-lr cr1 2>&1)
check "checkpoint --leave-running" eq "$err" ""
c1=$(count); sleep 1
check "--leave-running: still running and counting" test "$($berth state cr1 | jq -r .status)" = running -a "$(count)" -gt "$c1"
check "--leave-running wrote an image" test -s /tmp/cr-lr/inventory.img
# A paused container, as runc allows: CRIU freezes it through its cgroup and leaves it as
# it found it. The final dump is of the paused container too.
$berth pause cr1
err=$($berth checkpoint --leave-running --image-path /tmp/cr-lrp cr1 2>&1)
check "checkpoint --leave-running of a paused container" eq "$err" ""
c1=$(count); sleep 1
check "paused: still paused after the checkpoint, not counting" test "$($berth state cr1 | jq -r .status)" = paused -a "$(count)" = "$c1"
err=$($berth checkpoint --image-path /tmp/cr-img --parent-path ../cr-pre cr1 2>&1)
check "checkpoint of the paused container on top of the pre-dump (--parent-path)" eq "$err" ""
check "the dump used the pre-dump's pages (parent link)" test -L /tmp/cr-img/parent
c1=$(count); sleep 1
check "checkpoint stopped the counter" eq "$(count)" "$c1"
check "checkpoint deleted the container (state)" eq "$($berth list -q | grep -c '^cr1$')" 0
check "checkpoint deleted the container (cgroup)" test ! -e $cg/cr1
# A failed checkpoint leaves the counter running: stop it so the reader ends.
$berth delete --force cr1 2>/dev/null
wait $reader1
last=$(tail -n1 /tmp/cr1.out1)

# Restore under a new id, the original gone, stdout a new pipe (as conmon passes one), from
# a bundle of its own with the same rootfs: its cgroupsPath names the new container's
# cgroup (as an engine's new container's does), not the checkpointed one's.
mkdir -p /tmp/b-cr1b
# Hooks of every stage, each logging its name and the state's pid: runc runs prestart and
# createRuntime on restore, with the restored init's pid; poststop at delete.
hook() { echo '{"path":"/bin/sh","args":["sh","-c","echo '$1' $(jq -r .pid) >> /tmp/cr-hooks"]}'; }
hooks="{$(for h in prestart createRuntime createContainer startContainer poststart poststop; do echo -n "\"$h\":[$(hook $h)],"; done | sed 's/,$//')}"
# A second prestart hook reads the counter: CRIU's setup-namespaces notification comes
# before the restored tasks run, so it must still hold the checkpointed value.
hooks=$(jq -c '.prestart += [{"path":"/bin/sh","args":["sh","-c","cat /tmp/cr-data/count > /tmp/cr-hook-count"]}]' <<<"$hooks")
jq '.linux.cgroupsPath="/berth-vm/cr1b" | .root.path="'$d'/rootfs" | .hooks='"$hooks" $d/config.json > /tmp/b-cr1b/config.json
{ $berth restore -d --image-path /tmp/cr-img --pid-file /tmp/cr1b.pid -b /tmp/b-cr1b cr1b < /dev/null 2>/tmp/cr1b.err
  echo $? > /tmp/cr1b.rc; } | cat > /tmp/cr1.out2 &
reader2=$!
waitrc /tmp/cr1b.rc > /dev/null
err=$(cat /tmp/cr1b.err)
check "restore under a new id after the original was deleted" eq "$err" ""
echo "# $(grep -m3 Error /tmp/cr-img/restore.log)" >> $tap.part
pid=$($berth state cr1b | jq -r .pid)
check "restored: state running" eq "$($berth state cr1b | jq -r .status)" running
check "restored: --pid-file is the init" eq "$(cat /tmp/cr1b.pid 2>&1)" "${pid:-none}"
check "restored: prestart and createRuntime ran, with the restored init's pid" eq "$(cat /tmp/cr-hooks 2>&1 | tr '\n' ' ')" "prestart $pid createRuntime $pid "
check "restored: the hooks ran before the restored counter resumed (it still held the checkpointed value)" eq "$(cat /tmp/cr-hook-count 2>&1)" "$c1"
# A paused container's checkpoint restores running (criu keeps no cgroup v2 freeze state).
# criu records the cgroup path of the dump (/berth-vm/cr1); restore must rebase it onto
# the new container's cgroup, the one berth made from the bundle.
echo "# init cgroup: $(cat /proc/$pid/cgroup 2>&1)" >> $tap.part
check "restored: the init is in the new container's cgroup" eq "$(cat /proc/$pid/cgroup)" "0::/berth-vm/cr1b"
check "restored: the new cgroup lists the counter" grep -qx "$pid" $cg/cr1b/cgroup.procs
check "restored: no cgroup remade for the old id" test ! -e $cg/cr1
check "restored: its cgroup namespace is rooted at its cgroup" eq "$($berth exec cr1b cat /proc/self/cgroup 2>&1)" "0::/"
check "restored: in the pod's network namespace again" eq "$(stat -L -c %i /proc/$pid/ns/net)" "$(stat -L -c %i /run/netns/berth-cr)"
sleep 1
check "restored: counting on from where it was (bind mount)" test -n "$pid" -a "$(count)" -gt "$c1"
check "restored: the tmpfs file is back" eq "$($berth exec cr1b cat /scratch/t 2>&1)" hello
echo marker > /tmp/cr-data/m
check "restored: the /data bind mount is the host's directory" eq "$($berth exec cr1b cat /data/m)" marker
check "restored: exec sees the counter as pid 1" eq "$($berth exec cr1b cat /proc/1/cmdline | tr '\0' ' ')" "sh -c $(jq -r '.process.args[2]' $d/config.json) "
$berth kill cr1b KILL
for i in $(seq 50); do [[ $($berth state cr1b 2>/dev/null | jq -r .status) == running ]] || break; sleep 0.1; done
check "restored: kill stops it" eq "$($berth state cr1b 2>&1 | jq -r .status)" stopped
check "restored: delete" $berth delete cr1b
check "restored: delete removed the cgroup" test ! -e $cg/cr1b
check "restored: poststop ran at delete, no other hook" eq "$(cat /tmp/cr-hooks 2>&1 | tr '\n' ' ')" "prestart $pid createRuntime $pid poststop null "
$berth delete --force cr1b 2>/dev/null; kill $reader2 2>/dev/null
wait $reader2
first=$(head -n1 /tmp/cr1.out2)
check "restored: stdout goes to the new pipe, continuing the count" eq "$first" "$((last + 1))"

# Failing restores leave no state, cgroup, mount or process.
restore_refused() {
  local what=$1 id=$2 pattern=$3; shift 3
  local err rc
  err=$($berth restore -d "$@" $id 2>&1 </dev/null >/dev/null); rc=$?
  echo "# $err" >> $tap.part
  check "$what: restore fails" test $rc -ne 0
  check "$what: the error says why, in one line" eq "$(grep -c "$pattern" <<<"$err") $(wc -l <<<"$err")" "1 1"
  check "$what: no state left" eq "$($berth list -q | grep -c "^$id\$")" 0
  check "$what: no cgroup left" test ! -e $cg/$id
  check "$what: no mount left" eq "$(grep -c "b-$id\|cr1/rootfs" /proc/self/mountinfo)" 0
}
restore_refused "missing image" cr2 "no checkpoint there" --image-path /tmp/cr-none -b $d
# A bundle without the /data bind mount the image needs: CRIU itself fails, after the
# state and the cgroup were made.
d2=$(bundle cr3 "$netns | .process.args=$(jq -c .process.args $d/config.json)")
cp -a $d/rootfs/. $d2/rootfs/
restore_refused "wrong bundle" cr3 "criu restore failed" --image-path /tmp/cr-img -b $d2
# A hook that fails: CRIU is told at setup-namespaces, kills the restored tree and fails.
mkdir -p /tmp/b-cr6
jq '.linux.cgroupsPath="/berth-vm/cr6" | .hooks={"createRuntime":[{"path":"/bin/sh","args":["sh","-c","exit 3"]}]}' \
  /tmp/b-cr1b/config.json > /tmp/b-cr6/config.json
restore_refused "failing createRuntime hook" cr6 "createRuntime" --image-path /tmp/cr-img -b /tmp/b-cr6
# A terminal: criu 3.17 hands the restored pty master back in its orphan-pts-master RPC
# notification, which berth sends to --console-socket as create does.
python3 "$(dirname "${BASH_SOURCE[0]}")/console-receiver.py" /tmp/tty.sock /tmp/tty &
recv=$!
for i in $(seq 100); do [[ -S /tmp/tty.sock ]] && break; sleep 0.1; done
# Its CRIU configuration file comes from the org.criu.config annotation (as runc's):
# the file's log-file replaces berth's dump.log and restore.log.
echo "log-file /tmp/cr4-criu.log" > /tmp/cr4-criu.conf
d4=$(bundle cr4 '.process.terminal=true | .process.args=["sh","-c","i=0; while :; do i=$((i+1)); echo n$i; sleep 0.1; done"] | .annotations={"org.criu.config":"/tmp/cr4-criu.conf"}')
$berth create --console-socket /tmp/tty.sock -b $d4 cr4 && $berth start cr4
sleep 1
err=$($berth checkpoint --image-path /tmp/cr-tty cr4 2>&1)
check "checkpoint of a container with a terminal" eq "$err" ""
echo "# $(grep -m3 Error /tmp/cr4-criu.log)" >> $tap.part
check "org.criu.config: CRIU logged the dump where its file said" test ! -e /tmp/cr-tty/dump.log -a -s /tmp/cr4-criu.log
last=$(grep -o 'n[0-9]*' /tmp/tty.1 2>/dev/null | tail -n1)
err=$($berth restore -d --console-socket /tmp/tty.sock --image-path /tmp/cr-tty -b $d4 cr4 2>&1)
check "restore of a container with a terminal, with --console-socket" eq "$err" ""
echo "# $(grep -m3 Error /tmp/cr4-criu.log)" >> $tap.part
check "org.criu.config: and the restore" test ! -e /tmp/cr-tty/restore.log
sleep 1
first=$(grep -o 'n[0-9]*' /tmp/tty.2 2>/dev/null | head -n1)
echo "# terminal: last before $last, first after $first" >> $tap.part
last=${last#n} first=${first#n}
check "restored: the counter writes to the new pty master, continuing the count" \
  test -n "$first" -a "${first:-0}" -gt "${last:-0}" -a "${first:-0}" -le "$(( ${last:-0} + 3 ))"
check "restored: its stdout is a pty" eq "$($berth exec cr4 busybox readlink /proc/1/fd/1 2>&1 | cut -c1-9)" /dev/pts/
$berth delete --force cr4 2>/dev/null
check "restored terminal container deleted" test ! -e $cg/cr4
d5=$(bundle cr5 '.process.terminal=true')
restore_refused "terminal without --console-socket" cr5 "console-socket" --image-path /tmp/cr-tty -b $d5
kill $recv 2>/dev/null; wait $recv 2>/dev/null
check "no restored process left" eq "$(pgrep -c -f 'echo hello > /scratch/t')" 0
ip netns del berth-cr
crdone
. "$(dirname "${BASH_SOURCE[0]}")/guest-criu-lazy.sh"
. "$(dirname "${BASH_SOURCE[0]}")/guest-criu-podman.sh"
