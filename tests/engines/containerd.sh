#!/usr/bin/env bash
# containerd with $RUNTIME under its runc v2 shim, driven by ctr:
# `ctr run --runtime io.containerd.runc.v2 --runc-binary $RUNTIME`. containerd runs
# with a private config.toml (root, state, sockets, plugin paths) that also carries
# berth's runtime entry from contrib/engines/containerd-config.toml; that entry is
# for the CRI plugin and is exercised by cri.sh (ctr 1.6 cannot select a CRI runtime
# entry: its --runtime-config-path is only passed to non-runc shims).
#   RUNTIME=/usr/sbin/runc tests/engines/containerd.sh
source "$(dirname "$0")/lib.sh"

eng_init containerd
need_cmd containerd ctr containerd-shim-runc-v2

ns=berth-engtest-containerd
defer remove_cgroup "$ns"
start_containerd
d=$T/containerd
C=(ctr --address "$CTR_SOCK" --namespace "$ns")
RUN=(run --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" --runc-root "$d/runc" --fifo-dir "$d/fifo")
img=localhost/bb:latest

# Leave no task or container: kill and delete what is left, before containerd stops.
cleanup_tasks() {
  local id
  for id in $("${C[@]}" tasks ls -q 2>/dev/null); do
    "${C[@]}" tasks kill -s SIGKILL "$id"
    sleep 0.3
    "${C[@]}" tasks delete -f "$id"
  done
  for id in $("${C[@]}" containers ls -q 2>/dev/null); do "${C[@]}" containers delete "$id"; done
}
defer cleanup_tasks

task_status() { "${C[@]}" tasks ls 2>&1 | awk -v id="$1" '$1 == id { print $3 }'; }
wait_task() {
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(task_status "$1") == "$2" ]] && return 0
    sleep 0.2
  done
  return 1
}

make_oci_archive "$T/bb-oci.tar" "$img=[\"/bin/sh\"]"
assert_ok "import the busybox OCI archive" "${C[@]}" images import "$T/bb-oci.tar"
assert_contains "the image is listed" "$(out "${C[@]}" images ls -q)" "$img"

# --- ctr run ----------------------------------------------------------------------
assert_eq "ctr run --runc-binary prints the container's output" hello \
  "$(out "${C[@]}" "${RUN[@]}" --rm $img r1 echo hello)"
"${C[@]}" "${RUN[@]}" --rm $img r2 sh -c 'exit 3' >/dev/null 2>&1
assert_eq "ctr run returns the container's exit status" 3 "$?"
tty_out=$(pty_run 30 $'tty\necho ab""cd\nexit' "${C[@]}" "${RUN[@]}" --rm -t $img r3 sh)
assert_contains "ctr run -t: tty is /dev/pts/0" "$tty_out" "/dev/pts/0"
assert_contains "ctr run -t: typed input is echoed" "$tty_out" 'echo ab""cd'
assert_contains "ctr run -t: typed commands run" "$tty_out" $'\nabcd'

# --- a detached task: exec, ps, metrics, pause/resume, kill, delete ------------------
assert_ok "ctr run -d" "${C[@]}" "${RUN[@]}" -d --memory-limit 67108864 $img c1 sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
wait_task c1 RUNNING
assert_eq "tasks ls: RUNNING" RUNNING "$(task_status c1)"
assert_contains "the runtime under test reports the container running" \
  "$(out "$RUNTIME" --root "$d/runc/$ns" state c1)" running
assert_eq "tasks exec" exec-ok "$(out "${C[@]}" tasks exec --fifo-dir "$d/fifo" --exec-id e1 c1 echo exec-ok)"
"${C[@]}" tasks exec --fifo-dir "$d/fifo" --exec-id e2 c1 sh -c 'exit 4' >/dev/null 2>&1
assert_eq "tasks exec returns the exit status" 4 "$?"
tty_out=$(pty_run 30 $'tty\necho ab""cd\nexit' "${C[@]}" tasks exec -t --fifo-dir "$d/fifo" --exec-id e3 c1 sh)
assert_contains "tasks exec -t gets a terminal" "$tty_out" "/dev/pts/"
assert_contains "tasks exec -t runs typed commands" "$tty_out" $'\nabcd'
init_pid=$("${C[@]}" tasks ls | awk '$1 == "c1" { print $2 }')
assert_contains "tasks ps lists the init" "$(out "${C[@]}" tasks ps c1)" "$init_pid"
assert_eq "--memory-limit: the host's cgroup file" 67108864 \
  "$(cat "$(cgroup_file "$init_pid" memory memory.limit_in_bytes)" 2>&1)"
metrics=$(out "${C[@]}" tasks metrics c1)
assert_contains "tasks metrics reports memory" "$metrics" "memory.usage_in_bytes"
assert_contains "tasks metrics reports pids" "$metrics" "pids.current"
assert_ok "tasks pause" "${C[@]}" tasks pause c1
assert_eq "tasks ls after pause: PAUSED" PAUSED "$(task_status c1)"
assert_eq "the host's freezer says FROZEN" FROZEN "$(cat "$(cgroup_file "$init_pid" freezer freezer.state)" 2>&1)"
assert_ok "tasks resume" "${C[@]}" tasks resume c1
assert_eq "tasks ls after resume: RUNNING" RUNNING "$(task_status c1)"
assert_ok "tasks kill (TERM)" "${C[@]}" tasks kill c1
wait_task c1 STOPPED
assert_eq "tasks ls after kill: STOPPED" STOPPED "$(task_status c1)"
assert_ok "tasks delete" "${C[@]}" tasks delete c1
assert_eq "the task is gone" "" "$(task_status c1)"
assert_ok "the runtime removed its state" test ! -e "$d/runc/$ns/c1"
assert_ok "containers delete" "${C[@]}" containers delete c1
assert_not_contains "the container is gone" "$(out "${C[@]}" containers ls -q)" c1

"${C[@]}" "${RUN[@]}" -d $img c2 sleep 1000 >/dev/null 2>&1
wait_task c2 RUNNING
assert_ok "tasks kill -s SIGKILL" "${C[@]}" tasks kill -s SIGKILL c2
wait_task c2 STOPPED
assert_eq "tasks ls after SIGKILL: STOPPED" STOPPED "$(task_status c2)"
assert_contains "tasks delete reports exit status 137" "$(out "${C[@]}" tasks delete c2)" "137"
"${C[@]}" containers delete c2 >/dev/null 2>&1
