#!/usr/bin/env bash
# Pods in depth, driven over containerd's CRI as kubelet drives it (tests/kubernetes/pods.py):
# three pod sandboxes (the pause image) on runtime handler "berth" (BinaryName = $RUNTIME,
# so RUNTIME=/usr/sbin/runc runs the same checks on runc) with several containers each:
# shared and host namespaces, shareProcessNamespace, security contexts, seccomp profiles,
# masked paths, sysctls, devices, mount propagation, resources in the cgroup files, stats,
# UpdateContainerResources, an OOM kill and containerd's refusals; each seen from inside the containers (busybox and
# the static probe, tests/fixtures/probe.c, in the image) and from the host. One containerd
# for everything. A pod with its own network gets eth0 from a CNI plugin written here: a
# veth pair made inside the pod's namespace, so nothing lands on the host's network.
#   RUNTIME=build/src/berth PROBE=build/tests/integration/probe tests/kubernetes/pods.sh
source "$(dirname "$0")/../engines/lib.sh"

eng_init k8s-pods
need_cmd containerd ctr containerd-shim-runc-v2 ip nsenter
[[ -x ${PROBE:-} ]] || skip "set PROBE to the static probe (build/tests/integration/probe)"
cri_client_init

d=$T/containerd
mkdir -p "$d/cni-bin" "$d/cni-conf" "$T/pods"
# The CNI plugin "berth-veth" (and "loopback", which containerd always adds): eth0 with
# 10.88.0.2/16 in the pod's network namespace, its veth peer there too.
cat >"$d/cni-bin/berth-veth" <<'EOT'
#!/bin/sh
case $CNI_COMMAND in
ADD)
  cat >/dev/null
  if [ "$CNI_IFNAME" = lo ]; then
    nsenter --net="$CNI_NETNS" ip link set lo up >&2 || exit 1
    printf '{"cniVersion":"0.3.1","interfaces":[{"name":"lo","sandbox":"%s"}],"ips":[{"version":"4","address":"127.0.0.1/8","interface":0}]}\n' "$CNI_NETNS"
    exit 0
  fi
  nsenter --net="$CNI_NETNS" sh -c "ip link add $CNI_IFNAME type veth peer name ${CNI_IFNAME}p &&
    ip addr add 10.88.0.2/16 dev $CNI_IFNAME && ip link set ${CNI_IFNAME}p up && ip link set $CNI_IFNAME up" >&2 || exit 1
  printf '{"cniVersion":"0.4.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"version":"4","address":"10.88.0.2/16","interface":0}]}\n' "$CNI_IFNAME" "$CNI_NETNS" ;;
VERSION) echo '{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0"]}' ;;
*) cat >/dev/null ;;
esac
EOT
chmod 755 "$d/cni-bin/berth-veth"
ln -s berth-veth "$d/cni-bin/loopback"
echo '{"cniVersion":"0.4.0","name":"berth-test","type":"berth-veth"}' >"$d/cni-conf/10-berth-test.conf"
write_seccomp_no_mkdir "$T/seccomp-no-mkdir.json"
# Mount propagation needs a shared source (kubelet's pod directories are on a shared mount).
mkdir -p "$T/pods/prop"
if ! mount --bind "$T/pods/prop" "$T/pods/prop" || ! mount --make-shared "$T/pods/prop"; then
  _not_ok "a shared mount for the propagation checks"
  exit 1
fi
defer unmount_under "$T/pods/prop"

cg_parent=berth-k8stest-pods
defer remove_cgroup "$cg_parent"
# libcni caches each ADD's result under /var/lib/cni (not configurable in containerd 1.6).
snapshot_dir /var/lib/cni
start_containerd cri
defer cleanup_pods

make_rootfs "$T/rootfs"
cp "$PROBE" "$T/rootfs/bin/probe"
make_oci_archive "$T/images.tar" 'localhost/bb:latest=["/bin/sh"]' \
  'localhost/pause:latest=["/bin/sleep","2147483647"]'
assert_ok "import the busybox and pause images into k8s.io" \
  ctr --address "$CTR_SOCK" --namespace k8s.io images import "$T/images.tar"

keep_log "$T/driver.err"
start=$SECONDS
while IFS=$'\t' read -r res name detail; do
  case $res in
    PASS) _ok "$name" ;;
    FAIL) _not_ok "$name" "$detail" ;;
    EXIT)
      if ((name == 0)); then _ok "the pod driver ran to the end"; else
        _not_ok "the pod driver ran to the end" "status $name" "$(tail -n 20 "$T/driver.err")"
      fi ;;
    *) echo "# $name${detail:+: $detail}" ;;
  esac
done < <("$PYTHON" "$ENG_DIR/../kubernetes/pods.py" "$CTR_SOCK" "$T/gen" "$T/pods" berth "$cg_parent" \
  "$T/seccomp-no-mkdir.json" 2>"$T/driver.err"; echo "EXIT	$?")
echo "# the pods and their checks took $((SECONDS - start)) s"

# Every pod stopped and removed: nothing of them is left.
cleanup_pods
assert_eq "no pod or container left in containerd" "" "$(out cri listp)$(out cri list)"
assert_eq "the runtime under test has no state left" "" "$(out "$RUNTIME" --root "$d/runc/k8s.io" list -q)"
assert_eq "no pod network namespace left mounted" "" \
  "$(awk -v d="$d/" 'index($5, d) == 1 && $5 ~ /netns/ { print $5 }' /proc/self/mountinfo)"
assert_eq "no process left in the pods' cgroups" "" \
  "$(find /sys/fs/cgroup/memory/$cg_parent -name cgroup.procs -exec cat {} + 2>/dev/null)"
