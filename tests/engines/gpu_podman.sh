#!/usr/bin/env bash
# NVIDIA GPUs through podman on a fake driver (tests/fixtures/fake_nvidia), checked from
# inside the container: only the selected /dev/nvidiaN, and the fake nvidia-smi runs and
# lists exactly the selected GPU.
#  - CDI: `--device nvidia.com/gpu=N` with a spec from `berth-nvidia-hook cdi generate` in
#    a private dir (containers.conf cdi_spec_dirs); podman applies it, any runtime runs it.
#  - env contract (NVIDIA_VISIBLE_DEVICES): berth injects the GPUs itself in create; runc
#    gets them from berth-nvidia-hook as an OCI hook (contrib/nvidia/oci-hooks.d, hooks_dir).
# berth and the hook find the fake driver through BERTH_CONFIG.
#   RUNTIME=/usr/sbin/runc tests/engines/gpu_podman.sh
source "$(dirname "$0")/lib.sh"

eng_init gpu-podman
need_cmd podman conmon gcc ldconfig
HOOK=${NVIDIA_HOOK:-$ENG_TOP/build/hooks/berth-nvidia-hook}
[[ -x $HOOK ]] || skip "berth-nvidia-hook not built at $HOOK (set NVIDIA_HOOK)"
HOOK=$(readlink -f "$HOOK")

cg_parent=berth-engtest-gpu-podman
mkdir -p "$T"/{root,runroot,tmp,volumes,networks,cdi,hooks.d}

driver=$T/driver
bash "$ENG_TOP/tests/fixtures/fake_nvidia/make-fake-driver.sh" "$driver" >"$T/fake-driver.log" 2>&1 ||
  skip "the fake driver did not build (see $T/fake-driver.log)"
ver=$(sed -n 's/^FAKE_NVIDIA_VERSION=//p' "$driver/fake-driver.env")
cat >"$T/berth.json" <<EOF
{"nvidia": {"driverRoot": "$driver", "procRoot": "$driver", "devRoot": "$driver",
            "cdiSpecDirs": ["$T/cdi"], "hookPath": "$HOOK", "ldconfig": "@/sbin/ldconfig"}}
EOF
export BERTH_CONFIG=$T/berth.json
assert_ok "cdi generate writes the spec" "$HOOK" cdi generate --output "$T/cdi/nvidia.yaml"

# The OCI hook for the env contract, as installed from contrib, pointed at the built hook;
# hooks run with only the env given here, so it carries BERTH_CONFIG.
sed -e "s|\"path\": .*|\"path\": \"$HOOK\",|" \
  -e "s|\"args\": \(.*\)|\"args\": \1, \"env\": [\"BERTH_CONFIG=$T/berth.json\"]|" \
  "$ENG_TOP/contrib/nvidia/oci-hooks.d/berth-nvidia-hook.json" >"$T/hooks.d/berth-nvidia-hook.json"

cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "netavark"
network_config_dir = "$T/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
cdi_spec_dirs = ["$T/cdi"]
# conmon starts the runtime with only these variables.
conmon_env_vars = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "BERTH_CONFIG=$T/berth.json"]
EOF
printf 'unqualified-search-registries = []\n' >"$T/registries.conf"
cat >"$T/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/root"
runroot = "$T/runroot"
EOF
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_REGISTRIES_CONF=$T/registries.conf
export CONTAINERS_STORAGE_CONF=$T/storage.conf
keep_log "$T/events.log"

P=(podman --root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" --volumepath "$T/volumes"
  --network-config-dir "$T/networks" --cgroup-manager cgroupfs --events-backend file
  --runtime "$RUNTIME" --runtime-flag "root=$T/rt")
prun() { "${P[@]}" run --rm --network none --cgroup-parent "/$cg_parent" "$@"; }

defer remove_cgroup "$cg_parent"
defer unmount_under "$T"
defer kill_matching "$T/"
defer "\"\${P[@]}\" rm --all --force --time 0"

# The image: busybox plus the glibc loader and libc (the fake nvidia-smi is dynamic) and
# /etc/debian_version, so driver libraries go to the multiarch dir.
make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs"/{lib64,lib/x86_64-linux-gnu,usr/lib/x86_64-linux-gnu,usr/bin,etc/ld.so.conf.d}
cp /lib64/ld-linux-x86-64.so.2 "$T/rootfs/lib64/"
cp /lib/x86_64-linux-gnu/libc.so.6 "$T/rootfs/lib/x86_64-linux-gnu/"
echo 12.0 >"$T/rootfs/etc/debian_version"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$T/rootfs/etc/ld.so.conf"
make_rootfs_tar "$T/gpu.tar"
assert_ok "import the image" "${P[@]}" import --change 'CMD=["/bin/sh"]' "$T/gpu.tar" localhost/gpu
img=localhost/gpu

# What the container sees: its nvidia device nodes and nvidia-smi's list.
probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"; nvidia-smi -L 2>&1; echo "smi rc $?"'
uuid() { printf 'GPU-00000000-0000-0000-0000-%012d' "$1"; }

# check_gpus LABEL OUTPUT DEVS UUIDS...: the device list line is exactly DEVS, nvidia-smi
# ran and lists each UUID given and no other fake GPU.
check_gpus() {
  local label=$1 o=$2 devs=$3 i listed
  shift 3
  assert_contains "$label: only the selected device nodes" "$o" "devs: $devs"$'\n'
  assert_contains "$label: nvidia-smi runs" "$o" "smi rc 0"
  listed=$(grep -o 'UUID: GPU-[0-9a-f-]*' <<<"$o" | sed 's/UUID: //' | tr '\n' ' ')
  local want=""
  for i; do want+="$(uuid "$i") "; done
  assert_eq "$label: nvidia-smi lists the selected GPUs" "$want" "$listed"
}

# --- CDI: podman applies the spec (its common edits hold every control node) ----------
# Podman before 4.7 reads only /etc/cdi and /var/run/cdi, whatever cdi_spec_dirs says: there
# the private dir is bound over /etc/cdi in a mount namespace of the one podman command,
# so no other process sees the spec. An absent /etc/cdi is made (empty) and removed again.
if [[ ! -e /etc/cdi ]]; then
  mkdir /etc/cdi && defer rmdir /etc/cdi
fi
cdi_run() {
  unshare -m --propagation private sh -c 'mount --bind "$0" /etc/cdi && exec "$@"' "$T/cdi" \
    "${P[@]}" run --rm --network none --cgroup-parent "/$cg_parent" "$@"
}
o=$(out cdi_run --device nvidia.com/gpu=1 $img sh -c "$probe")
check_gpus "cdi gpu=1" "$o" "nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl " 1
o=$(out cdi_run --device nvidia.com/gpu=all $img sh -c "$probe")
check_gpus "cdi gpu=all" "$o" "nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl " 0 1
assert_fails "cdi: an unknown device is refused" cdi_run --device nvidia.com/gpu=7 $img true

# --- env contract: berth injects in create; runc through the OCI hook ------------------
[[ $(basename "$RUNTIME") == berth ]] || P+=(--hooks-dir "$T/hooks.d")
o=$(out prun -e NVIDIA_VISIBLE_DEVICES=0 $img sh -c "$probe")
check_gpus "env 0" "$o" "nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl " 0
o=$(out prun -e NVIDIA_VISIBLE_DEVICES=all -e NVIDIA_DRIVER_CAPABILITIES=utility $img sh -c "$probe")
check_gpus "env all, utility" "$o" "nvidia0 nvidia1 nvidiactl " 0 1
o=$(out prun -e NVIDIA_VISIBLE_DEVICES=none $img sh -c "$probe")
check_gpus "env none" "$o" "nvidia-uvm nvidia-uvm-tools nvidiactl "
o=$(out prun $img sh -c "$probe")
assert_contains "no NVIDIA_VISIBLE_DEVICES: no GPU" "$o" "devs: "$'\n'
assert_fails "env: an unknown GPU fails the run" prun -e NVIDIA_VISIBLE_DEVICES=7 $img true
