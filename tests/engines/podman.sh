#!/usr/bin/env bash
# Podman with $RUNTIME as its OCI runtime, through contrib/engines/podman-containers.conf
# (`--runtime berth`) and through `--runtime <path>`. Private storage, run and tmp
# dirs, network config and events log under one temp dir; cgroupfs driver.
#   RUNTIME=/usr/sbin/runc tests/engines/podman.sh
source "$(dirname "$0")/lib.sh"

eng_init podman
need_cmd podman conmon curl iptables-save ip ss

cg_parent=berth-engtest-podman
mkdir -p "$T"/{root,runroot,tmp,volumes,networks,vol}

# containers.conf: the limits this host allows (root lacks CAP_SYS_RESOURCE), the
# cgroupfs driver (no systemd), private network and events paths, and berth's entry
# from contrib with the binary under test in place of the install paths.
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "netavark"
network_config_dir = "$T/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
EOF
sed "s|^berth = .*|berth = [\"$RUNTIME\"]|" "$ENG_CONTRIB/podman-containers.conf" >>"$T/containers.conf"
printf 'unqualified-search-registries = []\n' >"$T/registries.conf"
cat >"$T/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/root"
runroot = "$T/runroot"
EOF
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_REGISTRIES_CONF=$T/registries.conf
export CONTAINERS_STORAGE_CONF=$T/storage.conf
keep_log "$T/events.log"

P=(podman --root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" --volumepath "$T/volumes"
  --network-config-dir "$T/networks" --cgroup-manager cgroupfs --events-backend file
  --runtime-flag "root=$T/rt")
# pm ARGS...: podman with berth selected by its containers.conf name.
pm() { "${P[@]}" --runtime berth "$@"; }
prun() { pm run --cgroup-parent "/$cg_parent" "$@"; }
status_of() { pm inspect --format '{{.State.Status}}' "$1" 2>&1; }

# Cleanup, run in reverse: containers, stray conmons, mounts, links, iptables, cgroups.
ip_forward=$(</proc/sys/net/ipv4/ip_forward)
defer "echo $ip_forward >/proc/sys/net/ipv4/ip_forward"
snapshot_iptables
snapshot_links
defer remove_cgroup "$cg_parent"
defer unmount_under "$T"
defer kill_matching "$T/"
defer "\"\${P[@]}\" --runtime berth rm --all --force --time 0"

make_rootfs_tar "$T/bb.tar"
assert_ok "import the busybox image" pm import --change 'CMD=["/bin/sh"]' "$T/bb.tar" localhost/bb
img=localhost/bb

# --- run, exit status, the runtime really used ----------------------------------
assert_eq "run prints the container's output" "hello" "$(out prun --rm $img echo hello)"
prun --rm $img sh -c 'exit 3' >/dev/null 2>&1
assert_eq "run returns the container's exit status" 3 "$?"
assert_eq "run with --runtime <path>" "by-path" \
  "$(out "${P[@]}" --runtime "$RUNTIME" run --rm --cgroup-parent "/$cg_parent" $img echo by-path)"

# --- a detached container through its lifecycle --------------------------------
c1=$(prun -d --name c1 $img sh -c 'echo started-c1; trap "exit 0" TERM; sleep 1000 & wait')
wait_status c1 running
assert_eq "inspect State.Status of run -d is running" running "$(status_of c1)"
assert_eq "inspect OCIRuntime names the berth entry" berth "$(out pm inspect --format '{{.OCIRuntime}}' c1)"
assert_contains "conmon drives the runtime under test" \
  "$(ps -o args= -C conmon | grep -F -- "${c1:0:64}")" "-r $RUNTIME"
assert_contains "the runtime under test reports the container running" \
  "$(out "$RUNTIME" --root "$T/rt" state "$c1")" running
assert_contains "ps lists the running container" \
  "$(out pm ps --format '{{.Names}} {{.Status}}')" "c1 Up"
assert_eq "exec runs in the container" "exec-ok 1" \
  "$(out pm exec c1 sh -c 'echo exec-ok $(cat /proc/1/cmdline | tr "\0" " " | grep -c trap)')"
pm exec c1 sh -c 'exit 5' >/dev/null 2>&1
assert_eq "exec returns the command's exit status" 5 "$?"
assert_contains "top shows the container's processes" "$(out pm top c1 pid args)" "sleep 1000"
stats=$(out pm stats --no-stream --format '{{.Name}} pids={{.PIDs}} mem={{.MemUsage}}' c1)
assert_contains "stats --no-stream reports the container" "$stats" "c1 pids="
[[ $stats =~ pids=([0-9]+) ]] && ((BASH_REMATCH[1] >= 2)) && _ok "stats counts its processes" ||
  _not_ok "stats counts its processes" "$stats"
assert_contains "logs returns what the container printed" "$(out pm logs c1)" "started-c1"
assert_ok "pause" pm pause c1
assert_eq "inspect State.Status after pause is paused" paused "$(status_of c1)"
assert_fails "exec into a paused container fails" pm exec c1 true
assert_ok "unpause" pm unpause c1
assert_eq "inspect State.Status after unpause is running" running "$(status_of c1)"
tty_out=$(pty_run 30 $'tty\necho ab""cd\nexit' "${P[@]}" --runtime berth exec -it c1 sh)
assert_contains "exec -it gets a terminal" "$tty_out" "/dev/pts/"
assert_contains "exec -it echoes typed input" "$tty_out" 'echo ab""cd'
assert_contains "exec -it runs typed commands" "$tty_out" $'\nabcd'
assert_ok "stop" pm stop --time 10 c1
assert_eq "inspect State.Status after stop is exited" exited "$(status_of c1)"
assert_eq "stop: the TERM handler's exit status" 0 "$(out pm inspect --format '{{.State.ExitCode}}' c1)"
assert_ok "rm" pm rm c1
assert_fails "rm removed the container" pm container exists c1

prun -d --name c2 $img sleep 1000 >/dev/null
assert_ok "kill" pm kill --signal KILL c2
wait_status c2 exited
assert_eq "inspect State.Status after kill is exited" exited "$(status_of c2)"
assert_eq "kill -s KILL: exit status 137" 137 "$(out pm inspect --format '{{.State.ExitCode}}' c2)"
pm rm -f c2 >/dev/null 2>&1

# --- run -it on a real terminal --------------------------------------------------
tty_out=$(pty_run 40 $'tty\necho ab""cd\nexit' "${P[@]}" --runtime berth run -it --rm \
  --cgroup-parent "/$cg_parent" $img sh)
assert_contains "run -it: tty is /dev/pts/0" "$tty_out" "/dev/pts/0"
assert_contains "run -it: typed input is echoed" "$tty_out" 'echo ab""cd'
assert_contains "run -it: typed commands run" "$tty_out" $'\nabcd'

# --- security and resource options ----------------------------------------------
assert_contains "--read-only: writing / fails" \
  "$(out prun --rm --read-only $img sh -c 'touch /x; echo rc=$?')" "Read-only file system"
assert_eq "--user 1000:1000" "1000:1000" "$(out prun --rm --user 1000:1000 $img sh -c 'echo $(id -u):$(id -g)')"
assert_eq "--cap-drop all --cap-add NET_ADMIN: CapEff" "CapEff:	0000000000001000" \
  "$(out prun --rm --cap-drop all --cap-add NET_ADMIN $img grep CapEff /proc/self/status)"
assert_contains "--cap-drop CHOWN: chown fails" \
  "$(out prun --rm --cap-drop CHOWN $img sh -c 'chown 1000 /tmp; echo rc=$?')" "rc=1"
write_seccomp_no_mkdir "$T/no-mkdir.json"
sc=$(out prun --rm --security-opt seccomp="$T/no-mkdir.json" $img sh -c 'touch /tmp/f && echo touch-ok; mkdir /tmp/d; echo rc=$?')
assert_contains "seccomp profile: other syscalls work" "$sc" "touch-ok"
assert_contains "seccomp profile: mkdir fails with EPERM" "$sc" "Operation not permitted"
assert_eq "the engine's default seccomp profile is loaded" "Seccomp:	2" \
  "$(out prun --rm $img grep '^Seccomp:' /proc/self/status)"

prun -d --name lim --memory 64m --pids-limit 50 $img sleep 1000 >/dev/null
inside=$(out pm exec lim sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
assert_eq "--memory 64m: the limit seen inside" 67108864 "$inside"
pid=$(pm inspect --format '{{.State.Pid}}' lim)
assert_eq "--memory 64m: the host's cgroup file" 67108864 \
  "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)" 2>&1)"
assert_eq "--pids-limit 50: the host's cgroup file" 50 "$(cat "$(cgroup_file "$pid" pids pids.max)" 2>&1)"
assert_eq "--pids-limit 50: seen inside" 50 \
  "$(out pm exec lim sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')"
pm rm -f --time 0 lim >/dev/null 2>&1

echo "from the host" >"$T/vol/in.txt"
assert_eq "-v: a host file is visible" "from the host" \
  "$(out prun --rm -v "$T/vol:/data" $img sh -c 'cat /data/in.txt; echo written >/data/out.txt')"
assert_eq "-v: a container write reaches the host" written "$(cat "$T/vol/out.txt" 2>&1)"
assert_contains "--tmpfs mounts a tmpfs" \
  "$(out prun --rm --tmpfs /scratch:size=8m $img grep ' /scratch ' /proc/mounts)" "tmpfs /scratch tmpfs"
assert_eq "--device: the node appears" "character special file 1:5 zeros" \
  "$(out prun --rm --device /dev/zero:/dev/zero2 $img sh -c 'stat -c "%F %t:%T" /dev/zero2 | tr "\n" " "; head -c 4 /dev/zero2 | od -An -tx1 | grep -q "00 00 00 00" && echo zeros')"

# --- -p on podman's default network: a real HTTP request from the host ---------------
port=$(free_port)
prun -d --name web -p "127.0.0.1:$port:80" $img httpd -f -p 80 -h /www >/dev/null
wait_for 15 curl -sf "http://127.0.0.1:$port/"
assert_eq "-p: an HTTP request from the host reaches httpd" "hello from berth engine test" \
  "$(curl -s --max-time 5 "http://127.0.0.1:$port/" 2>&1)"
pm rm -f --time 0 web >/dev/null 2>&1
