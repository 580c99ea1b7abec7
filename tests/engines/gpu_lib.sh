# Shared by the gpu_*.sh engine tests. Sourced after lib.sh and eng_init: builds the fake
# NVIDIA driver (tests/fixtures/fake_nvidia) under $T/driver, writes berth's config for it
# ($T/berth.json, exported as BERTH_CONFIG, which berth and berth-nvidia-hook read) and
# the GPU test image's rootfs at $T/rootfs, where make_rootfs_tar and make_oci_archive
# pick it up. Sets HOOK (the built berth-nvidia-hook; $NVIDIA_HOOK from meson).

HOOK=${NVIDIA_HOOK:-$ENG_TOP/build/hooks/berth-nvidia-hook}
[[ -x $HOOK ]] || skip "berth-nvidia-hook not built at $HOOK (set NVIDIA_HOOK)"
HOOK=$(readlink -f "$HOOK")
need_cmd gcc ldconfig

mkdir -p "$T/cdi"
bash "$ENG_TOP/tests/fixtures/fake_nvidia/make-fake-driver.sh" "$T/driver" 550.54.15 2 12040 none >"$T/fake-driver.log" 2>&1 ||
  skip "the fake driver did not build (see $T/fake-driver.log)"
cat >"$T/berth.json" <<EOT
{"nvidia": {"driverRoot": "$T/driver", "procRoot": "$T/driver", "devRoot": "$T/driver",
            "cdiSpecDirs": ["$T/cdi"], "hookPath": "$HOOK", "ldconfig": "@/sbin/ldconfig"}}
EOT
export BERTH_CONFIG=$T/berth.json

# The image: busybox plus the glibc loader and libc (the fake nvidia-smi is dynamic) and
# /etc/debian_version, so driver libraries go to the multiarch dir.
make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs"/{lib64,lib/x86_64-linux-gnu,usr/lib/x86_64-linux-gnu,usr/bin,etc/ld.so.conf.d}
cp /lib64/ld-linux-x86-64.so.2 "$T/rootfs/lib64/"
cp /lib/x86_64-linux-gnu/libc.so.6 "$T/rootfs/lib/x86_64-linux-gnu/"
echo 12.0 >"$T/rootfs/etc/debian_version"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$T/rootfs/etc/ld.so.conf"

# What the container sees: its nvidia device nodes and the injected nvidia-smi's list
# (by path: image PATHs differ).
probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"; /usr/bin/nvidia-smi -L 2>&1; echo "smi rc $?"'

# check_gpus LABEL OUTPUT DEVS GPU...: the probe's device line is exactly DEVS, nvidia-smi
# ran and lists the fake GPUs with these indices (by UUID) and no other.
check_gpus() {
  local label=$1 o=$2 devs=$3 i want="" listed
  shift 3
  assert_contains "$label: only the selected device nodes" "$o" "devs: $devs"$'\n'
  assert_contains "$label: nvidia-smi runs" "$o" "smi rc 0"
  listed=$(grep -o 'UUID: GPU-[0-9a-f-]*' <<<"$o" | sed 's/UUID: //' | tr '\n' ' ')
  for i; do want+="$(printf 'GPU-00000000-0000-0000-0000-%012d' "$i") "; done
  assert_eq "$label: nvidia-smi lists the selected GPUs" "$want" "$listed"
}

# env_run VAR=VALUE... -- CMD...: runs CMD in the GPU image with those variables in its
# env, each engine's way: "${GPU_RUN[@]}", $GPU_ENV_FLAG VAR=VALUE per pair, the words
# `gpu_image` prints (the image; for ctr also a fresh container id), then CMD.
env_run() {
  local flags=() image
  while [[ $1 != -- ]]; do flags+=("$GPU_ENV_FLAG" "$1"); shift; done
  shift
  read -ra image < <(gpu_image)
  "${GPU_RUN[@]}" "${flags[@]}" "${image[@]}" "$@"
}

# check_env_contract: the env-contract cases, through env_run.
check_env_contract() {
  local o
  o=$(out env_run NVIDIA_VISIBLE_DEVICES=1 -- sh -c "$probe")
  check_gpus "env gpu 1" "$o" "nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl " 1
  o=$(out env_run NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=utility -- sh -c "$probe")
  check_gpus "env all, utility" "$o" "nvidia0 nvidia1 nvidiactl " 0 1
  o=$(out env_run NVIDIA_VISIBLE_DEVICES=none -- sh -c "$probe")
  check_gpus "env none" "$o" "nvidia-uvm nvidia-uvm-tools nvidiactl "
  o=$(out env_run -- sh -c "$probe")
  assert_contains "no NVIDIA_VISIBLE_DEVICES: no GPU" "$o" "devs: "$'\n'
  assert_fails "env: an unknown GPU fails the run" env_run NVIDIA_VISIBLE_DEVICES=7 -- true
}
