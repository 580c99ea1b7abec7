#!/usr/bin/env bash
# contrib/kubernetes/install-node.sh against directories standing in for a node's root:
# a containerd 1.6/1.7 config (version = 2) and a 2.x one (version = 3), each with an
# admin's own binary at /usr/local/sbin/berth to be kept. Install, install again (the
# same files, byte for byte, and no second containerd restart), uninstall (the tree
# identical to a copy taken before, `diff -r` and modes/times), and the refusals.
# containerd is "restarted" and the node "labelled" by stubs that log their arguments.
#   RUNTIME=build/src/berth NVIDIA_HOOK=build/hooks/berth-nvidia-hook tests/kubernetes/installer.sh
source "$(dirname "$0")/../engines/lib.sh"

eng_init k8s-installer
INSTALLER=$ENG_TOP/contrib/kubernetes/install-node.sh
src=$T/src
mkdir -p "$src"
cp "$RUNTIME" "$src/berth"
cp "${NVIDIA_HOOK:?set NVIDIA_HOOK to berth-nvidia-hook}" "$src/berth-nvidia-hook"
cp "$ENG_TOP"/contrib/kubernetes/containerd-*.toml "$src/"
printf '#!/bin/sh\necho "$*" >>%s/restarts\n' "$T" >"$T/restart" && chmod +x "$T/restart"
printf '#!/bin/sh\necho "$*" >>%s/labels\n' "$T" >"$T/label" && chmod +x "$T/label"

inst() { HOST_ROOT=$host BERTH_SRC=$src RESTART_CMD=$T/restart LABEL_CMD=$T/label sh "$INSTALLER" "$@"; }
# tree DIR: every path with its type and mode, each file's size, mtime and content hash
# (a directory's mtime changes with its entries, so it is not compared).
tree() { (cd "$1" && find . \( -type f -printf '%p %y %m %s %T@\n' \) -o -printf '%p %y %m\n' | sort && find . -type f -exec sha256sum {} + | sort -k2); }

# make_host VERSION: a node's root with containerd's config of that version.
make_host() {
  host=$T/host-$1
  mkdir -p "$host"/{etc/containerd,usr/local/sbin,usr/local/bin,var/lib,dev}
  printf 'version = %s\nroot = "/var/lib/containerd"\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n' "$1" \
    >"$host/etc/containerd/config.toml"
  echo '#!/bin/sh' >"$host/usr/local/sbin/berth"   # the admin's own, kept by uninstall
  touch -d '2020-01-01' "$host"/etc/containerd/config.toml "$host"/usr/local/sbin/berth
  rm -f "$T/restarts" "$T/labels"
  cp -a "$host" "$host.before"
}

for v in 2 3; do
  make_host $v
  case $v in 2) plugin=io.containerd.grpc.v1.cri ;; 3) plugin=io.containerd.cri.v1.runtime ;; esac
  assert_ok "v$v: install" inst install
  cfg=$(cat "$host/etc/containerd/config.toml")
  assert_contains "v$v: config keeps the host's settings" "$cfg" 'sandbox_image = "registry.k8s.io/pause:3.9"'
  assert_contains "v$v: runtime entry for $plugin" "$cfg" "[plugins.\"$plugin\".containerd.runtimes.berth]"
  assert_contains "v$v: CDI annotations passed to berth" "$cfg" 'container_annotations = ["cdi.k8s.io/*"]'
  assert_ok "v$v: berth installed" cmp "$RUNTIME" "$host/usr/local/sbin/berth"
  assert_ok "v$v: hook installed" cmp "$NVIDIA_HOOK" "$host/usr/local/libexec/berth-nvidia-hook"
  assert_eq "v$v: containerd restarted once" 1 "$(wc -l <"$T/restarts")"
  assert_eq "v$v: node labelled" "berth.io/runtime=true" "$(cat "$T/labels")"
  tree "$host" >"$T/tree1"
  sleep 0.01
  assert_ok "v$v: install again" inst install
  tree "$host" >"$T/tree2"
  assert_eq "v$v: install again changes no file" "" "$(diff "$T/tree1" "$T/tree2")"
  assert_eq "v$v: install again does not restart containerd" 1 "$(wc -l <"$T/restarts")"
  assert_ok "v$v: uninstall" inst uninstall
  assert_eq "v$v: uninstall restores the tree (diff -r)" "" "$(diff -r "$host.before" "$host" 2>&1)"
  assert_eq "v$v: uninstall restores modes and times" "" "$(diff <(tree "$host.before") <(tree "$host") 2>&1)"
  assert_eq "v$v: uninstall restarts containerd and removes the labels" \
    $'2\nberth.io/runtime=true\nberth.io/runtime=true\nberth.io/runtime-\nberth.io/gpu-' "$(wc -l <"$T/restarts"; cat "$T/labels")"
done

# A GPU node gets the GPU label too; an edited config keeps the edit after uninstall.
make_host 2
touch "$host/dev/nvidiactl"
inst install >/dev/null
assert_contains "GPU node labelled berth.io/gpu=true" "$(cat "$T/labels")" "berth.io/gpu=true"
echo '# edited by the admin' >>"$host/etc/containerd/config.toml"
inst uninstall >/dev/null 2>&1
assert_eq "edited config: berth's block cut out, the edit kept" \
  "$(cat "$host.before/etc/containerd/config.toml"; echo '# edited by the admin')" "$(cat "$host/etc/containerd/config.toml")"

# Refusals: one line, non-zero, nothing written.
refuses() {
  local name=$1 want=$2 out rc
  cp -a "$host" "$host.pre"
  out=$(inst install 2>&1); rc=$?
  if ((rc != 0)) && [[ $(wc -l <<<"$out") == 1 && $out == *"$want"* ]] && diff -r "$host.pre" "$host" >/dev/null; then
    _ok "$name"
  else _not_ok "$name" "status $rc" "$out"; fi
  rm -rf "$host.pre"
}
make_host 2
rm -f "$host/etc/containerd/config.toml.pre-berth"
sed -i 's/^version = 2/version = 1/' "$host/etc/containerd/config.toml"
refuses "refuses an unknown containerd config version" "has version '1'"
sed -i '/^version/d' "$host/etc/containerd/config.toml"
refuses "refuses a config without version" "has version 'none'"
rm "$host/etc/containerd/config.toml"
refuses "refuses a missing containerd config" "'/etc/containerd/config.toml' is missing"
