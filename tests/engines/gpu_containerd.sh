#!/usr/bin/env bash
# NVIDIA GPUs through containerd (ctr, runc v2 shim) with the env contract on a fake
# driver: NVIDIA_VISIBLE_DEVICES / NVIDIA_DRIVER_CAPABILITIES in the process env, berth
# injects the GPUs in create (it finds the fake driver through BERTH_CONFIG, which the
# shim passes on from containerd's environment). Checked from inside: only the selected
# /dev/nvidiaN, and the fake nvidia-smi lists exactly the selected GPUs.
# berth only: runc has no GPU support of its own (gpu_podman-runc covers it with the hook).
#   RUNTIME=build/src/berth tests/engines/gpu_containerd.sh
source "$(dirname "$0")/lib.sh"

eng_init gpu-containerd
need_cmd containerd ctr containerd-shim-runc-v2
[[ $(basename "$RUNTIME") == berth ]] || skip "the env contract without a hook needs berth, not $(basename "$RUNTIME")"
source "$ENG_DIR/gpu_lib.sh"

ns=berth-engtest-gpu-containerd
defer remove_cgroup "$ns"
start_containerd
d=$T/containerd
C=(ctr --address "$CTR_SOCK" --namespace "$ns")
RUN=(run --rm --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" --runc-root "$d/runc" --fifo-dir "$d/fifo")
img=localhost/gpu:latest
defer "for id in \$(\"\${C[@]}\" containers ls -q); do \"\${C[@]}\" tasks delete -f \$id; \"\${C[@]}\" containers delete \$id; done"

make_oci_archive "$T/gpu-oci.tar" "$img=[\"/bin/sh\"]"
assert_ok "import the image" "${C[@]}" images import "$T/gpu-oci.tar"

GPU_RUN=("${C[@]}" "${RUN[@]}") GPU_ENV_FLAG=--env
gpu_image() { echo "$img g$(date +%s%N)"; }
check_env_contract
assert_eq "the failed run left no container" "" "$(out "${C[@]}" containers ls -q)"
