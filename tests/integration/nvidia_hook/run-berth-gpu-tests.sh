#!/bin/bash
# NVIDIA GPUs through `berth create` (not a hook in config.json): real berth containers
# on a fake driver root, checked from inside; failed requests checked for one clear line
# and for leaving nothing behind.
#
#   run-berth-gpu-tests.sh BERTH HOOK MAKE_FAKE_DRIVER
#
# Needs root, gcc, jq and a static busybox; exits 77 (skip) without them. Every file is
# under one temp dir; each container gets its own cgroupsPath so leftovers are visible.
set -uo pipefail

berth=$(realpath "${1:?BERTH}"); hook=$(realpath "${2:?HOOK}"); make_fake=${3:?MAKE_FAKE_DRIVER}
busybox=/bin/busybox
[[ $(id -u) == 0 ]] || { echo "skip: needs root"; exit 77; }
[[ -x $busybox ]] && command -v jq >/dev/null || { echo "skip: needs $busybox and jq"; exit 77; }

tmp=$(mktemp -d /tmp/berth-gpu.XXXXXX)
state=$tmp/state
tag=bgt$$
cleanup() {
  for c in $("$berth" --root "$state" list -q 2>/dev/null); do "$berth" --root "$state" delete --force "$c" >/dev/null 2>&1; done
  rm -rf "$tmp"
}
trap cleanup EXIT

pass=0; fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
contains() { [[ $1 == *"$2"* ]] || { echo "    expected '$2' in: ${1:0:3000}"; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "    did not expect '$2' in: ${1:0:3000}"; return 1; }; }
one_line() { [[ $(printf '%s' "$1" | wc -l) == 0 && -n $1 ]] || { echo "    not one line: $1"; return 1; }; }

driver=$tmp/driver
"$make_fake" "$driver" >/dev/null 2>&1 || { echo "skip: fake driver build failed"; exit 77; }
source "$driver/fake-driver.env"
ver=$FAKE_NVIDIA_VERSION
mkdir -p "$tmp/cdi"
# write_config FILE DRIVER_ROOT: berth's config file with the nvidia settings.
write_config() {
  cat > "$1" <<JSON
{"nvidia": {"driverRoot": "$2", "procRoot": "$2", "devRoot": "$2", "cdiSpecDirs": ["$tmp/cdi"],
            "hookPath": "$hook", "ldconfig": "@/sbin/ldconfig"}}
JSON
}
write_config "$tmp/berth.json" "$driver"
write_config "$tmp/nodriver.json" "$tmp/no-such-driver"
export BERTH_CONFIG=$tmp/berth.json

# The rootfs template, copied per bundle (mount points stay in a rootfs): busybox, the glibc loader and libc (the fake nvidia-smi is
# dynamically linked), /etc/debian_version for the multiarch lib dir.
rootfs=$tmp/rootfs
mkdir -p "$rootfs"/{bin,etc/ld.so.conf.d,dev,proc,sys,tmp,lib64,usr/bin,usr/lib/x86_64-linux-gnu,lib/x86_64-linux-gnu}
cp "$busybox" "$rootfs/bin/busybox"
for a in sh ls cat grep stat readlink wc test echo head touch sed tr true; do ln -sf busybox "$rootfs/bin/$a"; done
cp /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"
cp /lib/x86_64-linux-gnu/libc.so.6 "$rootfs/lib/x86_64-linux-gnu/"
echo 12.0 > "$rootfs/etc/debian_version"
printf 'include /etc/ld.so.conf.d/*.conf\n' > "$rootfs/etc/ld.so.conf"

# make_bundle ID SCRIPT [ENV...] [--annotation K=V]: config.json running `sh -c SCRIPT`.
make_bundle() {
  local id=$1 script=$2; shift 2
  local env='"PATH=/usr/bin:/bin"' ann='{}' e
  for e in "$@"; do
    if [[ $e == --annotation=* ]]; then e=${e#--annotation=}; ann=$(jq -c --arg k "${e%%=*}" --arg v "${e#*=}" '. + {($k): $v}' <<< "$ann")
    else env+=",$(jq -n --arg e "$e" '$e')"; fi
  done
  local b=$tmp/b-$id
  mkdir -p "$b"
  cp -a "$rootfs" "$b/rootfs"
  jq -n --arg script "$script" --arg cg "/$tag-$id" --argjson env "[$env]" --argjson ann "$ann" '{
    ociVersion: "1.0.2", root: {path: "rootfs"}, hostname: "gpu", annotations: $ann,
    process: {terminal: false, user: {uid: 0, gid: 0}, cwd: "/", args: ["/bin/sh", "-c", $script], env: $env,
              capabilities: {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]},
              noNewPrivileges: true},
    mounts: [{destination: "/proc", type: "proc", source: "proc"},
             {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
             {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}, {type: "network"}],
            cgroupsPath: $cg, resources: {devices: [{allow: false, access: "rwm"}]}}}' > "$b/config.json"
  echo "$b"
}

# run ID BUNDLE: `berth run`; output in $out, status in $rc; then deleted.
run() {
  out=$("$berth" --root "$state" run --bundle "$2" "$1" 2>&1 < /dev/null); rc=$?
  "$berth" --root "$state" delete --force "$1" >/dev/null 2>&1
}

# nothing_left ID: no state dir, no cgroup, no mount of ours (other tests may mount
# meanwhile, so count only mounts that name the temp dir).
nothing_left() {
  local left=""
  [[ -e $state/$1 ]] && left+=" state:$state/$1"
  for d in /sys/fs/cgroup/*/"$tag-$1" /sys/fs/cgroup/"$tag-$1"; do [[ -e $d ]] && left+=" cgroup:$d"; done
  grep -q "$tmp" /proc/self/mountinfo && left+=" mounts"
  [[ -z $left ]] || { echo "    left behind:$left"; return 1; }
}

probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"
stat -c "node %n %t:%T" /dev/nvidia1 /dev/nvidiactl 2>&1
cat /dev/nvidia0 2>&1 | head -1
cat /dev/nvidia1 2>&1 | head -1
ls /usr/lib/x86_64-linux-gnu/
touch /usr/lib/x86_64-linux-gnu/libcuda.so.'"$ver"' 2>&1 || true
echo "link: $(readlink /usr/lib/x86_64-linux-gnu/libcuda.so)"
/usr/bin/nvidia-smi 2>&1; echo "smi rc $?"
echo "gpus: $(ls /proc/driver/nvidia/gpus 2>/dev/null | tr "\n" " ")"
true'

echo "# GPU 1, utility+compute"
b=$(make_bundle gpu1 "$probe" NVIDIA_VISIBLE_DEVICES=1 NVIDIA_DRIVER_CAPABILITIES=utility,compute)
before=$(md5sum < "$b/config.json")
run gpu1 "$b"
check "gpu1: container runs" test "$rc" = 0
check "gpu1: only /dev/nvidia1 and the control nodes" contains "$out" "devs: nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl "
check "gpu1: /dev/nvidia1 is c 195:1" contains "$out" "node /dev/nvidia1 c3:1"
check "gpu1: /dev/nvidiactl is c 195:255" contains "$out" "node /dev/nvidiactl c3:ff"
check "gpu1: opening /dev/nvidia0: absent" contains "$out" "can't open '/dev/nvidia0': No such file or directory"
check "gpu1: cgroup allows /dev/nvidia1 (ENXIO from the absent driver)" contains "$out" "can't open '/dev/nvidia1': No such device or address"
check "gpu1: libcuda mounted" contains "$out" "libcuda.so.$ver"
check "gpu1: libnvidia-ml mounted" contains "$out" "libnvidia-ml.so.$ver"
check "gpu1: video library not mounted" lacks "$out" "libnvidia-encode"
check "gpu1: libraries are read-only" contains "$out" "Read-only file system"
check "gpu1: libcuda.so symlink (createContainer hook)" contains "$out" "link: libcuda.so.1"
check "gpu1: nvidia-smi runs" contains "$out" "smi rc 0"
check "gpu1: nvidia-smi lists GPU 1" contains "$out" "GPU-00000000-0000-0000-0000-000000000001"
check "gpu1: nvidia-smi does not list GPU 0" lacks "$out" "GPU-00000000-0000-0000-0000-000000000000"
check "gpu1: procfs shows only GPU 1" contains "$out" "gpus: 0000:02:00.0 "
check "gpu1: bundle config.json unchanged" test "$(md5sum < "$b/config.json")" = "$before"
check "gpu1: nothing left after delete" nothing_left gpu1

# nvidia-ctk's spec puts every control node (nvidia-modeset too) in its common edits,
# as the env form does with all capabilities: the CDI run is compared with that one.
b=$(make_bundle gpu1-all "$probe" NVIDIA_VISIBLE_DEVICES=1 NVIDIA_DRIVER_CAPABILITIES=all)
run gpu1-all "$b"
check "gpu1 all capabilities: container runs" test "$rc" = 0
check "gpu1 all capabilities: nvidia-modeset too" contains "$out" "devs: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl "
gpu1_devs=$(grep '^devs:' <<< "$out")

echo "# graphics and display files by capability"
# What each capability must bring: graphics (and display, which implies it) / display only.
graphics_set="/etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/implicit_layer.d/nvidia_layers.json
/usr/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/egl/egl_external_platform.d/10_nvidia_wayland.json
/usr/share/egl/egl_external_platform.d/15_nvidia_gbm.json /usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so"
display_set="/usr/lib/xorg/modules/drivers/nvidia_drv.so /usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.$ver"
gfx_files=$(tr '\n' ' ' <<< "$graphics_set $display_set")
# gfx_probe: each file as present/absent, and whether it is writable.
gfx_probe='for f in '"$gfx_files"'; do
  if test -f $f; then echo "has $f"; touch $f 2>/dev/null && echo "writable $f"; else echo "lacks $f"; fi
done
grep -o "\"etc\":1" /etc/vulkan/icd.d/nvidia_icd.json
echo "glx link: $(readlink /usr/lib/xorg/modules/extensions/libglxserver_nvidia.so)"
echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"'
# gfx_case CAPS WANT: the files in WANT present and read-only, all others absent.
gfx_case() {
  local caps=$1 want=$2 id=gfx-${1//,/-} f
  b=$(make_bundle "$id" "$gfx_probe" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_DRIVER_CAPABILITIES=$caps")
  run "$id" "$b"
  check "$id: container runs" test "$rc" = 0
  local bad=""
  for f in $gfx_files; do
    if [[ " $(tr '\n' ' ' <<< "$want") " == *" $f "* ]]; then
      [[ $out == *"has $f"* && $out != *"writable $f"* ]] || bad+=" missing-or-writable:$f"
    else
      [[ $out == *"lacks $f"* ]] || bad+=" unexpected:$f"
    fi
  done
  [[ -z $bad ]] || echo "   $bad"
  check "$id: exactly its graphics/display files, read-only" test -z "$bad"
}
gfx_case graphics "$graphics_set"
check "gfx-graphics: no GLX module link without display" contains "$out" "glx link: "$'\n'
check "gfx-graphics: the /etc Vulkan ICD wins over /usr/share" contains "$out" '"etc":1'
check "gfx-graphics: no nvidia-modeset" lacks "$out" "nvidia-modeset"
gfx_case display "$graphics_set $display_set"
check "gfx-display: /dev/nvidia-modeset" contains "$out" "devs: nvidia-modeset nvidia0 nvidiactl "
check "gfx-display: libglxserver_nvidia.so -> .so.<version> (create-symlinks)" contains "$out" "glx link: libglxserver_nvidia.so.$ver"
gfx_case utility ""
gfx_case compute ""
gfx_case compute,utility,video ""

echo "# all"
b=$(make_bundle all "$probe" NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=utility,compute)
run all "$b"
check "all: container runs" test "$rc" = 0
check "all: both GPU nodes and the MIG caps dir" contains "$out" "devs: nvidia-caps nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl "
check "all: nvidia-smi lists GPU 0" contains "$out" "GPU-00000000-0000-0000-0000-000000000000"
check "all: nvidia-smi lists GPU 1" contains "$out" "GPU-00000000-0000-0000-0000-000000000001"

echo "# MIG: the fixture's GPU 0 has gi1/ci0 (caps 12, 13), gi1/ci1 (14) and gi2/ci0 (21, 22)"
# With CAP_MKNOD, so that a node the cgroup denies can be made and opened: the device
# cgroup refuses it (EPERM) where an allowed node gets ENXIO from the absent driver.
mig_probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"
echo "caps: $(ls /dev/nvidia-caps | tr "\n" " ")"
stat -c "node %n %t:%T" /dev/nvidia-caps/* 2>&1
for n in /dev/nvidia0 /dev/nvidia-caps/*; do cat $n 2>&1 | head -1; done
mknod /tmp/cap14 c '"$FAKE_NVIDIA_CAPS_MAJOR"' 14 2>&1 && cat /tmp/cap14 2>&1 | head -1
caps=/proc/driver/nvidia/capabilities
for f in gpu0/mig/gi1/access gpu0/mig/gi1/ci0/access gpu0/mig/gi1/ci1/access gpu0/mig/gi2/access mig/config; do
  if test -f $caps/$f; then echo "proc has $f: $(cat $caps/$f)"; (echo x > $caps/$f) 2>/dev/null && echo "proc writable $f"
  else echo "proc lacks $f"; fi
done
echo "gpus: $(ls /proc/driver/nvidia/gpus | tr "\n" " ")"
echo "proc mounts: $(grep -o " $caps[^ ]* [^ ]*" /proc/self/mountinfo | tr "\n" " ")"
true'
mig_bundle() {
  local b; b=$(make_bundle "$@")
  ln -sf busybox "$b/rootfs/bin/mknod"
  jq '.process.capabilities |= map_values(. + ["CAP_MKNOD"])' "$b/config.json" > "$b/c.json" && mv "$b/c.json" "$b/config.json"
  echo "$b"
}
b=$(mig_bundle mig "$mig_probe" NVIDIA_VISIBLE_DEVICES=0:1:0)
run mig "$b"
check "mig 0:1:0: container runs" test "$rc" = 0
check "mig 0:1:0: the parent GPU and the caps dir" contains "$out" "devs: nvidia-caps nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl "
check "mig 0:1:0: only its GI and CI caps nodes" contains "$out" "caps: nvidia-cap12 nvidia-cap13 "
check "mig 0:1:0: GI node has the real numbers" contains "$out" "node /dev/nvidia-caps/nvidia-cap12 $(printf %x "$FAKE_NVIDIA_CAPS_MAJOR"):c"
check "mig 0:1:0: cgroup allows the GI node (ENXIO)" contains "$out" "can't open '/dev/nvidia-caps/nvidia-cap12': No such device or address"
check "mig 0:1:0: cgroup allows the CI node (ENXIO)" contains "$out" "can't open '/dev/nvidia-caps/nvidia-cap13': No such device or address"
check "mig 0:1:0: cgroup allows the parent GPU (ENXIO)" contains "$out" "can't open '/dev/nvidia0': No such device or address"
check "mig 0:1:0: cgroup denies another CI (EPERM)" contains "$out" "Operation not permitted"
check "mig 0:1:0: GI access file in the container's /proc" contains "$out" "proc has gpu0/mig/gi1/access: DeviceFileMinor: 12"
check "mig 0:1:0: CI access file in the container's /proc" contains "$out" "proc has gpu0/mig/gi1/ci0/access: DeviceFileMinor: 13"
check "mig 0:1:0: no other CI's access file" contains "$out" "proc lacks gpu0/mig/gi1/ci1/access"
check "mig 0:1:0: no other GI's access file" contains "$out" "proc lacks gpu0/mig/gi2/access"
check "mig 0:1:0: no MIG config file" contains "$out" "proc lacks mig/config"
check "mig 0:1:0: access files not writable" lacks "$out" "proc writable"
check "mig 0:1:0: access files mounted read-only" contains "$out" "/proc/driver/nvidia/capabilities/gpu0/mig/gi1/ci0/access ro,"
check "mig 0:1:0: procfs mask intact: only the parent GPU's entry" contains "$out" "gpus: 0000:01:00.0 "
check "mig 0:1:0: nothing left after delete" nothing_left mig

b=$(mig_bundle mig-idx "$mig_probe" NVIDIA_VISIBLE_DEVICES=0:2)
run mig-idx "$b"
check "mig 0:2 (third MIG device of GPU 0 = gi2/ci0): caps nodes" contains "$out" "caps: nvidia-cap21 nvidia-cap22 "

b=$(mig_bundle mig-legacy "$mig_probe" NVIDIA_VISIBLE_DEVICES=MIG-GPU-00000000-0000-0000-0000-000000000000/1/1)
run mig-legacy "$b"
check "mig MIG-GPU-<uuid>/1/1: caps nodes" contains "$out" "caps: nvidia-cap12 nvidia-cap14 "

# MIG-<uuid>: only NVML knows it; the fixture's fake NVML names MIG devices
# MIG-<gpu:8>-<gi:4>-<ci:4>-0000-000000000000 (make-fake-driver.sh).
mig_uuid() { printf 'MIG-%08x-%04x-%04x-0000-000000000000' "$1" "$2" "$3"; }
b=$(mig_bundle mig-uuid "$mig_probe" "NVIDIA_VISIBLE_DEVICES=$(mig_uuid 0 1 1)")
run mig-uuid "$b"
check "mig MIG-<uuid> of 0:1:1: container runs" test "$rc" = 0
check "mig MIG-<uuid> of 0:1:1: the parent GPU and the caps dir" contains "$out" "devs: nvidia-caps nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl "
check "mig MIG-<uuid> of 0:1:1: its GI and CI caps nodes" contains "$out" "caps: nvidia-cap12 nvidia-cap14 "
check "mig MIG-<uuid> of 0:1:1: cgroup allows the CI node (ENXIO)" contains "$out" "can't open '/dev/nvidia-caps/nvidia-cap14': No such device or address"
check "mig MIG-<uuid> of 0:1:1: its CI access file" contains "$out" "proc has gpu0/mig/gi1/ci1/access: DeviceFileMinor: 14"
check "mig MIG-<uuid> of 0:1:1: not another CI's" contains "$out" "proc lacks gpu0/mig/gi1/ci0/access"
check "mig MIG-<uuid>: nothing left after delete" nothing_left mig-uuid

# NVIDIA_MIG_CONFIG_DEVICES needs a privileged container (CAP_SYS_ADMIN), as in the toolkit.
b=$(mig_bundle mig-config "$mig_probe" NVIDIA_VISIBLE_DEVICES=0:1:0 NVIDIA_MIG_CONFIG_DEVICES=all NVIDIA_MIG_MONITOR_DEVICES=all)
jq '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]' "$b/config.json" > "$b/c.json" && mv "$b/c.json" "$b/config.json"
run mig-config "$b"
check "mig config+monitor: container runs" test "$rc" = 0
check "mig config+monitor: config and monitor caps nodes too" contains "$out" "caps: nvidia-cap1 nvidia-cap12 nvidia-cap13 nvidia-cap2 "
check "mig config+monitor: cgroup allows the config node (ENXIO)" contains "$out" "can't open '/dev/nvidia-caps/nvidia-cap1': No such device or address"
check "mig config+monitor: the whole capabilities dir (mig/config)" contains "$out" "proc has mig/config: DeviceFileMode: 256"
check "mig config+monitor: the whole capabilities dir (other GIs)" contains "$out" "proc has gpu0/mig/gi2/access"
check "mig config+monitor: capabilities dir read-only" contains "$out" "/proc/driver/nvidia/capabilities ro,"
check "mig config+monitor: not writable" lacks "$out" "proc writable"

echo "# brand and arch requirements (NVML in a child; the fake NVML's brand/cc from fake-nvml.conf)"
cp "$driver/fake-nvml.conf" "$tmp/fake-nvml.conf.orig"
# GPU 0: GeForce (5), compute capability 8.6; GPU 1: Tesla (the default), 7.0.
printf 'brand 0 5\ncc 0 8 6\ncc 1 7 0\n' >> "$driver/fake-nvml.conf"
b=$(make_bundle brand-ok "true" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_BRAND=brand=GeForce")
run brand-ok "$b"
check "brand=GeForce on a GeForce GPU: runs" test "$rc" = 0
b=$(make_bundle arch-ok "true" NVIDIA_VISIBLE_DEVICES=1 "NVIDIA_REQUIRE_ARCH=arch>=7.0")
run arch-ok "$b"
check "arch>=7.0 on a 7.0 GPU: runs" test "$rc" = 0
# The CUDA images' form: an OR of brand alternatives.
b=$(make_bundle cuda-image "true" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=geforce,driver>=550,driver<551")
run cuda-image "$b"
check "CUDA image requirement (brand=geforce,driver>=550 alternative): runs" test "$rc" = 0

echo "# none"
b=$(make_bundle none "$probe" NVIDIA_VISIBLE_DEVICES=none)
run none "$b"
check "none: container runs" test "$rc" = 0
check "none: control nodes but no GPU node" contains "$out" "devs: nvidia-uvm nvidia-uvm-tools nvidiactl "
check "none: libraries present" contains "$out" "libnvidia-ml.so.$ver"
check "none: nvidia-smi lists no GPU" lacks "$out" "GPU-00000000"

echo "# void and unset: no GPU, no driver probing (driverRoot does not exist)"
for v in void unset; do
  if [[ $v == void ]]; then b=$(make_bundle $v "$probe" NVIDIA_VISIBLE_DEVICES=void)
  else b=$(make_bundle $v "$probe"); fi
  BERTH_CONFIG=$tmp/nodriver.json run $v "$b"
  check "$v: container runs without a driver" test "$rc" = 0
  check "$v: no nvidia device" contains "$out" "devs: "$'\n'
  check "$v: no driver library" lacks "$out" "libcuda"
  check "$v: no nvidia-smi" lacks "$out" "smi rc 0"
done
b=$(make_bundle unset2 "true")
BERTH_CONFIG=$tmp/no-such-config.json run unset2 "$b"
check "unset: berth config file never read (a missing BERTH_CONFIG is fine)" test "$rc" = 0

echo "# CDI by annotation"
check "cdi generate" "$hook" cdi generate --driver-root "$driver" --proc-root "$driver" --output "$tmp/cdi/nvidia.yaml"
b=$(make_bundle cdi "$probe" --annotation=cdi.k8s.io/x=nvidia.com/gpu=1 NVIDIA_DRIVER_CAPABILITIES=utility,compute)
run cdi "$b"
check "cdi: container runs" test "$rc" = 0
cdi_devs=$(grep '^devs:' <<< "$out")
check "cdi: same devices as NVIDIA_VISIBLE_DEVICES=1" test "$cdi_devs" = "$gpu1_devs"
check "cdi: nvidia-smi lists GPU 1" contains "$out" "GPU-00000000-0000-0000-0000-000000000001"
check "cdi: nvidia-smi does not list GPU 0" lacks "$out" "GPU-00000000-0000-0000-0000-000000000000"

echo "# CDI poststart/poststop hooks: start and delete run them (they read the state's config)"
cat > "$tmp/cdi/hooked.json" <<JSON
{"cdiVersion": "0.5.0", "kind": "example.com/hooked",
 "devices": [{"name": "one", "containerEdits": {"env": ["HOOKED=1"]}}],
 "containerEdits": {"hooks": [
   {"hookName": "poststart", "path": "/bin/sh", "args": ["sh", "-c", "cat > $tmp/poststart.json"]},
   {"hookName": "poststop", "path": "/bin/sh", "args": ["sh", "-c", "cat > $tmp/poststop.json"]}]}}
JSON
b=$(make_bundle cdi-hooks 'echo "hooked=$HOOKED"' --annotation=cdi.k8s.io/h=example.com/hooked=one)
before=$(md5sum < "$b/config.json")
run cdi-hooks "$b"
check "cdi hooks: container runs with the device's env" contains "$out" "hooked=1"
check "cdi hooks: the poststart hook ran with the state" contains "$(cat "$tmp/poststart.json" 2>&1)" '"id":"cdi-hooks"'
check "cdi hooks: the poststop hook ran with the state" contains "$(cat "$tmp/poststop.json" 2>&1)" '"status":"stopped"'
check "cdi hooks: bundle config.json unchanged" test "$(md5sum < "$b/config.json")" = "$before"
check "cdi hooks: nothing left after delete" nothing_left cdi-hooks
rm -f "$tmp/cdi/hooked.json"

echo "# CDI MIG devices: cdi generate lists <gpu>:<n> (and MIG-<uuid> from the fake NVML)"
check "cdi spec lists MIG 0:1" grep -q '^- name: "0:1"$' "$tmp/cdi/nvidia.yaml"
check "cdi spec lists MIG 0:1 by UUID" grep -q "^- name: \"$(mig_uuid 0 1 1)\"\$" "$tmp/cdi/nvidia.yaml"
# The env path with every capability (the spec-level edits carry them all) is the reference:
# same nodes, same caps nodes allowed and denied, same /proc access files and mounts.
b=$(mig_bundle mig-env01 "$mig_probe" NVIDIA_VISIBLE_DEVICES=0:1 NVIDIA_DRIVER_CAPABILITIES=all)
run mig-env01 "$b"
check "mig 0:1 (env, all capabilities): container runs" test "$rc" = 0
mig01_env=$out
for form in annotation env-cdi env-cdi-uuid; do
  case $form in
    annotation) b=$(mig_bundle cdi-mig-$form "$mig_probe" --annotation=cdi.k8s.io/x=nvidia.com/gpu=0:1) ;;
    env-cdi) b=$(mig_bundle cdi-mig-$form "$mig_probe" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0:1) ;;
    env-cdi-uuid) b=$(mig_bundle cdi-mig-$form "$mig_probe" "NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=$(mig_uuid 0 1 1)") ;;
  esac
  run cdi-mig-$form "$b"
  check "cdi mig 0:1 ($form): container runs" test "$rc" = 0
  check "cdi mig 0:1 ($form): the parent GPU, no other" contains "$out" " nvidia0 nvidiactl "$'\n'
  check "cdi mig 0:1 ($form): only its GI and CI caps nodes" contains "$out" "caps: nvidia-cap12 nvidia-cap14 "
  check "cdi mig 0:1 ($form): cgroup allows the CI node (ENXIO)" contains "$out" "can't open '/dev/nvidia-caps/nvidia-cap14': No such device or address"
  check "cdi mig 0:1 ($form): its CI access file" contains "$out" "proc has gpu0/mig/gi1/ci1/access: DeviceFileMinor: 14"
  check "cdi mig 0:1 ($form): not another CI's" contains "$out" "proc lacks gpu0/mig/gi1/ci0/access"
  check "cdi mig 0:1 ($form): access files mounted read-only" contains "$out" "/proc/driver/nvidia/capabilities/gpu0/mig/gi1/ci1/access ro,"
  check "cdi mig 0:1 ($form): access files not writable" lacks "$out" "proc writable"
  check "cdi mig 0:1 ($form): procfs mask: only the parent GPU's entry" contains "$out" "gpus: 0000:01:00.0 "
  check "cdi mig 0:1 ($form): the same as NVIDIA_VISIBLE_DEVICES=0:1" test "$out" = "$mig01_env"
  [[ $out == "$mig01_env" ]] || diff <(echo "$mig01_env") <(echo "$out") | sed 's/^/    /'
  check "cdi mig 0:1 ($form): nothing left after delete" nothing_left cdi-mig-$form
done

echo "# failures: one line, nothing left behind"
# fails ID EXPECTED ENV...: create must fail with EXPECTED in its one-line message.
fails() {
  local id=$1 want=$2; shift 2
  local b; b=$(make_bundle "$id" "true" "$@")
  out=$("$berth" --root "$state" create --bundle "$b" "$id" 2>&1 < /dev/null); rc=$?
  check "$id: refused" test "$rc" != 0
  check "$id: message" contains "$out" "$want"
  check "$id: one line" one_line "$out"
  check "$id: nothing left behind" nothing_left "$id"
}
fails bad-index "nvidia: unknown device '7' in NVIDIA_VISIBLE_DEVICES (available: 0 GPU-00000000-0000-0000-0000-000000000000 0000:01:00.0, 1 GPU-" NVIDIA_VISIBLE_DEVICES=7
fails bad-mig "nvidia: unknown device '0:1:5' in NVIDIA_VISIBLE_DEVICES (available: 0 GPU-00000000-0000-0000-0000-000000000000 0000:01:00.0, 1 GPU-00000000-0000-0000-0000-000000000001 0000:02:00.0, MIG 0:0 = 0:1:0, MIG 0:1 = 0:1:1, MIG 0:2 = 0:2:0)" NVIDIA_VISIBLE_DEVICES=0:1:5
fails mig-config-unprivileged "nvidia: cannot set NVIDIA_MIG_CONFIG_DEVICES in a non-privileged container" NVIDIA_VISIBLE_DEVICES=0:1:0 NVIDIA_MIG_CONFIG_DEVICES=all
fails bad-cuda "unsatisfied condition: cuda>=99.0" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0"
check "bad-cuda: names the driver's CUDA version" contains "$out" "CUDA 12.4"
fails bad-cap "nvidia: unsupported capability 'warp' in NVIDIA_DRIVER_CAPABILITIES" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=utility,warp
fails bad-cdi "nvidia.com/gpu=9" --annotation=cdi.k8s.io/x=nvidia.com/gpu=9
BERTH_CONFIG=$tmp/nodriver.json fails no-driver "nvidia: no NVIDIA driver found" NVIDIA_VISIBLE_DEVICES=0
fails bad-mig-uuid "nvidia: unknown device 'MIG-00000000-0009-0000-0000-000000000000' in NVIDIA_VISIBLE_DEVICES (available: 0 GPU-00000000-0000-0000-0000-000000000000 0000:01:00.0, 1 GPU-00000000-0000-0000-0000-000000000001 0000:02:00.0, MIG 0:0 = 0:1:0 $(mig_uuid 0 1 0), MIG 0:1 = 0:1:1 $(mig_uuid 0 1 1), MIG 0:2 = 0:2:0 $(mig_uuid 0 2 0))" NVIDIA_VISIBLE_DEVICES=MIG-00000000-0009-0000-0000-000000000000
fails bad-brand "nvidia: requirement error: unsatisfied condition: brand=tesla (NVIDIA_REQUIRE_BRAND; GPU 0 GPU-00000000-0000-0000-0000-000000000000: brand geforce, arch 8.6;" NVIDIA_VISIBLE_DEVICES=0,1 NVIDIA_REQUIRE_BRAND=brand=tesla
fails bad-arch "nvidia: requirement error: unsatisfied condition: arch>=8.0 (NVIDIA_REQUIRE_ARCH; GPU 1 GPU-00000000-0000-0000-0000-000000000001: brand tesla, arch 7.0;" NVIDIA_VISIBLE_DEVICES=0,1 "NVIDIA_REQUIRE_ARCH=arch>=8.0"
# Without an NVML answer brand/arch are unknown, hence satisfied (with a warning).
echo "init-error 9" >> "$driver/fake-nvml.conf"
b=$(make_bundle brand-nonvml "true" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_REQUIRE_BRAND=brand=tesla)
run brand-nonvml "$b"
check "brand=tesla without NVML: runs" test "$rc" = 0
check "brand=tesla without NVML: warns" contains "$out" "NVML unavailable (nvmlInit_v2 failed with NVML error 9): brand and arch requirements count as satisfied"
fails mig-uuid-nonvml "MIG UUIDs need NVML (libnvidia-ml): nvmlInit_v2 failed with NVML error 9; name it <gpu>:<gi>:<ci>" "NVIDIA_VISIBLE_DEVICES=$(mig_uuid 0 1 0)"
cp "$tmp/fake-nvml.conf.orig" "$driver/fake-nvml.conf"

check "no mount of ours left on the host" test "$(grep -c "$tmp" /proc/self/mountinfo)" = 0
check "no container left" test -z "$("$berth" --root "$state" list -q 2>/dev/null)"
echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
