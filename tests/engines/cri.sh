#!/usr/bin/env bash
# Kubernetes' view: containerd's CRI plugin with berth as a RuntimeClass handler, the
# runtime entry of contrib/engines/containerd-config.toml (handler "berth", runc v2
# shim, BinaryName = $RUNTIME), restrict_oom_score_adj = true (root cannot lower
# oom_score_adj here). A pod sandbox and a container are driven over the CRI gRPC API
# by cri_client.py (Python stubs generated from /work/shared/cri/api.proto), as the
# kubelet would; crictl is not in Debian 12. The pod uses the host network, so no CNI
# plugin or bridge is involved.
#   RUNTIME=/usr/sbin/runc tests/engines/cri.sh
source "$(dirname "$0")/lib.sh"

eng_init cri
need_cmd containerd ctr containerd-shim-runc-v2
cri_client_init

cg_parent=berth-engtest-cri
defer remove_cgroup "$cg_parent"
start_containerd cri
d=$T/containerd
mkdir -p "$T/pod"
rt() { "$RUNTIME" --root "$d/runc/k8s.io" "$@"; }
# Leave no pod: every sandbox (and so its containers) goes before containerd stops.
defer cleanup_pods

make_oci_archive "$T/images.tar" 'localhost/bb:latest=["/bin/sh"]' \
  'localhost/pause:latest=["/bin/sleep","2147483647"]'
assert_ok "import the busybox and pause images into k8s.io" \
  ctr --address "$CTR_SOCK" --namespace k8s.io images import "$T/images.tar"
assert_contains "CRI Version answers" "$(out cri version)" "containerd"

pod=$(cri runp pod1 berth "/$cg_parent" "$T/pod" 2>&1)
if [[ $pod =~ ^[0-9a-f]{64}$ ]]; then _ok "RunPodSandbox with runtime handler berth"; else
  _not_ok "RunPodSandbox with runtime handler berth" "$pod"
  exit 1
fi
assert_eq "PodSandboxStatus: ready, handler berth" "SANDBOX_READY berth" "$(out cri podstatus "$pod")"
assert_contains "the runtime under test runs the sandbox" "$(out rt state "$pod")" running

ctr=$(cri create "$pod" "$T/pod" c1 localhost/bb:latest 67108864 \
  sh -c 'echo started-c1; trap "exit 0" TERM; sleep 1000 & wait' 2>&1)
if [[ $ctr =~ ^[0-9a-f]{64}$ ]]; then _ok "CreateContainer"; else
  _not_ok "CreateContainer" "$ctr"
  exit 1
fi
assert_ok "StartContainer" cri start "$ctr"
assert_eq "ContainerStatus: running" "CONTAINER_RUNNING 0" "$(out cri status "$ctr")"
assert_contains "the runtime under test runs the container" "$(out rt state "$ctr")" running
assert_eq "ExecSync" $'exec-ok\nexit=0' "$(out cri exec "$ctr" echo exec-ok)"
assert_eq "ExecSync returns the exit status" "exit=3" "$(out cri exec "$ctr" sh -c 'exit 3')"
assert_eq "the memory limit seen inside" $'67108864\nexit=0' \
  "$(out cri exec "$ctr" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')"
pid=$(rt state "$ctr" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
assert_eq "the container's oom_score_adj is not negative" ok \
  "$( (($(cat "/proc/$pid/oom_score_adj" 2>/dev/null || echo -1) >= 0)) && echo ok || echo "pid '$pid'")"
assert_contains "the container's log has its output" "$(cat "$T/pod/c1.log" 2>&1)" "stdout F started-c1"
stats=$(out cri stats "$ctr")
[[ $stats =~ ^[0-9]+$ ]] && ((stats > 0)) && _ok "ContainerStats: memory working set" ||
  _not_ok "ContainerStats: memory working set" "$stats"
assert_ok "StopContainer" cri stop "$ctr" 10
assert_eq "ContainerStatus after stop: exited 0" "CONTAINER_EXITED 0" "$(out cri status "$ctr")"
assert_ok "RemoveContainer" cri rm "$ctr"
assert_eq "no containers left" "" "$(out cri list)"
assert_ok "StopPodSandbox" cri stopp "$pod"
assert_eq "PodSandboxStatus after stop: not ready" "SANDBOX_NOTREADY berth" "$(out cri podstatus "$pod")"
assert_ok "RemovePodSandbox" cri rmp "$pod"
assert_fails "the runtime under test has no state left for the sandbox" rt state "$pod"
