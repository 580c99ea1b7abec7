#!/usr/bin/env bash
# cgroup v1 without root, hierarchy by hierarchy: an admin delegated a directory to the user
# (chown'd) in the pids and cpu hierarchies, and in no other. $RUNTIME run by that user on a
# `spec --rootless` bundle whose cgroupsPath is below the delegated directory puts the
# container in those two hierarchies and leaves the others out; a pids limit is written and
# enforced there; a memory limit fails in one line naming the field and leaves nothing; pause
# fails in one line saying there is no freezer cgroup, and works once freezer is delegated
# too; delete removes what create made. The delegated directories are the test's own, at
# each hierarchy's root, removed at exit (never the machine's process_api).
#   RUNTIME=/usr/sbin/runc tests/rootless/cgroup-v1.sh
source "$(dirname "$0")/../engines/lib.sh"
eng_init rootless-cgroup-v1
source "$(dirname "$0")/user.sh"
need_cmd jq
# A v1 hierarchy's mount point by its controller, from mountinfo (a directory under
# /sys/fs/cgroup is no hierarchy unless a cgroup filesystem is mounted there).
v1_mount() { awk -v c="$1" '$9 == "cgroup" && ("," $NF ",") ~ ("," c ",") { print $5; exit }' /proc/self/mountinfo; }
for c in pids cpu freezer memory; do
  [[ -n $(v1_mount $c) ]] || skip "no cgroup v1 $c hierarchy on this host"
done
make_test_user 1400000 c
is_berth() { [[ $(basename "$RUNTIME") == berth ]]; }
rt() { as_user "$URT" "$@"; }

D=brl-deleg-$$
delegate() {
  local m
  m=$(v1_mount "$1")/$D
  mkdir "$m" && defer "rmdir $m"
  chown -R "$RU:$RU" "$m"
}
# Removes whatever the runtime left under the delegated directories (children first).
defer 'for m in $(awk '"'"'$9 == "cgroup" { print $5 }'"'"' /proc/self/mountinfo); do
  [[ -d $m/'"$D"' ]] && find "$m/'"$D"'" -mindepth 1 -depth -type d -exec rmdir {} +; done'
delegate pids
delegate cpu

B=$T/home/b
user_bundle "$B"
set_args() {
  jq --arg s "$1" --arg p "/$D/$2" ".process.terminal = false | .process.args = [\"sh\", \"-c\", \$s]
     | .linux.cgroupsPath = \$p | ${3:-.}" "$B/config.json.orig" >"$B/config.json" && chown "$RU:" "$B/config.json"
}
rt_quiet() { as_user "$URT" "$@" >"$T/rt.out" 2>&1; }
gap_path() { known_gap runc "runc 1.1.5 joins only what it may with no cgroupsPath; with one, a hierarchy it may not write fails create"; }

# --- the container in the delegated hierarchies only -------------------------------------
set_args 'exec sleep 1000' c1
gap_path
assert_ok "create with a cgroupsPath under the delegated directories" rt_quiet create -b "$B" c1
rt start c1 >/dev/null 2>&1
pid=$(rt state c1 2>/dev/null | jq -r .pid)
cg=$(cat /proc/"${pid:-0}"/cgroup 2>/dev/null)
gap_path
assert_contains "the init is in the delegated pids cgroup" "$cg" ":pids:/$D/c1"
gap_path
assert_contains "the init is in the delegated cpu cgroup" "$cg" ":cpu:/$D/c1"
assert_not_contains "the init is in no memory cgroup of the test's" "$cg" ":memory:/$D"
assert_eq "nothing made in the hierarchies not delegated" "" \
  "$(ls -d "$(v1_mount memory)/$D" "$(v1_mount freezer)/$D" "$(v1_mount blkio)/$D" 2>/dev/null)"
gap_path
assert_contains "ps lists the init (from its cgroup)" "$(out rt ps c1)" "${pid:-none}"
o=$(out rt pause c1)
assert_fails "pause without a writable freezer: refused" rt pause c1
gap_path
assert_eq "pause without a writable freezer: one line" 1 "$(wc -l <<<"$o")"
is_berth && assert_contains "pause without a writable freezer: says why" "$o" \
  "cannot toggle freezer: the container has no freezer cgroup (\"$(v1_mount freezer)/$D/c1\" was not writable by uid $RUID at create"
gap_path
assert_contains "still running after the refused pause" "$(out rt state c1)" '"running"'
rt kill c1 KILL >/dev/null 2>&1
wait_for 5 eval 'rt state c1 | grep -q stopped'
gap_path
assert_ok "delete" rt delete c1
assert_eq "delete removed the container's cgroups" "" \
  "$(ls -d "$(v1_mount pids)/$D/c1" "$(v1_mount cpu)/$D/c1" 2>/dev/null)"

# --- a limit in a delegated hierarchy: written and enforced ---------------------------------
set_args 'exec sleep 1000' c2 '.linux.resources = {pids: {limit: 6}}'
gap_path
rt_quiet create -b "$B" c2 && rt start c2 >/dev/null 2>&1
gap_path
assert_eq "pids.limit 6: pids.max in the delegated pids hierarchy" 6 "$(cat "$(v1_mount pids)/$D/c2/pids.max" 2>&1)"
# An exec'd shell forking ten sleeps: the sixth fork fails (the kernel counts it).
rt exec c2 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done' >/dev/null 2>&1
gap_path
assert_ok "pids.limit 6: pids.events counts them" test "$(sed -n 's/^max //p' "$(v1_mount pids)/$D/c2/pids.events" 2>/dev/null)" -gt 0
rt delete -f c2 >/dev/null 2>&1

# --- a limit in a hierarchy not delegated: one line, nothing left --------------------------
set_args true c3 '.linux.resources = {memory: {limit: 67108864}}'
o=$(out rt run -b "$B" c3)
assert_fails "a memory limit, memory not delegated: refused" rt run -b "$B" c3
assert_eq "a memory limit, memory not delegated: one line" 1 "$(wc -l <<<"$o")"
is_berth && assert_contains "a memory limit, memory not delegated: names the field and the directory" "$o" \
  ".linux.resources.memory.limit: the container has no memory cgroup (\"$(v1_mount memory)/$D/c3\" was not writable"
assert_eq "a refused limit leaves no cgroup in the delegated hierarchies" "" \
  "$(ls -d "$(v1_mount pids)/$D/c3" "$(v1_mount cpu)/$D/c3" 2>/dev/null)"
assert_eq "a refused limit leaves no state" "" "$(state_left "$RXDG/$(basename "$RUNTIME")")"

# --- freezer delegated too: pause and resume --------------------------------------------
delegate freezer
set_args 'exec sleep 1000' c4
gap_path
rt_quiet create -b "$B" c4 && rt start c4 >/dev/null 2>&1
gap_path
assert_ok "pause with a delegated freezer" rt pause c4
gap_path
assert_eq "freezer.state FROZEN" FROZEN "$(cat "$(v1_mount freezer)/$D/c4/freezer.state" 2>&1)"
gap_path
assert_contains "state is paused" "$(out rt state c4)" '"paused"'
gap_path
assert_ok "resume" rt resume c4
gap_path
assert_eq "freezer.state THAWED" THAWED "$(cat "$(v1_mount freezer)/$D/c4/freezer.state" 2>&1)"
rt delete -f c4 >/dev/null 2>&1
assert_eq "delete -f removed the cgroups of all three hierarchies" "" \
  "$(ls -d "$(v1_mount pids)/$D/c4" "$(v1_mount cpu)/$D/c4" "$(v1_mount freezer)/$D/c4" 2>/dev/null)"
assert_eq "no state is left" "" "$(state_left "$RXDG/$(basename "$RUNTIME")")"
