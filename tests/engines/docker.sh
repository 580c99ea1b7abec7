#!/usr/bin/env bash
# Docker (dockerd 20.10) with $RUNTIME as a named runtime, both ways Docker offers:
# `dockerd --add-runtime berth=<path>` and the daemon.json "runtimes" form from
# contrib/engines/docker-daemon.json (dockerd refuses both at once, so it is started
# twice on the same private data root). dockerd runs its own containerd under a
# private exec root, on a private bridge the test makes (no iptables rules, no
# ip_forward change: published ports go through Docker's userland proxy; containers
# other than the -p one use --network none), the cgroupfs driver and ulimits this
# host allows.
#   RUNTIME=/usr/sbin/runc tests/engines/docker.sh
source "$(dirname "$0")/lib.sh"

eng_init docker
need_cmd dockerd containerd containerd-shim-runc-v2 docker-proxy curl ip ss
DOCKER=/usr/bin/docker   # docker.io's CLI, matching the daemon (not a newer one in PATH)
[[ -x $DOCKER ]] || skip "$DOCKER (docker.io) is not installed"

cg_parent=berth-engtest-docker
d=$T/docker
mkdir -p "$d"/{data,exec,cli,vol}
export DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/cli
dk() { "$DOCKER" "$@"; }
drun() { dk run --runtime berth --network none "$@"; }
status_of() { dk inspect --format '{{.State.Status}}' "$1" 2>&1; }

defer remove_cgroup "$cg_parent"
snapshot_dir /run/containerd
snapshot_dir /etc/docker
snapshot_links
defer unmount_under "$T"
defer kill_matching "$d/"

# The private bridge (docker0 would be the host-wide default); snapshot_links deletes it
# and the containers' veths at exit.
dk_bridge=berth-dk$$
ip link add "$dk_bridge" type bridge && ip addr add 10.213.47.1/24 dev "$dk_bridge" && ip link set "$dk_bridge" up \
  || { _not_ok "make the test's bridge $dk_bridge"; exit 1; }

# start_dockerd NAME ARGS...: dockerd with the private paths and host limits.
start_dockerd() {
  local name=$1
  shift
  start_daemon "$name" "$T/$name.log" dockerd \
    --data-root "$d/data" --exec-root "$d/exec" -H "$DOCKER_HOST" --pidfile "$d/docker.pid" \
    --bridge "$dk_bridge" --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --userland-proxy=true --oom-score-adjust 0 \
    --default-ulimit nofile=1024:1024 --default-ulimit nproc=1024:1024 \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$cg_parent" \
    --storage-driver overlay2 --log-level debug "$@"
  wait_for 60 dk version || { _not_ok "dockerd starts" "$(tail -n 30 "$T/$name.log")"; exit 1; }
}
rm_all() { local ids; ids=$(dk ps -aq 2>/dev/null) && [[ -n $ids ]] && dk rm -f $ids; }

# --- 1: --add-runtime ------------------------------------------------------------------
printf '{}\n' >"$d/empty.json"
start_dockerd dockerd-flag --config-file "$d/empty.json" --add-runtime "berth=$RUNTIME"
defer rm_all
make_rootfs_tar "$T/bb.tar"
assert_ok "import the busybox image" dk import --change 'CMD ["/bin/sh"]' "$T/bb.tar" localhost/bb
img=localhost/bb
assert_contains "info lists the runtime added with --add-runtime" \
  "$(out dk info --format '{{json .Runtimes}}')" "\"berth\":{\"path\":\"$RUNTIME\""
assert_eq "--add-runtime: run prints the container's output" hello "$(out drun --rm $img echo hello)"
rm_all >/dev/null 2>&1
stop_daemon dockerd-flag

# --- 2: daemon.json "runtimes" -------------------------------------------------------
sed "s|\"path\": .*|\"path\": \"$RUNTIME\"|" "$ENG_CONTRIB/docker-daemon.json" >"$d/daemon.json"
start_dockerd dockerd-json --config-file "$d/daemon.json"
assert_contains "info lists the runtime from daemon.json" \
  "$(out dk info --format '{{json .Runtimes}}')" "\"berth\":{\"path\":\"$RUNTIME\""
assert_eq "run prints the container's output" hello "$(out drun --rm $img echo hello)"
drun --rm $img sh -c 'exit 3' >/dev/null 2>&1
assert_eq "run returns the container's exit status" 3 "$?"

# --- a detached container through its lifecycle --------------------------------------
c1=$(drun -d --name c1 $img sh -c 'echo started-c1; trap "exit 0" TERM; sleep 1000 & wait')
wait_status c1 running
assert_eq "inspect State.Status of run -d is running" running "$(status_of c1)"
assert_eq "inspect HostConfig.Runtime is berth" berth "$(out dk inspect --format '{{.HostConfig.Runtime}}' c1)"
# dockerd 20.10 gives every runtime the runc v2 shim's Root <exec-root>/runtime-runc.
assert_contains "the runtime under test reports the container running" \
  "$(out "$RUNTIME" --root "$d/exec/runtime-runc/moby" state "$c1")" running
assert_contains "ps lists the running container" "$(out dk ps --format '{{.Names}} {{.Status}}')" "c1 Up"
assert_eq "exec runs in the container" exec-ok "$(out dk exec c1 echo exec-ok)"
dk exec c1 sh -c 'exit 5' >/dev/null 2>&1
assert_eq "exec returns the command's exit status" 5 "$?"
assert_contains "top shows the container's processes" "$(out dk top c1)" "sleep 1000"
stats=$(out dk stats --no-stream --format '{{.Name}} pids={{.PIDs}} mem={{.MemUsage}}' c1)
assert_contains "stats --no-stream reports the container" "$stats" "c1 pids="
[[ $stats =~ pids=([0-9]+) ]] && ((BASH_REMATCH[1] >= 2)) && _ok "stats counts its processes" ||
  _not_ok "stats counts its processes" "$stats"
assert_contains "logs returns what the container printed" "$(out dk logs c1)" "started-c1"
assert_ok "pause" dk pause c1
assert_eq "inspect State.Status after pause is paused" paused "$(status_of c1)"
assert_ok "unpause" dk unpause c1
assert_eq "inspect State.Status after unpause is running" running "$(status_of c1)"
tty_out=$(pty_run 30 $'tty\necho ab""cd\nexit' "$DOCKER" exec -it c1 sh)
assert_contains "exec -it gets a terminal" "$tty_out" "/dev/pts/"
assert_contains "exec -it echoes typed input" "$tty_out" 'echo ab""cd'
assert_contains "exec -it runs typed commands" "$tty_out" $'\nabcd'
assert_ok "stop" dk stop --time 10 c1
assert_eq "inspect State.Status after stop is exited" exited "$(status_of c1)"
assert_eq "stop: the TERM handler's exit status" 0 "$(out dk inspect --format '{{.State.ExitCode}}' c1)"
assert_ok "rm" dk rm c1
assert_fails "rm removed the container" dk inspect c1

drun -d --name c2 $img sleep 1000 >/dev/null
wait_status c2 running
assert_ok "kill" dk kill c2
wait_status c2 exited
assert_eq "inspect State.Status after kill is exited" exited "$(status_of c2)"
assert_eq "kill: exit status 137" 137 "$(out dk inspect --format '{{.State.ExitCode}}' c2)"
dk rm -f c2 >/dev/null 2>&1

# --- run -it on a real terminal ----------------------------------------------------------
tty_out=$(pty_run 40 $'tty\necho ab""cd\nexit' "$DOCKER" run -it --rm --runtime berth --network none $img sh)
assert_contains "run -it: tty is /dev/pts/0" "$tty_out" "/dev/pts/0"
assert_contains "run -it: typed input is echoed" "$tty_out" 'echo ab""cd'
assert_contains "run -it: typed commands run" "$tty_out" $'\nabcd'

# --- security and resource options -------------------------------------------------------
assert_contains "--read-only: writing / fails" \
  "$(out drun --rm --read-only $img sh -c 'touch /x; echo rc=$?')" "Read-only file system"
assert_eq "--user 1000:1000" "1000:1000" "$(out drun --rm --user 1000:1000 $img sh -c 'echo $(id -u):$(id -g)')"
assert_eq "--cap-drop all --cap-add NET_ADMIN: CapEff" "CapEff:	0000000000001000" \
  "$(out drun --rm --cap-drop all --cap-add NET_ADMIN $img grep CapEff /proc/self/status)"
assert_contains "--cap-drop CHOWN: chown fails" \
  "$(out drun --rm --cap-drop CHOWN $img sh -c 'chown 1000 /tmp; echo rc=$?')" "rc=1"
write_seccomp_no_mkdir "$T/no-mkdir.json"
sc=$(out drun --rm --security-opt seccomp="$T/no-mkdir.json" $img sh -c 'touch /tmp/f && echo touch-ok; mkdir /tmp/d; echo rc=$?')
assert_contains "seccomp profile: other syscalls work" "$sc" "touch-ok"
assert_contains "seccomp profile: mkdir fails with EPERM" "$sc" "Operation not permitted"
assert_eq "the engine's default seccomp profile is loaded" "Seccomp:	2" \
  "$(out drun --rm $img grep '^Seccomp:' /proc/self/status)"
# Docker's default profile allows unshare only with CAP_SYS_ADMIN (a user namespace
# needs no capability, so without the profile this succeeds).
assert_contains "the default seccomp profile refuses unshare without CAP_SYS_ADMIN" \
  "$(out drun --rm $img sh -c 'unshare -U true; echo rc=$?')" "rc=1"

drun -d --name lim --memory 64m --pids-limit 50 $img sleep 1000 >/dev/null
wait_status lim running
assert_eq "--memory 64m: the limit seen inside" 67108864 \
  "$(out dk exec lim sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')"
pid=$(dk inspect --format '{{.State.Pid}}' lim)
assert_eq "--memory 64m: the host's cgroup file" 67108864 \
  "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)" 2>&1)"
assert_eq "--pids-limit 50: the host's cgroup file" 50 "$(cat "$(cgroup_file "$pid" pids pids.max)" 2>&1)"
dk rm -f lim >/dev/null 2>&1

echo "from the host" >"$d/vol/in.txt"
assert_eq "-v: a host file is visible" "from the host" \
  "$(out drun --rm -v "$d/vol:/data" $img sh -c 'cat /data/in.txt; echo written >/data/out.txt')"
assert_eq "-v: a container write reaches the host" written "$(cat "$d/vol/out.txt" 2>&1)"
assert_contains "--tmpfs mounts a tmpfs" \
  "$(out drun --rm --tmpfs /scratch:size=8m $img grep ' /scratch ' /proc/mounts)" "tmpfs /scratch tmpfs"
assert_eq "--device: the node appears" "character special file 1:5 zeros" \
  "$(out drun --rm --device /dev/zero:/dev/zero2 $img sh -c 'stat -c "%F %t:%T" /dev/zero2 | tr "\n" " "; head -c 4 /dev/zero2 | od -An -tx1 | grep -q "00 00 00 00" && echo zeros')"

# --- -p on the test's bridge: a real HTTP request from the host ----------------------
port=$(free_port)
dk run --runtime berth -d --name web -p "127.0.0.1:$port:80" $img httpd -f -p 80 -h /www >/dev/null
wait_for 15 curl -sf "http://127.0.0.1:$port/"
assert_eq "-p: an HTTP request from the host reaches httpd" "hello from berth engine test" \
  "$(curl -s --max-time 5 "http://127.0.0.1:$port/" 2>&1)"
dk rm -f web >/dev/null 2>&1
