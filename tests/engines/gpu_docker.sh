#!/usr/bin/env bash
# NVIDIA GPUs through Docker (dockerd 20.10, `--add-runtime berth=$RUNTIME`) with the env
# contract on a fake driver: `docker run -e NVIDIA_VISIBLE_DEVICES=...`, berth injects the
# GPUs in create. BERTH_CONFIG reaches berth through dockerd's own containerd and the
# shim, which inherit dockerd's environment. Checked from inside: only the selected
# /dev/nvidiaN, and the fake nvidia-smi lists exactly the selected GPUs.
# berth only: runc has no GPU support of its own (gpu_podman-runc covers it with the hook).
#   RUNTIME=build/src/berth tests/engines/gpu_docker.sh
source "$(dirname "$0")/lib.sh"

eng_init gpu-docker
need_cmd dockerd containerd containerd-shim-runc-v2
DOCKER=/usr/bin/docker   # docker.io's CLI, matching the daemon
[[ -x $DOCKER ]] || skip "$DOCKER (docker.io) is not installed"
[[ $(basename "$RUNTIME") == berth ]] || skip "the env contract without a hook needs berth, not $(basename "$RUNTIME")"
source "$ENG_DIR/gpu_lib.sh"

cg_parent=berth-engtest-gpu-docker
d=$T/docker
mkdir -p "$d"/{data,exec,cli}
export DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/cli
defer remove_cgroup "$cg_parent"
snapshot_dir /run/containerd
snapshot_dir /etc/docker
defer unmount_under "$T"
defer kill_matching "$d/"

# Private data and exec roots, no networking set-up, the limits and cgroup driver this
# host allows (see docker.sh).
printf '{}\n' >"$d/empty.json"
start_daemon dockerd "$T/dockerd.log" dockerd --config-file "$d/empty.json" --add-runtime "berth=$RUNTIME" \
  --data-root "$d/data" --exec-root "$d/exec" -H "$DOCKER_HOST" --pidfile "$d/docker.pid" \
  --bridge none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --userland-proxy=false \
  --oom-score-adjust 0 --default-ulimit nofile=1024:1024 --default-ulimit nproc=1024:1024 \
  --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$cg_parent" --storage-driver overlay2
wait_for 60 "$DOCKER" version || { _not_ok "dockerd starts" "$(tail -n 30 "$T/dockerd.log")"; exit 1; }
defer "ids=\$($DOCKER ps -aq); [[ -z \$ids ]] || $DOCKER rm -f \$ids"

make_rootfs_tar "$T/gpu.tar"
assert_ok "import the image" "$DOCKER" import --change 'CMD ["/bin/sh"]' "$T/gpu.tar" localhost/gpu
img=localhost/gpu
drun() { "$DOCKER" run --rm --runtime berth --network none "$@"; }

GPU_RUN=(drun) GPU_ENV_FLAG=-e
gpu_image() { echo "$img"; }
check_env_contract
