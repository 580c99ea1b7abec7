#!/usr/bin/env bash
# Rootless Podman, run by an ordinary user made by the test, with `--runtime` $RUNTIME:
# run, run -d, exec, exec -it (a real pty), stop, kill, rm, logs, inspect, --read-only,
# --user, --cap-drop, --userns=keep-id with a bind-mounted directory that stays the user's,
# -v, --tmpfs, and --memory on this host, where the user has no cgroup. --network none:
# /dev/net/tun is 0600 here. Storage (vfs), run root and events under the user's home.
#   RUNTIME=/usr/sbin/runc tests/rootless/podman.sh
source "$(dirname "$0")/../engines/lib.sh"
eng_init rootless-podman
need_cmd podman conmon
source "$(dirname "$0")/user.sh"
make_test_user 1300000 p

H=$T/home
install -d -o "$RU" -g "$RU" "$H/vol"
podman_config
prun() { pm run --network none "$@"; }
status_of() { pm inspect --format '{{.State.Status}}' "$1" 2>&1; }

make_rootfs_tar "$T/bb.tar"
chmod 644 "$T/bb.tar"
assert_ok "import the busybox image as the user" pm import --change 'CMD=["/bin/sh"]' "$T/bb.tar" localhost/bb
img=localhost/bb

# --- run --------------------------------------------------------------------------------
assert_eq "run prints the container's output" hello "$(out prun --rm $img echo hello)"
prun --rm $img sh -c 'exit 3' >/dev/null 2>&1
assert_eq "run returns the container's exit status" 3 "$?"
assert_eq "run: root inside is the user outside" "0 $RUID 1" \
  "$(out prun --rm $img sh -c 'id -u; head -n 1 /proc/self/uid_map' | tr -s ' \n' ' ' | sed 's/^0 0 /0 /; s/ $//')"

# --- a detached container through its lifecycle --------------------------------------------
c1=$(pm run -d --network none --name c1 $img sh -c 'echo started-c1; trap "exit 0" TERM; sleep 1000 & wait' 2>&1)
wait_status c1 running
assert_eq "run -d: inspect State.Status is running" running "$(status_of c1)"
assert_contains "conmon drives the runtime under test" "$(ps -o args= -C conmon -u "$RU")" "-r $URT"
assert_eq "exec runs in the container" "exec-ok" "$(out pm exec c1 sh -c 'echo exec-ok')"
pm exec c1 sh -c 'exit 5' >/dev/null 2>&1
assert_eq "exec returns the command's exit status" 5 "$?"
tty_out=$(pty_run 30 $'tty\necho ab""cd\nexit' runuser -u "$RU" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin \
  HOME="$H" USER="$RU" XDG_RUNTIME_DIR="$RXDG" podman --runtime "$URT" exec -it c1 sh)
assert_contains "exec -it gets a terminal" "$tty_out" "/dev/pts/"
assert_contains "exec -it runs typed commands" "$tty_out" $'\nabcd'
assert_contains "logs returns what the container printed" "$(out pm logs c1)" started-c1
assert_ok "stop" pm stop --time 10 c1
assert_eq "inspect State.Status after stop is exited" exited "$(status_of c1)"
assert_eq "stop: the TERM handler's exit status" 0 "$(out pm inspect --format '{{.State.ExitCode}}' c1)"
assert_ok "rm" pm rm c1
assert_fails "rm removed the container" pm container exists c1
pm run -d --network none --name c2 $img sleep 1000 >/dev/null 2>&1
wait_status c2 running
assert_ok "kill" pm kill --signal KILL c2
wait_status c2 exited
assert_eq "kill -s KILL: exit status 137" 137 "$(out pm inspect --format '{{.State.ExitCode}}' c2)"
pm rm -f c2 >/dev/null 2>&1

# --- options -------------------------------------------------------------------------------
assert_contains "--read-only: writing / fails" \
  "$(out prun --rm --read-only $img sh -c 'touch /x; echo rc=$?')" "Read-only file system"
assert_eq "--user 1000:1000" "1000:1000" "$(out prun --rm --user 1000:1000 $img sh -c 'echo $(id -u):$(id -g)')"
assert_contains "--cap-drop CHOWN: chown fails" \
  "$(out prun --rm --cap-drop CHOWN $img sh -c 'chown 1000 /tmp; echo rc=$?')" "rc=1"
assert_eq "--cap-drop all: CapEff is empty" "CapEff:	0000000000000000" \
  "$(out prun --rm --cap-drop all $img grep CapEff /proc/self/status)"
echo "from the host" >"$H/vol/in.txt"
chown -R "$RU:$RU" "$H/vol"
assert_eq "-v: a host file is visible" "from the host" \
  "$(out prun --rm -v "$H/vol:/data" $img sh -c 'cat /data/in.txt; echo written >/data/out.txt')"
assert_eq "-v: a container write reaches the host, owned by the user" "written $RU" \
  "$(cat "$H/vol/out.txt" 2>&1) $(stat -c %U "$H/vol/out.txt" 2>&1)"
assert_eq "--userns=keep-id: the user's own ids inside" "$RUID:$RGID" \
  "$(out prun --rm --userns=keep-id $img sh -c 'echo $(id -u):$(id -g)')"
assert_eq "--userns=keep-id: a new file in the bound directory is the user's on the host" "$RU $RU" \
  "$(prun --rm --userns=keep-id -v "$H/vol:/data" $img sh -c 'echo nb >/data/nb.txt' >/dev/null 2>&1
     stat -c '%U %G' "$H/vol/nb.txt" 2>&1)"
assert_eq "--userns=keep-id: the user's files are its own inside" "$RUID" \
  "$(out prun --rm --userns=keep-id -v "$H/vol:/data" $img stat -c %u /data/in.txt)"
assert_contains "--tmpfs mounts a tmpfs" \
  "$(out prun --rm --tmpfs /scratch:size=8m $img grep ' /scratch ' /proc/mounts)" "tmpfs /scratch tmpfs"
# No cgroup is delegated to the user on this hybrid host: a memory limit cannot be enforced.
# Podman 4.3 drops it with a warning before the runtime sees it, on cgroup v1.
mem=$(out prun --rm --memory 64m $img sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')
assert_contains "--memory without a cgroup: podman says it is not applied" "$mem" "not supported"
