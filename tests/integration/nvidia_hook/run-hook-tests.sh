#!/bin/bash
# berth-nvidia-hook against real runc containers (shared/nvidia.md §6.3, §6.4).
#
#   run-hook-tests.sh HOOK ROUNDTRIP MAKE_FAKE_DRIVER
#
# Builds a fake driver root (2 GPUs) and busybox rootfs bundles in one temp dir, runs
# each container with /usr/sbin/runc and the hook as its prestart or createRuntime hook,
# and checks from inside what the container sees. Needs root, runc, gcc and a static
# busybox; exits 77 (skip) without them. Leaves nothing behind: the hook's mounts live
# in the containers' mount namespaces; every file is under the temp dir.
set -uo pipefail

hook=${1:?HOOK}; roundtrip=${2:?ROUNDTRIP}; make_fake=${3:?MAKE_FAKE_DRIVER}
runc=/usr/sbin/runc
busybox=/bin/busybox
[[ $(id -u) == 0 ]] || { echo "skip: needs root"; exit 77; }
[[ -x $runc && -x $busybox ]] || { echo "skip: needs $runc and $busybox"; exit 77; }

tmp=$(mktemp -d /tmp/berth-nvhook.XXXXXX)
state=$tmp/runc-state
mounts_before=$(wc -l < /proc/self/mountinfo)
etc_before=$(ls -la --time-style=full-iso /etc | md5sum)
cleanup() {
  for c in $($runc --root "$state" list -q 2>/dev/null); do $runc --root "$state" delete -f "$c" >/dev/null 2>&1; done
  rm -rf "$tmp"
}
trap cleanup EXIT

pass=0; fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
# check NAME COMMAND...: passes when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
contains() { [[ $1 == *"$2"* ]] || { echo "    expected '$2' in: ${1:0:3000}"; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "    did not expect '$2' in: ${1:0:3000}"; return 1; }; }

driver=$tmp/driver
"$make_fake" "$driver" >/dev/null 2>&1 || { echo "skip: fake driver build failed"; exit 77; }
source "$driver/fake-driver.env"
ver=$FAKE_NVIDIA_VERSION
mkdir -p "$tmp/cdi"
cat > "$tmp/berth.json" <<JSON
{"nvidia": {"driverRoot": "$driver", "procRoot": "$driver", "cdiSpecDirs": ["$tmp/cdi"],
            "hookPath": "$hook", "ldconfig": "@/sbin/ldconfig"}}
JSON

# make_rootfs DIR: busybox, the glibc loader and libc (so that ld.so.cache matters for
# the dynamically linked fake nvidia-smi), /etc/debian_version.
make_rootfs() {
  local r=$1
  mkdir -p "$r"/{bin,etc,dev,proc,sys,tmp,lib64,usr/bin,usr/lib/x86_64-linux-gnu,lib}
  cp "$busybox" "$r/bin/busybox"
  for a in sh ls cat grep stat readlink wc test echo head mount touch sed; do ln -sf busybox "$r/bin/$a"; done
  cp /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
  mkdir -p "$r/lib/x86_64-linux-gnu"
  cp /lib/x86_64-linux-gnu/libc.so.6 "$r/lib/x86_64-linux-gnu/"
  echo 12.0 > "$r/etc/debian_version"
  printf 'include /etc/ld.so.conf.d/*.conf\n' > "$r/etc/ld.so.conf"
  mkdir -p "$r/etc/ld.so.conf.d"
}

# make_bundle DIR STAGE SCRIPT ENV...: config.json running `sh -c SCRIPT` with the hook
# at STAGE (prestart or createRuntime) and the given env.
make_bundle() {
  local b=$1 stage=$2 script=$3; shift 3
  local env='"PATH=/usr/bin:/bin"' e
  for e in "$@"; do env+=",\"$e\""; done
  mkdir -p "$b"
  [[ -d $b/rootfs ]] || make_rootfs "$b/rootfs"
  jq -n --arg script "$script" --arg hook "$hook" --arg stage "$stage" --arg cfg "$tmp/berth.json" \
        --argjson env "[$env]" '{
    ociVersion: "1.0.2", root: {path: "rootfs"}, hostname: "gpu",
    process: {terminal: false, user: {uid: 0, gid: 0}, cwd: "/", args: ["/bin/sh", "-c", $script], env: $env,
              capabilities: {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]},
              noNewPrivileges: true},
    mounts: [{destination: "/proc", type: "proc", source: "proc"},
             {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
             {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}],
    hooks: {($stage): [{path: $hook, args: ["berth-nvidia-hook", "hook"], env: ["BERTH_CONFIG=" + $cfg]}]},
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}, {type: "network"}],
            devices: [{path: "/dev/nvidia0", type: "c", major: 195, minor: 0, fileMode: 438, uid: 0, gid: 0}],
            resources: {devices: [{allow: false, access: "rwm"}]}}}' > "$b/config.json"
}

# run ID BUNDLE: runs the container; output in $out, status in $rc.
run() {
  out=$($runc --root "$state" run --bundle "$2" "$1" 2>&1 < /dev/null); rc=$?
  $runc --root "$state" delete -f "$1" >/dev/null 2>&1
}

probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"
stat -c "node %n %t:%T" /dev/nvidia1 /dev/nvidiactl 2>&1
ls /usr/lib/x86_64-linux-gnu/
echo "link: $(readlink /usr/lib/x86_64-linux-gnu/libcuda.so)"
touch /usr/lib/x86_64-linux-gnu/libcuda.so.'"$ver"' 2>&1 || true
grep -c libnvidia-ml.so.1 /etc/ld.so.cache | sed "s/^/cache: /"
/usr/bin/nvidia-smi 2>&1; echo "smi rc $?"
echo "gpus: $(ls /proc/driver/nvidia/gpus | tr "\n" " ")"
grep ModifyDeviceFiles /proc/driver/nvidia/params
grep " /proc/driver" /proc/self/mountinfo | head -1
cat /dev/nvidia1 2>&1 | head -1; cat /dev/nvidia0 2>&1 | head -1
grep -E "x86_64-linux-gnu/libcuda.so" /proc/self/mountinfo
true'

echo "# GPU 1, utility+compute, prestart"
make_bundle "$tmp/b1" prestart "$probe" NVIDIA_VISIBLE_DEVICES=1 NVIDIA_DRIVER_CAPABILITIES=utility,compute
run gpu1 "$tmp/b1"
check "container with GPU 1 runs" test "$rc" = 0
check "only /dev/nvidia1 of the GPUs" contains "$out" "devs: nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl"
check "/dev/nvidia1 is c 195:1" contains "$out" "node /dev/nvidia1 c3:1"
check "/dev/nvidiactl is c 195:255" contains "$out" "node /dev/nvidiactl c3:ff"
check "libcuda mounted" contains "$out" "libcuda.so.$ver"
check "libnvidia-ml mounted" contains "$out" "libnvidia-ml.so.$ver"
check "video library not mounted" lacks "$out" "libnvidia-encode"
check "libcuda.so symlink" contains "$out" "link: libcuda.so.1"
check "libraries are read-only" contains "$out" "Read-only file system"
check "library mount is ro,nosuid,nodev" contains "$out" "ro,nosuid,nodev"
check "ld.so.cache knows libnvidia-ml.so.1" contains "$out" "cache: 1"
check "nvidia-smi runs" contains "$out" "smi rc 0"
check "nvidia-smi lists GPU 1" contains "$out" "GPU-00000000-0000-0000-0000-000000000001"
check "nvidia-smi does not list GPU 0" lacks "$out" "GPU-00000000-0000-0000-0000-000000000000"
check "procfs shows only GPU 1" contains "$out" "gpus: 0000:02:00.0 "
check "params has ModifyDeviceFiles: 0" contains "$out" "ModifyDeviceFiles: 0"
check "/proc/driver masked by tmpfs" contains "$out" "tmpfs"
check "cgroup allows the selected GPU (ENXIO)" contains "$out" "No such device or address"
check "cgroup denies the other GPU (EPERM)" contains "$out" "Operation not permitted"

echo "# none, createRuntime"
make_bundle "$tmp/b2" createRuntime "$probe" NVIDIA_VISIBLE_DEVICES=none
run none "$tmp/b2"
check "none: container runs" test "$rc" = 0
check "none: nvidiactl but no GPU node of ours" contains "$out" "devs: nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl"
check "none: libraries present" contains "$out" "libnvidia-ml.so.$ver"
check "none: nvidia-smi lists no GPU" lacks "$out" "GPU-00000000"
check "none: no GPU in procfs" contains "$out" "gpus: 
"

echo "# void"
make_bundle "$tmp/b3" prestart "$probe" NVIDIA_VISIBLE_DEVICES=void
run void "$tmp/b3"
check "void: container runs" test "$rc" = 0
check "void: no driver node" contains "$out" "devs: nvidia0 "$'\n'
check "void: no libraries" lacks "$out" "libcuda"
check "void: print-edits is empty" test "$(BERTH_CONFIG=$tmp/berth.json "$hook" print-edits --bundle "$tmp/b3")" = "{}"
edits=$(BERTH_CONFIG=$tmp/berth.json "$hook" print-edits --bundle "$tmp/b1")
check "print-edits lists /dev/nvidia1" contains "$edits" '"/dev/nvidia1"'

echo "# hostile: library dir is a symlink to /etc"
make_bundle "$tmp/b4" prestart "ls /usr/lib/x86_64-linux-gnu" NVIDIA_VISIBLE_DEVICES=0
rm -rf "$tmp/b4/rootfs/usr/lib/x86_64-linux-gnu"
ln -s /etc "$tmp/b4/rootfs/usr/lib/x86_64-linux-gnu"
run hostile-lib "$tmp/b4"
check "symlinked lib dir: container refused" test "$rc" != 0
check "symlinked lib dir: error names it" contains "$out" "symlink to '/etc' outside the rootfs: refused"
check "symlinked lib dir: host /etc untouched" test "$(ls -la --time-style=full-iso /etc | md5sum)" = "$etc_before"
check "symlinked lib dir: no library in host /etc" test ! -e "/etc/libcuda.so.$ver"
check "symlinked lib dir: no library in rootfs /etc" test ! -e "$tmp/b4/rootfs/etc/libcuda.so.$ver"

echo "# hostile: ld.so.conf pointing out of the rootfs, LD_PRELOAD in the image env"
mkdir -p "$tmp/hostlibs"
ln -s "$driver/usr/lib/x86_64-linux-gnu/libnotnvidia.so.1.0" "$tmp/hostlibs/libnotnvidia.so.1.0"
make_bundle "$tmp/b5" prestart "/usr/bin/nvidia-smi" NVIDIA_VISIBLE_DEVICES=0 "LD_PRELOAD=$tmp/evil.so"
ln -s "$tmp/hostconf" "$tmp/b5/rootfs/etc/ld.so.conf.d/host"
mkdir -p "$tmp/hostconf"; echo "$tmp/hostlibs" > "$tmp/hostconf/x.conf"
printf 'include /etc/ld.so.conf.d/*.conf\ninclude /etc/ld.so.conf.d/host/*.conf\n/proc/1/root%s\n%s\n' \
  "$tmp/hostlibs" "$tmp/hostlibs" > "$tmp/b5/rootfs/etc/ld.so.conf"
printf '#include <fcntl.h>\n__attribute__((constructor)) static void evil(void) { close(open("%s", O_CREAT|O_WRONLY, 0644)); }\n' \
  "$tmp/evil-ran" | gcc -shared -fPIC -o "$tmp/evil.so" -x c - 2>/dev/null
run hostile-conf "$tmp/b5"
check "hostile ld.so.conf: container runs" test "$rc" = 0
check "hostile ld.so.conf: nvidia-smi works" contains "$out" "GPU-00000000-0000-0000-0000-000000000000"
check "hostile ld.so.conf: host lib dir untouched" test "$(ls "$tmp/hostlibs")" = "libnotnvidia.so.1.0"
check "LD_PRELOAD in the image env never reaches the hook" test ! -e "$tmp/evil-ran"

echo "# cdi generate round trip, and CDI names in hook mode"
check "cdi generate (yaml)" "$hook" cdi generate --driver-root "$driver" --proc-root "$driver" --output "$tmp/cdi/nvidia.yaml"
check "cdi generate (json)" "$hook" cdi generate --driver-root "$driver" --proc-root "$driver" --format json --output "$tmp/nvidia.json"
check "yaml spec round trip" "$roundtrip" "$tmp/cdi/nvidia.yaml" nvidia.com/gpu=0 nvidia.com/gpu=1 nvidia.com/gpu=all \
  nvidia.com/gpu=GPU-00000000-0000-0000-0000-000000000001 nvidia.com/gpu=0:1 nvidia.com/gpu=MIG-00000000-0001-0001-0000-000000000000
check "json spec round trip" "$roundtrip" "$tmp/nvidia.json" nvidia.com/gpu=all
make_bundle "$tmp/b6" prestart "$probe" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0,nvidia.com/gpu=1
run cdi "$tmp/b6"
check "CDI: container runs" test "$rc" = 0
check "CDI: both GPU nodes" contains "$out" "nvidia0 nvidia1 nvidiactl"
check "CDI: nvidia-smi lists GPU 1" contains "$out" "GPU-00000000-0000-0000-0000-000000000001"
check "CDI: procfs shows both GPUs (additive mask)" contains "$out" "gpus: 0000:01:00.0 0000:02:00.0 "

echo "# MIG-<uuid> (NVML asked in a child of the hook) and the MIG access files in /proc"
mig_probe='echo "caps: $(ls /dev/nvidia-caps 2>&1 | tr "\n" " ")"
for f in gi1/access gi1/ci1/access gi1/ci0/access; do
  c=/proc/driver/nvidia/capabilities/gpu0/mig/$f
  if test -f $c; then echo "proc has $f: $(cat $c)"; else echo "proc lacks $f"; fi
done
true'
make_bundle "$tmp/b8" prestart "$mig_probe" NVIDIA_VISIBLE_DEVICES=MIG-00000000-0001-0001-0000-000000000000 NVIDIA_DRIVER_CAPABILITIES=utility
run mig-uuid "$tmp/b8"
check "MIG-<uuid>: container runs" test "$rc" = 0
check "MIG-<uuid>: its GI and CI caps nodes" contains "$out" "caps: nvidia-cap12 nvidia-cap14 "
check "MIG-<uuid>: its CI access file in /proc" contains "$out" "proc has gi1/ci1/access: DeviceFileMinor: 14"
check "MIG-<uuid>: not another CI's" contains "$out" "proc lacks gi1/ci0/access"
cp "$driver/fake-nvml.conf" "$tmp/fake-nvml.conf.orig"
echo "brand 0 5" >> "$driver/fake-nvml.conf"
make_bundle "$tmp/b9" prestart "true" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_REQUIRE_BRAND=brand=tesla
run bad-brand "$tmp/b9"
check "brand=tesla on a GeForce: refused" test "$rc" != 0
check "brand=tesla on a GeForce: the term and the brand" contains "$out" "unsatisfied condition: brand=tesla (NVIDIA_REQUIRE_BRAND; GPU 0 GPU-00000000-0000-0000-0000-000000000000: brand geforce"
cp "$tmp/fake-nvml.conf.orig" "$driver/fake-nvml.conf"

echo "# errors"
make_bundle "$tmp/b7" prestart "true" NVIDIA_VISIBLE_DEVICES=7
run bad-device "$tmp/b7"
check "unknown device: refused" test "$rc" != 0
check "unknown device: one clear line" contains "$out" "berth-nvidia-hook: hook: nvidia: unknown device '7'"

check "host mount table unchanged" test "$(wc -l < /proc/self/mountinfo)" = "$mounts_before"
check "no container left" test -z "$($runc --root "$state" list -q 2>/dev/null)"
echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
