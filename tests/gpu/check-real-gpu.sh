#!/bin/bash
# Real-GPU check for berth (not run in CI; shared/nvidia.md §6.5).
#
# Usage, as root on a machine with an NVIDIA GPU, its driver and nvidia-smi:
#
#   tests/gpu/check-real-gpu.sh [BUILD_DIR]          # default BUILD_DIR: ./build
#   RUNTIME=runc tests/gpu/check-real-gpu.sh BUILD   # runc + berth-nvidia-hook instead
#
# It builds a tiny "CUDA-image-like" rootfs (static busybox, the host's glibc loader
# and libc, /etc/debian_version, CUDA_VERSION-free env) in a temp dir and, for
# NVIDIA_VISIBLE_DEVICES=all, =0, =GPU-<uuid of GPU 0> and =none, runs it with
# `berth run` (or runc with the hook as a createRuntime hook) and checks:
#   - `nvidia-smi -L` inside lists exactly the selected GPUs, with the host's UUIDs
#     (none: no GPU listed);
#   - a driver-API CUDA program (cuInit, cuDeviceGetCount, cuCtxCreate, cuMemAlloc,
#     cuMemcpyHtoD/DtoH round trip, cuDriverGetVersion), compiled here with gcc
#     against the host's libcuda.so.1 (no CUDA toolkit needed), sees the selected
#     number of devices and copies memory back intact;
#   - NVIDIA_REQUIRE_CUDA above the host's CUDA version makes the container fail.
# No network needed. Everything lives under one temp dir, removed at exit.
set -uo pipefail

build=${1:-build}
runtime=${RUNTIME:-berth}
berth=$build/berth
hook=$build/hooks/berth-nvidia-hook
[[ $(id -u) == 0 ]] || { echo "needs root" >&2; exit 2; }
command -v nvidia-smi >/dev/null || { echo "no nvidia-smi: not a GPU machine" >&2; exit 2; }
[[ -x /bin/busybox ]] || { echo "needs a static /bin/busybox" >&2; exit 2; }
if [[ $runtime == berth ]]; then
  [[ -x $berth ]] || { echo "no $berth (build berth first)" >&2; exit 2; }
else
  command -v "$runtime" >/dev/null && [[ -x $hook ]] || { echo "needs $runtime and $hook" >&2; exit 2; }
fi

tmp=$(mktemp -d /tmp/berth-gpu.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { local n=$1; shift; if "$@"; then echo "ok - $n"; pass=$((pass+1)); else echo "not ok - $n"; fail=$((fail+1)); fi; }

mapfile -t host_gpus < <(nvidia-smi -L | sed -n 's/.*(UUID: \(GPU-[^)]*\)).*/\1/p')
host_cuda=$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p')
echo "# host: ${#host_gpus[@]} GPUs, CUDA $host_cuda"
(( ${#host_gpus[@]} > 0 )) || { echo "nvidia-smi lists no GPU" >&2; exit 1; }

# The CUDA driver-API probe, declared by hand so no toolkit is needed.
cat > "$tmp/cudaprobe.c" <<'C'
#include <stdio.h>
#include <string.h>
typedef int CUresult; typedef int CUdevice; typedef void *CUcontext; typedef unsigned long long CUdeviceptr;
CUresult cuInit(unsigned); CUresult cuDriverGetVersion(int *); CUresult cuDeviceGetCount(int *);
CUresult cuDeviceGet(CUdevice *, int); CUresult cuCtxCreate_v2(CUcontext *, unsigned, CUdevice);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t); CUresult cuMemcpyHtoD_v2(CUdeviceptr, const void *, size_t);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t); CUresult cuMemFree_v2(CUdeviceptr);
CUresult cuCtxDestroy_v2(CUcontext);
int main(void) {
  int v = 0, n = 0; CUdevice d; CUcontext c; CUdeviceptr p; char in[4096], out[4096];
  if (cuInit(0) || cuDriverGetVersion(&v) || cuDeviceGetCount(&n)) { printf("cuInit failed\n"); return 1; }
  printf("cuda %d.%d devices %d\n", v / 1000, (v % 1000) / 10, n);
  if (n == 0) return 0;
  for (int i = 0; i < (int)sizeof in; i++) in[i] = (char)(i * 7);
  if (cuDeviceGet(&d, 0) || cuCtxCreate_v2(&c, 0, d) || cuMemAlloc_v2(&p, sizeof in) ||
      cuMemcpyHtoD_v2(p, in, sizeof in) || cuMemcpyDtoH_v2(out, p, sizeof out)) { printf("memcpy failed\n"); return 1; }
  printf("memcpy %s\n", memcmp(in, out, sizeof in) ? "mismatch" : "ok");
  cuMemFree_v2(p); cuCtxDestroy_v2(c);
  return 0;
}
C
have_probe=0
libcuda=$(ldconfig -p | sed -n 's/.*libcuda.so.1 (libc6,x86-64) => //p' | head -1)
if [[ -n $libcuda ]] && gcc -O1 -o "$tmp/cudaprobe" "$tmp/cudaprobe.c" "$libcuda" 2>/dev/null; then
  have_probe=1
else
  echo "# no gcc or libcuda.so.1: skipping the CUDA program"
fi

rootfs=$tmp/bundle/rootfs
mkdir -p "$rootfs"/{bin,etc,dev,proc,sys,tmp,lib64,usr/bin,usr/lib/x86_64-linux-gnu,lib/x86_64-linux-gnu}
cp /bin/busybox "$rootfs/bin/"
for a in sh ls cat grep echo; do ln -s busybox "$rootfs/bin/$a"; done
cp /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"
for l in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1; do
  [[ -e /lib/x86_64-linux-gnu/$l ]] && cp /lib/x86_64-linux-gnu/$l "$rootfs/lib/x86_64-linux-gnu/"
done
echo 12 > "$rootfs/etc/debian_version"
[[ $have_probe == 1 ]] && cp "$tmp/cudaprobe" "$rootfs/usr/bin/"

# run_gpu VISIBLE [EXTRA_ENV]: prints the container's output; status in $rc.
run_gpu() {
  local env="[\"PATH=/usr/bin:/bin\",\"NVIDIA_VISIBLE_DEVICES=$1\",\"NVIDIA_DRIVER_CAPABILITIES=compute,utility\"${2:+,\"$2\"}]"
  local hooks='{}'
  [[ $runtime != berth ]] && hooks="{\"createRuntime\":[{\"path\":\"$(realpath "$hook")\",\"args\":[\"berth-nvidia-hook\",\"hook\"]}]}"
  cat > "$tmp/bundle/config.json" <<JSON
{"ociVersion":"1.0.2","root":{"path":"rootfs"},"hostname":"gpu",
 "process":{"terminal":false,"user":{"uid":0,"gid":0},"cwd":"/","env":$env,
   "args":["/bin/sh","-c","nvidia-smi -L; echo smi=\$?; [ -x /usr/bin/cudaprobe ] && cudaprobe; true"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755"]},
   {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}],
 "hooks":$hooks,
 "linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"ipc"},{"type":"uts"}],
   "resources":{"devices":[{"allow":false,"access":"rwm"}]}}}
JSON
  if [[ $runtime == berth ]]; then
    out=$("$berth" --root "$tmp/state" run --bundle "$tmp/bundle" gpu-check 2>&1 </dev/null); rc=$?
    "$berth" --root "$tmp/state" delete -f gpu-check >/dev/null 2>&1
  else
    out=$("$runtime" --root "$tmp/state" run --bundle "$tmp/bundle" gpu-check 2>&1 </dev/null); rc=$?
    "$runtime" --root "$tmp/state" delete -f gpu-check >/dev/null 2>&1
  fi
  echo "$out" | sed 's/^/    | /'
}

# expect NAME VISIBLE UUID...: the container lists exactly these UUIDs.
expect() {
  local name=$1 visible=$2; shift 2
  run_gpu "$visible"
  check "$name: container runs" test "$rc" = 0
  local listed want
  listed=$(echo "$out" | sed -n 's/.*(UUID: \(GPU-[^)]*\)).*/\1/p' | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
  check "$name: nvidia-smi -L lists exactly the selected GPUs" test "$listed" = "$want"
  if [[ $have_probe == 1 ]]; then
    check "$name: CUDA sees $# device(s)" grep -q "devices $#\$" <<< "$out"
    check "$name: cuDriverGetVersion matches the host" grep -q "cuda $host_cuda " <<< "$out"
    (( $# > 0 )) && check "$name: cuMemcpy round trip" grep -q "memcpy ok" <<< "$out"
  fi
}

expect "all" all "${host_gpus[@]}"
expect "index 0" 0 "${host_gpus[0]}"
expect "uuid" "${host_gpus[0]}" "${host_gpus[0]}"
run_gpu none
check "none: container runs" test "$rc" = 0
check "none: nvidia-smi finds no GPU" grep -q "No devices were found" <<< "$out"
run_gpu 0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0"
check "requirement above the host CUDA: refused" test "$rc" != 0
check "requirement above the host CUDA: says why" grep -q "unsatisfied condition: cuda>=99.0" <<< "$out"

echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
