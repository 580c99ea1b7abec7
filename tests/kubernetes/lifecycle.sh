#!/usr/bin/env bash
# Pods through their life as kubelet drives them over CRI, on one containerd 1.6 (Debian's,
# private root, state and sockets) whose runtime entry is contrib/kubernetes's
# containerd-1.x.toml with BinaryName = $RUNTIME:
#  - probes and logs: 200 ExecSync calls in a row leak no process, fd or mount (containerd's,
#    the shim's, the container's; no runtime process left); an ExecSync timeout is honoured
#    and its process killed; streaming Exec and Attach through containerd's streaming server
#    (websocket, v4.channel.k8s.io; cri_life.py); the CRI log format, long lines split
#    P/F; ReopenContainerLog after kubelet's rename;
#  - lifecycle: StopContainer's grace on a process that ignores SIGTERM (killed after the
#    grace, measured from its log); kubelet's restart (a new container, attempt 1, same
#    sandbox); with shareProcessNamespace a stopped container's orphans go; StopPodSandbox + RemovePodSandbox leave no runtime state, cgroup (every
#    hierarchy), mount or process; containerd killed and started again on the same root
#    and state while pods run: they are still listed, exec-able and stoppable, and a
#    container that exited meanwhile is reported with its exit status;
#  - a GPU pod on the fake driver (tests/engines/gpu_lib.sh): a cdi.k8s.io annotation
#    (the entry's container_annotations) and NVIDIA_VISIBLE_DEVICES, the device nodes,
#    libraries and the fake nvidia-smi seen inside. berth resolves both itself (CDI specs
#    from the cdiSpecDirs of $BERTH_CONFIG); runc gets them from berth-nvidia-hook as a
#    prestart hook in the entry's base_runtime_spec, the way a runc user configures it.
#   RUNTIME=/usr/sbin/runc NVIDIA_HOOK=build/hooks/berth-nvidia-hook tests/kubernetes/lifecycle.sh
# shellcheck source=../engines/lib.sh
source "$(dirname "$0")/../engines/lib.sh"

eng_init k8s-life
need_cmd containerd ctr containerd-shim-runc-v2 jq
cri_client_init
# shellcheck source=../engines/gpu_lib.sh
source "$ENG_DIR/gpu_lib.sh"
life() { "$PYTHON" "$ENG_TOP/tests/kubernetes/cri_life.py" "$CTR_SOCK" "$T/gen" "$@"; }

d=$T/containerd rtname=$(basename "$RUNTIME")
cg_parent=berth-k8stest-life-$rtname
mkdir -p "$d"
containerd_config "$d" cri >"$d/config.toml"
sed -e "s|BinaryName = .*|BinaryName = \"$RUNTIME\"\n    Root = \"$d/rt\"|" \
  "$ENG_TOP/contrib/kubernetes/containerd-1.x.toml" >>"$d/config.toml"
assert_ok "cdi generate writes the fake driver's CDI spec" "$HOOK" cdi generate --output "$T/cdi/nvidia.yaml"
if [[ $rtname != berth ]]; then
  # containerd's default spec plus the hook, with the env it gets nothing else from.
  ctr oci spec | jq --arg h "$HOOK" --arg c "BERTH_CONFIG=$BERTH_CONFIG" \
    '.hooks.prestart = [{path: $h, args: ["berth-nvidia-hook", "hook"], env: [$c]}]' >"$d/base-spec.json"
  sed -i "/^  container_annotations = /a\\  base_runtime_spec = \"$d/base-spec.json\"" "$d/config.toml"
fi
defer remove_cgroup "$cg_parent"
run_containerd "$d" "$d/config.toml"
defer cleanup_pods
rt() { "$RUNTIME" --root "$d/rt/k8s.io" "$@"; }

make_oci_archive "$T/images.tar" 'localhost/bb:latest=["/bin/sh"]' \
  'localhost/pause:latest=["/bin/sleep","2147483647"]'
assert_ok "import the busybox and pause images into k8s.io" \
  ctr --address "$CTR_SOCK" --namespace k8s.io images import "$T/images.tar"

# pod NAME [PID_MODE]: a host-network pod sandbox on handler berth with kubelet's namespace
# options (a pid namespace per container unless PID_MODE is POD: shareProcessNamespace),
# logs in $T/NAME, its id kept in $T/NAME/pod.id; prints its id.
pod() {
  mkdir -p "$T/$1"
  life runp "$T/$1" berth "$(jq -nc --arg n "$1" --arg cg "/$cg_parent/$1" --arg pid "${2:-CONTAINER}" \
    '{metadata: {name: $n, uid: ($n + "-uid"), namespace: "berth-test"}, linux: {cgroupParent: $cg,
      securityContext: {namespaceOptions: {network: "NODE", pid: $pid, ipc: "POD"}}}}')" | tee "$T/$1/pod.id"
}
# run_ctr POD NAME LOG EXTRA_JQ CMD...: creates and starts a busybox container in the pod
# named POD (the ContainerConfig's fields merged with EXTRA_JQ, e.g. '{stdin: true}');
# prints its id.
run_ctr() {
  local pod=$1 name=$2 log=$3 extra=$4 argv cfg id
  shift 4
  argv=$("$PYTHON" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")  # (jq takes -c as its own)
  cfg=$(jq -nc --arg n "$name" --arg l "$log" --argjson a "$argv" \
    '{metadata: {name: $n}, image: {image: "localhost/bb:latest"}, command: $a[:1], args: $a[1:],
      logPath: $l} * '"$extra")
  id=$(life create "$(<"$T/$pod/pod.id")" "$T/$pod" "$cfg") && cri start "$id" && echo "$id"
}
must_id() {  # must_id NAME VALUE: a 64-hex id, or the check fails and the script stops
  if [[ $2 =~ ^[0-9a-f]{64}$ ]]; then _ok "$1"; else _not_ok "$1" "$2"; exit 1; fi
}
pid_of() { rt state "$1" | jq -r .pid; }
log_lines() { [[ -f $1 ]] && sed -n 's/^[^ ]* [a-z]* [FP] //p' "$1"; }
bad_lines() { grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+(Z|[+-][0-9]{2}:[0-9]{2}) (stdout|stderr) [FP] ' "$1"; }
wait_log() { wait_for "${3:-10}" grep -q -- "$2" "$1"; }
shim_of() { pgrep -f -- "containerd-shim-runc-v2 -namespace k8s.io -id $1 -address $CTR_SOCK"; }
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

p1=$(pod p1 2>&1)
must_id "RunPodSandbox p1" "$p1"

# --- Probes and logs ---------------------------------------------------------------
c1=$(run_ctr p1 c1 c1.log '{}' sh -c \
  'echo out-line; echo err-line >&2; head -c 20000 /dev/zero | tr "\0" x; echo; trap "exit 0" TERM; sleep 2147483647 & wait' 2>&1)
must_id "c1 created and started" "$c1"
wait_log "$T/p1/c1.log" "stdout F x"
assert_eq "the log file is all CRI lines (<RFC3339Nano> <stream> <F|P> <text>)" 0 "$(bad_lines "$T/p1/c1.log")"
assert_contains "stdout lands as a full line" "$(cat "$T/p1/c1.log")" " stdout F out-line"
assert_contains "stderr lands as a full line" "$(cat "$T/p1/c1.log")" " stderr F err-line"
long=$(grep -E ' stdout [FP] x' "$T/p1/c1.log" | awk '{printf "%s:%d ", $3, length($4)}')
assert_eq "a 20000-byte line is split at 16 KiB: P then F" "P:16384 F:3616 " "$long"

cid_pid=$(pid_of "$c1") ctrd=$(<"$T/containerd.pid") shim=$(shim_of "$p1")
assert_eq "ExecSync warms up" $'warm\nexit=0' "$(out cri exec "$c1" echo warm)"
counts() {  # what an ExecSync may leak, from the host's side
  echo "containerd-fds=$(nfds "$ctrd") shim-fds=$(nfds "$shim") shim-descendants=$(descendants "$shim" | wc -l)"
  echo "container-init-fds=$(nfds "$cid_pid") container-procs=$(wc -l <"$(cgroup_file "$cid_pid" pids cgroup.procs)")"
  echo "host-mounts=$(grep -c "$T" /proc/self/mountinfo) container-mounts=$(wc -l <"/proc/$cid_pid/mountinfo")"
  echo "runtime-procs=$(pgrep -fc "^$RUNTIME ")"
}
# The exec'd process gets stdio only (a runtime fd left open there is CVE-2024-21626's kind);
# the 4th is ls's own directory.
assert_eq "an ExecSync'd process holds only fds 0, 1 and 2" $'0 1 2 3 \nexit=0' \
  "$(out cri exec "$c1" sh -c 'ls /proc/self/fd | tr "\n" " "; echo')"
before=$(counts)
echo "$before" | sed 's/^/# before: /'
assert_eq "200 ExecSync probes in a row all succeed" "ok=200 failed=0" "$(life probes "$c1" 200 cat /proc/self/stat | cut -d' ' -f1-2)"
same_counts() { [[ $(counts) == "$before" ]]; }
wait_for 5 same_counts  # a leak never settles; a busy daemon's passing fd does
assert_eq "200 ExecSyncs leaked no fd, process or mount" "$before" "$(counts)"

# The exec'd process itself sleeps: containerd SIGKILLs that process at the deadline, then
# waits for its output pipes to close, which a surviving child (sh -c 'sleep 61; ...')
# would hold open until it ends, with runc as with berth.
o=$(life exec_timeout "$c1" 2 sleep 61)
el=$(sed -n 's/^elapsed=//p' <<<"$o")
if [[ $o == *error=DEADLINE_EXCEEDED* ]] && awk -v e="$el" 'BEGIN { exit !(e >= 2 && e < 10) }'; then
  _ok "ExecSync with timeout 2 s returns DeadlineExceeded after ${el}s"
else _not_ok "ExecSync with timeout 2 s returns DeadlineExceeded after 2-10 s" "$o"; fi
procs_matching() { local p; for p in $(<"$(cgroup_file "$cid_pid" pids cgroup.procs)"); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done 2>/dev/null | grep -c "$1"; }
no_sleep() { [[ $(procs_matching 'sleep 61') == 0 ]]; }
if wait_for 5 no_sleep; then _ok "the timed-out exec's process is killed"
else _not_ok "the timed-out exec's process is killed" "$(procs_matching 'sleep 61') left"; fi

assert_eq "streaming Exec: stdin, stdout, stderr and the exit code over the websocket" \
  "stdout='got-ping\n' stderr='to-err\n' status=Failure exit=5" \
  "$(out life exec "$c1" $'ping\n' sh -c 'read l; echo got-$l; echo to-err >&2; exit 5')"
assert_eq "streaming Exec: success" "stdout='ok\n' stderr='' status=Success exit=0" "$(out life exec "$c1" "" echo ok)"
# (the terminal echoes what was typed, before or after the first line: not compared)
o=$(life exec_tty "$c1" $'typed\n' sh -c 'echo tty $(tty); read l; echo got-$l' 2>&1)
if [[ $o == "stdout='"*"tty /dev/pts/"[0-9]*"\r\n"*"got-typed\r\n' stderr='' status=Success exit=0" ]]; then
  _ok "streaming Exec on a terminal (kubectl exec -it): a pty, CRLF line ends"
else _not_ok "streaming Exec on a terminal (kubectl exec -it): a pty, CRLF line ends" "$o"; fi

c2=$(run_ctr p1 c2 c2.log '{stdin: true}' sh -c 'while read l; do echo "echo-$l"; done' 2>&1)
must_id "c2 (stdin open) created and started" "$c2"
assert_contains "streaming Attach: stdin reaches the container, its stdout comes back" \
  "$(out life attach "$c2" $'hello\n' echo-hello)" "echo-hello"
wait_log "$T/p1/c2.log" "stdout F echo-hello"
assert_contains "what Attach sent is in the container's log too" "$(cat "$T/p1/c2.log")" "stdout F echo-hello"

c3=$(run_ctr p1 c3 c3.log '{}' sh -c 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.2; done' 2>&1)
must_id "c3 (a ticking log) created and started" "$c3"
wait_log "$T/p1/c3.log" tick-3
mv "$T/p1/c3.log" "$T/p1/c3.log.1"
assert_ok "ReopenContainerLog after the log was renamed" life reopen "$c3"
size=$(stat -c %s "$T/p1/c3.log.1")
wait_log "$T/p1/c3.log" tick- 5
sleep 1
assert_eq "the renamed log gets no new lines after the reopen" "$size" "$(stat -c %s "$T/p1/c3.log.1")"
last=$(log_lines "$T/p1/c3.log.1" | tail -n 1) first=$(log_lines "$T/p1/c3.log" | head -n 1)
assert_eq "the new log file continues where the renamed one stopped" "tick-$((${last#tick-} + 1))" "$first"
assert_eq "the new log file is all CRI lines" 0 "$(bad_lines "$T/p1/c3.log")"
assert_ok "StopContainer c3" cri stop "$c3" 0

# --- Lifecycle ---------------------------------------------------------------------
p2=$(pod p2 2>&1)
must_id "RunPodSandbox p2" "$p2"
# A TERM handler that only logs, and a loop that outlives it: only the KILL after the
# grace ends it. The log's timestamps measure the grace from inside (less the time the
# line took to reach the log, hence 2.5 s: an early KILL would show as ~0).
cterm=$(run_ctr p2 term term.log '{}' sh -c \
  'trap "echo got-term" TERM; echo ready; while :; do sleep 1 & wait $!; done' 2>&1)
must_id "a container that ignores SIGTERM" "$cterm"
wait_log "$T/p2/term.log" ready
o=$(life stop "$cterm" 3)
el=${o#elapsed=}
if awk -v e="$el" 'BEGIN { exit !(e >= 3 && e < 10) }'; then _ok "StopContainer with grace 3 s returns after ${el}s"
else _not_ok "StopContainer with grace 3 s returns after 3-10 s" "$o"; fi
assert_eq "it was killed by SIGKILL (exit 137)" "CONTAINER_EXITED exit=137" "$(life status "$cterm" | cut -d' ' -f1-2)"
term_at=$(awk '/ stdout F got-term/ { print $1; exit }' "$T/p2/term.log")
finished=$(life status "$cterm" | sed -n 's/.*finished=//p')
grace=$("$PYTHON" -c 'import sys, datetime as d
t = d.datetime.fromisoformat(sys.argv[1][:26].rstrip("Z"))
print("%.2f" % (int(sys.argv[2]) / 1e9 - t.replace(tzinfo=d.timezone.utc).timestamp()))' "${term_at:-1970-01-01T00:00:00.000000Z}" "${finished:-0}")
if [[ -n $term_at ]] && awk -v g="$grace" 'BEGIN { exit !(g >= 2.5 && g < 8) }'; then
  _ok "SIGTERM first, SIGKILL ${grace}s later (not before the 3 s grace)"
else _not_ok "SIGTERM first, SIGKILL 2.5-8 s later" "got-term at '$term_at', finished '$finished', grace '$grace'"; fi

# kubelet's restart: the exited container stays, a new one with attempt 1 joins the
# sandbox, each attempt logging to <name>/<attempt>.log.
mkdir -p "$T/p2/crash"
c0=$(run_ctr p2 crash crash/0.log '{}' sh -c 'echo attempt-0; exit 3' 2>&1)
must_id "attempt 0 created and started" "$c0"
exited() { life status "$1" | grep -q EXITED; }
wait_for 10 exited "$c0"
assert_eq "attempt 0 exits with its status" "CONTAINER_EXITED exit=3 attempt=0" "$(life status "$c0" | cut -d' ' -f1-3)"
cr=$(run_ctr p2 crash crash/1.log '{metadata: {attempt: 1}}' sh -c 'echo attempt-1; exec sleep 2147483647' 2>&1)
must_id "attempt 1: a new container with the same name in the same sandbox" "$cr"
assert_eq "attempt 1 runs" "CONTAINER_RUNNING exit=0 attempt=1" "$(life status "$cr" | cut -d' ' -f1-3)"
wait_log "$T/p2/crash/1.log" attempt-1
assert_eq "each attempt logs to its own file" "attempt-0 attempt-1" \
  "$(log_lines "$T/p2/crash/0.log") $(log_lines "$T/p2/crash/1.log")"
assert_eq "both attempts are listed" "$(printf '%s CONTAINER_EXITED\n%s CONTAINER_RUNNING' "$c0" "$cr" | sort)" \
  "$(cri list | grep -e "$c0" -e "$cr" | sort)"
assert_eq "ExecSync in attempt 1 shares the sandbox's network namespace" \
  "$(readlink /proc/"$(pid_of "$p2")"/ns/net)" "$(readlink /proc/"$(pid_of "$cr")"/ns/net)"

# A pod with one pid namespace (shareProcessNamespace): a container's init is not its pid
# 1, so its children outlive it unless the shim, seeing the init exit, kills the rest of
# its cgroup (`kill --all` on the stopped container), as kubelet relies on.
p3=$(pod p3 POD 2>&1)
must_id "RunPodSandbox p3 (one pid namespace for the pod)" "$p3"
cs=$(run_ctr p3 shared shared.log '{}' sh -c \
  'sleep 2147483646 & sleep 2147483645 & trap "exit 0" TERM; echo ready; wait' 2>&1)
must_id "a container whose init has children, in the shared pid namespace" "$cs"
wait_log "$T/p3/shared.log" ready
assert_eq "its init is not pid 1 (the pod's pause is)" $'1\nexit=0' "$(out cri exec "$cs" sh -c 'cat /proc/1/cmdline | tr "\0" " " | grep -c "^/bin/sleep 2147483647"')"
kids=$(cat "$(cgroup_file "$(pid_of "$cs")" pids cgroup.procs)")
assert_ok "StopContainer: its init exits on TERM" cri stop "$cs" 10
# (a zombie is dead: the test's pause, busybox sleep, reaps no orphans as kubelet's pause does)
alive() { local p n=0; for p in $kids; do [[ $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) == [A-Y] ]] && n=$((n + 1)); done; ((n > 0)); }
if wait_for 5 eval '! alive'; then _ok "the init's children are gone with it ($(wc -w <<<"$kids") processes)"
else _not_ok "the init's children are gone with it" "left: $(for p in $kids; do [[ -d /proc/$p ]] && tr '\0' ' ' <"/proc/$p/cmdline"; done)"; fi
assert_ok "StopPodSandbox p3" cri stopp "$p3"
assert_ok "RemovePodSandbox p3" cri rmp "$p3"

# What the pod left, from the host: runtime state, cgroups in every hierarchy, mounts, processes.
ids=("$p2" "$cterm" "$c0" "$cr")
pids=$(cat "$(cgroup_file "$(pid_of "$p2")" pids cgroup.procs)" "$(cgroup_file "$(pid_of "$cr")" pids cgroup.procs)")
hierarchies=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | sort -u)
leftovers() {
  local id h p
  for id in "${ids[@]}"; do
    rt state "$id" >/dev/null 2>&1 && echo "state of $id"
    [[ -e $d/rt/k8s.io/$id ]] && echo "state dir of $id"
    grep -q "$id" /proc/self/mountinfo && echo "mount of $id"
    for h in $hierarchies; do [[ -d $h/$cg_parent/p2/$id ]] && echo "cgroup $h/$cg_parent/p2/$id"; done
  done
  for p in $pids; do [[ -d /proc/$p ]] && echo "process $p"; done
  shim_of "$p2" >/dev/null && echo "shim of $p2"
}
kinds() { leftovers | awk '{ n[$1]++ } END { printf "cgroups %d, mounts %d, processes %d", n["cgroup"], n["mount"], n["process"] }'; }
k=$(kinds)
if [[ $k =~ ^cgroups\ ([0-9]+),\ mounts\ ([0-9]+),\ processes\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 2 && BASH_REMATCH[2] >= 2 && BASH_REMATCH[3] >= 2)); then
  _ok "before the stop, the leftover checks see the pod ($k)"
else _not_ok "before the stop, the leftover checks see the pod" "$k"; fi
assert_ok "StopPodSandbox p2" cri stopp "$p2"
assert_ok "RemovePodSandbox p2" cri rmp "$p2"
assert_eq "no runtime state, cgroup, mount, process or shim left of p2" "" "$(leftovers)"
assert_eq "no container of p2 is listed" "" "$(cri list | grep -e "$c0" -e "$cr" -e "$cterm")"

# --- containerd killed and started again on the same root and state, p1 still running --
# c4 exits (status 7) while containerd is down, once the host drops /tmp/go into its rootfs.
c4=$(run_ctr p1 c4 c4.log '{}' sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 7' 2>&1)
must_id "c4 (exits on a signal file) created and started" "$c4"
c4_pid=$(pid_of "$c4")
ctrd=$(<"$T/containerd.pid")
kill -KILL "$ctrd" && wait "$ctrd" 2>/dev/null
assert_contains "p1's containers outlive containerd (their shim runs on)" "$(rt list 2>&1)" "$c1"
touch "/proc/$c4_pid/root/tmp/go"
c4_gone() { [[ ! -d /proc/$c4_pid ]]; }
assert_ok "c4 exits while containerd is down" wait_for 10 c4_gone
start_daemon containerd "$T/containerd-restarted.log" containerd --config "$d/config.toml"
# (its CRI plugin answers once it has recovered its pods, after the daemon's own API)
if wait_for 30 cri listp; then _ok "containerd starts again"; else
  _not_ok "containerd starts again" "$(tail -n 30 "$T/containerd-restarted.log")"
  exit 1
fi
assert_eq "after the restart p1 is listed ready" "$p1 SANDBOX_READY" "$(cri listp | grep "$p1")"
assert_eq "after the restart its containers are listed running" \
  "$(printf '%s CONTAINER_RUNNING\n' "$c1" "$c2" | sort)" "$(cri list | grep RUNNING | sort)"
assert_eq "ExecSync after the restart" $'alive\nexit=0' "$(out cri exec "$c1" echo alive)"
wait_for 10 exited "$c4"
assert_eq "the exit while containerd was down is reported after the restart" "CONTAINER_EXITED exit=7" \
  "$(life status "$c4" | cut -d' ' -f1-2)"
assert_contains "Attach after the restart" "$(out life attach "$c2" $'again\n' echo-again)" "echo-again"
assert_ok "StopContainer after the restart" cri stop "$c1" 10
assert_eq "it exited on its TERM trap" "CONTAINER_EXITED exit=0" "$(life status "$c1" | cut -d' ' -f1-2)"
assert_ok "StopPodSandbox after the restart" cri stopp "$p1"
assert_ok "RemovePodSandbox after the restart" cri rmp "$p1"
assert_eq "the runtime has no state left" "" "$(rt list -q 2>&1)"

# --- A GPU pod on the fake driver -------------------------------------------------
pg=$(pod gpu 2>&1)
must_id "RunPodSandbox for a GPU pod" "$pg"
cdi=$(run_ctr gpu cdi cdi.log '{annotations: {"cdi.k8s.io/gpu": "nvidia.com/gpu=1"}}' sleep 2147483647 2>&1)
must_id "a container with a cdi.k8s.io annotation (as the device plugin's CDI mode sets)" "$cdi"
assert_eq "the annotation reaches the runtime's config.json" "nvidia.com/gpu=1" \
  "$(jq -r '.annotations["cdi.k8s.io/gpu"]' "$d/state/io.containerd.runtime.v2.task/k8s.io/$cdi/config.json")"
o=$(out cri exec "$cdi" sh -c "$probe")
check_gpus "CDI annotation" "$o" "nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl " 1
libs='ls /usr/lib/x86_64-linux-gnu | grep -E "^lib(cuda|nvidia-ml)\.so" | tr "\n" " "'
assert_contains "CDI annotation: the driver libraries inside" "$(out cri exec "$cdi" sh -c "$libs")" \
  "libcuda.so.1 libcuda.so.550.54.15 libnvidia-ml.so.1 libnvidia-ml.so.550.54.15"
env=$(run_ctr gpu env env.log '{envs: [{key: "NVIDIA_VISIBLE_DEVICES", value: "0"}]}' sleep 2147483647 2>&1)
must_id "a container with NVIDIA_VISIBLE_DEVICES=0 (the device plugin's env mode)" "$env"
o=$(out cri exec "$env" sh -c "$probe")
check_gpus "NVIDIA_VISIBLE_DEVICES" "$o" "nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl " 0
assert_contains "NVIDIA_VISIBLE_DEVICES: the driver libraries inside" "$(out cri exec "$env" sh -c "$libs")" \
  "libcuda.so.1 libcuda.so.550.54.15 libnvidia-ml.so.1 libnvidia-ml.so.550.54.15"
assert_ok "StopPodSandbox for the GPU pod" cri stopp "$pg"
assert_ok "RemovePodSandbox for the GPU pod" cri rmp "$pg"
