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
need_cmd podman conmon
source "$ENG_DIR/gpu_lib.sh"
cg_parent=berth-engtest-gpu-podman
mkdir -p "$T"/{root,runroot,tmp,volumes,networks,hooks.d}
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

make_rootfs_tar "$T/gpu.tar"
assert_ok "import the image" "${P[@]}" import --change 'CMD=["/bin/sh"]' "$T/gpu.tar" localhost/gpu
img=localhost/gpu

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
GPU_RUN=(prun) GPU_ENV_FLAG=-e
gpu_image() { echo "$img"; }
check_env_contract
