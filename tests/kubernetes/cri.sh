#!/usr/bin/env bash
# A node installed by contrib/kubernetes/install-node.sh runs a pod on berth: the script
# installs berth into a scratch host root whose /etc/containerd/config.toml is a private
# containerd 1.6 config (tests/engines/lib.sh's containerd_config, without any berth
# entry), then Debian's containerd starts on exactly that config in a mount namespace
# where the scratch /usr/local/sbin is the node's (so BinaryName = /usr/local/sbin/berth
# resolves to the installed copy) and /run is a private tmpfs (shim sockets and the
# shim's runtime root, /run/containerd/runc/k8s.io). A pod sandbox and a container with
# runtime handler "berth" are driven over CRI (tests/engines/cri_client.py); the
# installed berth lists both as running under the shim's root.
#   RUNTIME=build/src/berth NVIDIA_HOOK=build/hooks/berth-nvidia-hook tests/kubernetes/cri.sh
source "$(dirname "$0")/../engines/lib.sh"

eng_init k8s-cri
need_cmd containerd ctr containerd-shim-runc-v2 unshare nsenter
cri_client_init
[[ -d /usr/local/sbin ]] || skip "/usr/local/sbin is missing (the bind mount target)"

host=$T/host d=$T/containerd
mkdir -p "$host/etc/containerd" "$d" "$T/pod" "$T/src"
containerd_config "$d" cri >"$host/etc/containerd/config.toml"
cp "$RUNTIME" "$T/src/berth"
cp "$ENG_TOP"/contrib/kubernetes/containerd-*.toml "$T/src/"
assert_ok "install-node.sh installs into the scratch host root" \
  env HOST_ROOT="$host" BERTH_SRC="$T/src" RESTART_CMD=true LABEL_CMD=true \
  sh "$ENG_TOP/contrib/kubernetes/install-node.sh" install
# What containerd itself makes of the installed config: the berth entry, and the host's own
# CRI settings kept (a conf.d import of the entry alone would reset them: containerd
# replaces an imported plugin's whole table).
dump=$(containerd --config "$host/etc/containerd/config.toml" config dump 2>&1)
assert_contains "containerd reads the installed runtime entry" "$dump" \
  '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]'
assert_contains "containerd keeps the host's CRI settings" "$dump" "restrict_oom_score_adj = true"

cg_parent=berth-k8stest-cri
defer remove_cgroup "$cg_parent"
# shellcheck disable=SC2016
run_containerd "$d" "$host/etc/containerd/config.toml" unshare -m --propagation private \
  sh -c 'mount --bind "$0" /usr/local/sbin && mount -t tmpfs -o mode=755 tmpfs /run && exec "$@"' \
  "$host/usr/local/sbin"
ns_pid=$(<"$T/containerd.pid")
node_berth() { nsenter -t "$ns_pid" -m -- /usr/local/sbin/berth --root /run/containerd/runc/k8s.io "$@"; }
defer cleanup_pods

make_oci_archive "$T/images.tar" 'localhost/bb:latest=["/bin/sh"]' \
  'localhost/pause:latest=["/bin/sleep","2147483647"]'
assert_ok "import the busybox and pause images into k8s.io" \
  ctr --address "$CTR_SOCK" --namespace k8s.io images import "$T/images.tar"

pod=$(cri runp pod1 berth "/$cg_parent" "$T/pod" 2>&1)
if [[ $pod =~ ^[0-9a-f]{64}$ ]]; then _ok "RunPodSandbox with the installed handler berth"; else
  _not_ok "RunPodSandbox with the installed handler berth" "$pod"
  exit 1
fi
ctr=$(cri create "$pod" "$T/pod" c1 localhost/bb:latest 0 sh -c 'trap "exit 0" TERM; sleep 1000 & wait' 2>&1)
assert_ok "CreateContainer and StartContainer" cri start "$ctr"
assert_eq "ContainerStatus: running" "CONTAINER_RUNNING 0" "$(out cri status "$ctr")"
list=$(node_berth list 2>&1)
assert_contains "the installed berth runs the sandbox" "$list" "$pod"
assert_contains "the installed berth runs the container" "$list" "$ctr"
pid=$(node_berth state "$ctr" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
assert_contains "the container's process is a child of the runc v2 shim" \
  "$(tr '\0' ' ' <"/proc/$(awk '{print $4}' "/proc/${pid:-0}/stat" 2>/dev/null)/cmdline" 2>&1)" containerd-shim-runc-v2
assert_eq "ExecSync in the container" $'ran-under-berth\nexit=0' "$(out cri exec "$ctr" echo ran-under-berth)"
assert_ok "StopContainer" cri stop "$ctr" 10
assert_ok "RemoveContainer" cri rm "$ctr"
assert_ok "StopPodSandbox" cri stopp "$pod"
assert_ok "RemovePodSandbox" cri rmp "$pod"
assert_eq "the installed berth has no state left" "" "$(node_berth list -q 2>&1)"
