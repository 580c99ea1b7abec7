#!/usr/bin/env bash
# $RUNTIME run by an ordinary user with no root at all: `spec --rootless`, then run,
# create/start/exec/ps/list/state/kill/delete, checked from inside the container (uid_map,
# id, the read-only rootfs, /dev, /proc masks, hostname), a multi-range map through
# newuidmap/newgidmap, and each refusal: no XDG_RUNTIME_DIR, a range outside /etc/subuid,
# a cgroup limit on a host that gives the user no cgroup, an rlimit above the hard limit,
# a negative oom_score_adj. Berth's refusals must also name the field.
#   RUNTIME=/usr/sbin/runc tests/rootless/direct.sh
source "$(dirname "$0")/../engines/lib.sh"
eng_init rootless-direct
source "$(dirname "$0")/user.sh"
need_cmd jq
make_test_user 1100000 d
is_berth() { [[ $(basename "$RUNTIME") == berth ]]; }
rt() { as_user "$URT" "$@"; }

B=$T/home/b
user_bundle "$B"
# set_config JQ: edits the bundle's config.json.
set_config() { jq "$1" "$B/config.json.orig" >"$B/config.json" && chown "$RU:" "$B/config.json"; }
set_args() { set_config ".process.terminal = false | .process.args = [\"sh\", \"-c\", $(jq -Rn --arg a "$1" '$a')] | ${2:-.}"; }
host=$(jq -r .hostname "$B/config.json.orig")

# --- run: what the container sees ----------------------------------------------------
set_args 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; hostname
touch /x 2>&1; echo w=$?; ls /dev | tr "\n" " "; echo; echo x >/dev/null && echo devnull-ok
wc -c </proc/keys; echo 1 >/proc/sys/kernel/domainname 2>&1; echo sys=$?'
o=$(rt run -b "$B" c1 2>"$T/c1.err"; cat "$T/c1.err")  # runc may warn on stderr
assert_eq "run: uid 0 inside" 0 "$(sed -n 1p <<<"$o")"
assert_eq "run: gid 0 inside" 0 "$(sed -n 2p <<<"$o")"
assert_eq "run: uid_map maps 0 to the user" "0 $RUID 1" "$(sed -n 3p <<<"$o" | tr -s ' ' | sed 's/^ //')"
assert_eq "run: gid_map maps 0 to the user's group" "0 $RGID 1" "$(sed -n 4p <<<"$o" | tr -s ' ' | sed 's/^ //')"
assert_eq "run: hostname from config.json" "$host" "$(sed -n 5p <<<"$o")"
assert_contains "run: the rootfs is read-only" "$o" "Read-only file system"
assert_contains "run: /dev has the default devices" "$(sed -n 8p <<<"$o")" "null ptmx pts random shm stderr stdin stdout tty urandom zero"
assert_contains "run: /dev/null is writable" "$o" devnull-ok
assert_contains "run: /proc/keys is masked (empty)" "$o" $'\n0\n'
assert_contains "run: /proc/sys is read-only" "$o" "sys=1"
assert_eq "run: no state is left" "" "$(state_left "$RXDG/$(basename "$RUNTIME")")"

# --- create, start, exec, ps, list, state, kill, delete ------------------------------
set_args 'echo $$ >/dev/shm/pid; exec sleep 1000'
# The init keeps create's stdio until start: not a pipe the test waits on.
rt_quiet() { as_user "$URT" "$@" >"$T/rt.out" 2>&1; }
assert_ok "create" rt_quiet create -b "$B" c2
assert_contains "state after create" "$(out rt state c2)" '"created"'
assert_contains "list shows the container" "$(out rt list)" c2
assert_ok "start" rt start c2
wait_for 5 eval 'rt state c2 | grep -q running'
assert_contains "state after start" "$(out rt state c2)" '"running"'
assert_eq "exec: runs in the container as its root, in its pid namespace" "0 in" \
  "$(out rt exec c2 sh -c '[ $$ -gt 1 ] && [ $$ -lt 100 ] && echo $(id -u) in')"
assert_eq "exec: sees the init's files" 1 "$(out rt exec c2 cat /dev/shm/pid)"
rt exec c2 sh -c 'exit 7' >/dev/null 2>&1
assert_eq "exec: returns the exit status" 7 "$?"
pid=$(rt state c2 | jq -r .pid)
known_gap runc "runc ps needs a cgroup: 'unable to get all container pids'"
assert_contains "ps lists the init" "$(out rt ps c2)" "$pid"
o=$(out rt pause c2)
assert_contains "pause without a cgroup: refused, saying why" "$o" "cannot toggle freezer"
known_gap runc "runc 1.1.5 adds a warning line: 'runc pause may fail if you don't have the full access to cgroups'"
assert_eq "pause without a cgroup: one line" 1 "$(wc -l <<<"$o")"
assert_contains "pause without a cgroup: still running" "$(out rt state c2)" '"running"'
# checkpoint without root: criu 3.17 needs root (or --unprivileged with
# CAP_CHECKPOINT_RESTORE). runc 1.1 only warns and lets criu fail; berth refuses in one
# line, before running criu, and the container keeps running either way.
o=$(rt checkpoint --image-path "$B/img" c2 2>&1)
assert_eq "checkpoint as the user: refused" 1 "$([[ $? -ne 0 ]] && echo 1)"
is_berth && assert_eq "checkpoint as the user: in one line, saying it needs root" \
  "1 1" "$(wc -l <<<"$o") $(grep -c 'checkpoint "c2": checkpoint/restore needs root' <<<"$o")"
assert_contains "checkpoint as the user: the container keeps running" "$(out rt state c2)" '"running"'
assert_ok "kill KILL" rt kill c2 KILL
wait_for 5 eval 'rt state c2 | grep -q stopped'
assert_contains "state after kill" "$(out rt state c2)" '"stopped"'
assert_ok "delete" rt delete c2
assert_fails "delete removed it" rt state c2

# --- several ranges: newuidmap/newgidmap ---------------------------------------------
set_args 'cat /proc/self/uid_map | wc -l; touch /dev/shm/f && chown 1000:1000 /dev/shm/f && stat -c %u:%g /dev/shm/f' \
  ".linux.uidMappings = [{containerID: 0, hostID: $RUID, size: 1}, {containerID: 1, hostID: $SUB, size: 65536}]
   | .linux.gidMappings = [{containerID: 0, hostID: $RGID, size: 1}, {containerID: 1, hostID: $SUB, size: 65536}]
   | .process.capabilities.bounding += [\"CAP_CHOWN\"] | .process.capabilities.effective += [\"CAP_CHOWN\"]
   | .process.capabilities.permitted += [\"CAP_CHOWN\"]"
o=$(out rt run -b "$B" c3)
assert_eq "several ranges: two uid_map lines and uid 1000 usable" $'2\n1000:1000' "$o"

# --- mounts in the user namespace -----------------------------------------------------
# A host mount whose nosuid, nodev and noexec the kernel locks for the user namespace: a
# read-only bind of it must keep them (EPERM otherwise). devpts with gid=5, which the
# namespace does not map, and a sysfs mount without a network namespace (a bind of /sys).
install -d -m 0755 "$T/locked"
mount -t tmpfs -o nosuid,nodev,noexec,size=1m tmpfs "$T/locked" && defer umount -l "$T/locked"
echo locked >"$T/locked/f"
set_args 'grep " /mnt " /proc/mounts | cut -d" " -f4; cat /mnt/f' \
  ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$T/locked\", options: [\"rbind\", \"ro\"]}]"
mkdir -p "$B/rootfs/mnt"
o=$(rt run -b "$B" c9 2>"$T/c9.err"; cat "$T/c9.err")
gap_locked() { known_gap runc "runc 1.1.5 remounts a ro bind without the flags the kernel locked: EPERM"; }
gap_locked
opts=$(sed -n 1p <<<"$o")
assert_contains "a ro bind of a nosuid,nodev,noexec mount: read-only" ",$opts," ",ro,"
gap_locked
assert_eq "a ro bind of a nosuid,nodev,noexec mount: the locked flags kept" "nosuid nodev noexec" \
  "$(for f in nosuid nodev noexec; do [[ ,$opts, == *",$f,"* ]] && printf '%s ' $f; done | sed 's/ $//')"
gap_locked
assert_eq "a ro bind of a nosuid,nodev,noexec mount: readable" locked "$(sed -n 2p <<<"$o")"
set_args 'ls /sys/kernel | grep -c . >/dev/null && echo sys-ok' \
  '.mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]} else . end)'
known_gap runc "runc 1.1 mounts sysfs without a network namespace of its own: EPERM (later runc binds /sys)"
assert_eq "sysfs without a network namespace: the host's /sys is bound" sys-ok "$(out rt run -b "$B" c11)"

set_args 'grep " /dev/pts " /proc/mounts | grep -c gid=; ls -n /dev/pts/ptmx | wc -l' \
  '.mounts |= map(if .destination == "/dev/pts" then .options += ["gid=5"] else . end)'
known_gap runc "runc refuses a gid= the user namespace does not map; crun drops it, as berth does"
assert_eq "devpts: an unmapped gid=5 is dropped" $'0\n1' "$(out rt run -b "$B" c10)"

# A createContainer hook runs in the container's namespaces, joined by a runtime without
# root (berth joins them from outside; the init must stay joinable until the hook is done).
set_args 'echo ran' '.hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", "read -r s; ! grep -q 4294967295 /proc/self/uid_map"]}]}'
assert_eq "a createContainer hook runs in the container's user namespace" ran "$(out rt run -b "$B" c12)"

# --- refusals --------------------------------------------------------------------------
set_args true
o=$(out as_user_noxdg "$URT" run -b "$B" c4)
if is_berth; then
  assert_contains "no XDG_RUNTIME_DIR: says what to set" "$o" "set XDG_RUNTIME_DIR to a directory you own"
else
  assert_fails "no XDG_RUNTIME_DIR: refused" as_user_noxdg "$URT" run -b "$B" c4
fi
set_args true ".linux.uidMappings = [{containerID: 0, hostID: $RUID, size: 1}, {containerID: 1, hostID: $((SUB + 200000)), size: 10}]
   | .linux.gidMappings = [{containerID: 0, hostID: $RGID, size: 1}]"
o=$(out rt run -b "$B" c5)
assert_fails "a range outside /etc/subuid: refused" rt run -b "$B" c5
is_berth && assert_contains "a range outside /etc/subuid: names the field" "$o" ".linux.uidMappings[1]: host ids"
set_args true '.linux.resources = {memory: {limit: 67108864}}'
o=$(out rt run -b "$B" c6)
assert_fails "a memory limit without a writable cgroup: refused" rt run -b "$B" c6
is_berth && assert_contains "a memory limit without a writable cgroup: names the field" "$o" ".linux.resources.memory.limit"
hard=$(as_user sh -c 'ulimit -Hn')
set_args true ".process.rlimits = [{type: \"RLIMIT_NOFILE\", hard: $((hard + 1)), soft: 1024}]"
o=$(out rt run -b "$B" c7)
assert_fails "nofile above the hard limit: refused" rt run -b "$B" c7
is_berth && assert_contains "nofile above the hard limit: names the field" "$o" "RLIMIT_NOFILE"
set_args true '.process.oomScoreAdj = -100'
o=$(out rt run -b "$B" c8)
assert_fails "a negative oomScoreAdj: refused" rt run -b "$B" c8
is_berth && assert_contains "a negative oomScoreAdj: names the field" "$o" ".process.oomScoreAdj"
# An idmapped bind of a host directory: the kernel idmaps a mount only for CAP_SYS_ADMIN
# over its filesystem, which no user namespace of the user's gives.
install -d -m 0755 "$T/idm" && touch "$T/idm/f" && chown 1000:1000 "$T/idm/f"
mkdir -p "$B/rootfs/m"
set_args 'stat -c %u /m/f' ".mounts += [{destination: \"/m\", type: \"bind\", source: \"$T/idm\", options: [\"rbind\"],
   uidMappings: [{containerID: 1000, hostID: $RUID, size: 1}], gidMappings: [{containerID: 1000, hostID: $RGID, size: 1}]}]"
o=$(out rt run -b "$B" c13)
known_gap runc "runc 1.1.5 ignores a mount's uidMappings: the bind is not idmapped (65534 inside)"
assert_fails "an idmapped bind of a host directory: refused" rt run -b "$B" c13
is_berth && assert_eq "an idmapped bind of a host directory: one line naming the field and why" 1 \
  "$(grep -c 'uidMappings: an idmapped bind of .* needs root (CAP_SYS_ADMIN over its filesystem)' <<<"$o")"
assert_eq "refusals leave no state behind" "" "$(state_left "$RXDG/$(basename "$RUNTIME")")"
