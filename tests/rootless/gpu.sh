#!/usr/bin/env bash
# GPUs without root: berth run by an ordinary user on a `spec --rootless` bundle that asks
# for GPUs (NVIDIA_VISIBLE_DEVICES, or a CDI name with the spec in /etc/cdi) on the fake
# driver tree. Checked from inside: the nodes are binds of the tree's nodes and reach the
# (absent) driver, the libraries are there read-only and in the ldconfig cache the
# createContainer hook made, the fake nvidia-smi runs, NVIDIA_REQUIRE_* is checked; a node
# the user may not open is refused in one line naming it. Nothing is written outside the
# container: the tree and the host's /etc/ld.so.cache are unchanged. Then the same user's
# rootless Podman with --runtime berth: NVIDIA_VISIBLE_DEVICES, and a CDI name
# (--device nvidia.com/gpu=0) that Podman resolves from the spec in /etc/cdi itself.
#   RUNTIME=build/src/berth HOOK=build/hooks/berth-nvidia-hook tests/rootless/gpu.sh
source "$(dirname "$0")/../engines/lib.sh"
eng_init rootless-gpu
source "$(dirname "$0")/user.sh"
need_cmd jq gcc ld ldconfig
[[ -x ${HOOK:-} ]] || skip "HOOK (berth-nvidia-hook) is not set"
make_test_user 1300000 g
rt() { as_user env BERTH_CONFIG="$T/berth.json" "$URT" "$@"; }

# The fake driver (root: real device nodes, mode 0666) where the user can read it.
driver=$T/driver
"$ENG_TOP/tests/fixtures/fake_nvidia/make-fake-driver.sh" "$driver" >"$T/driver.log" 2>&1 ||
  skip "make-fake-driver.sh failed: $(tail -n 1 "$T/driver.log")"
source "$driver/fake-driver.env"
ver=$FAKE_NVIDIA_VERSION
install -m 0755 "$HOOK" "$T/bin/berth-nvidia-hook"
cat >"$T/berth.json" <<JSON
{"nvidia": {"driverRoot": "$driver", "procRoot": "$driver", "devRoot": "$driver",
            "hookPath": "$T/bin/berth-nvidia-hook", "ldconfig": "@/sbin/ldconfig"}}
JSON
# What must not change: every file of the tree (content, mode, times) and the host's cache.
tree_sum() { (cd "$driver" && find . -printf '%p %m %T@ %s\n' | sort && find . -type f -exec md5sum {} + | sort) | md5sum; }
tree_before=$(tree_sum)
cache_before=$(md5sum </etc/ld.so.cache)

# The bundle: busybox, the loader and libc (the fake nvidia-smi is dynamic), the host's
# static ldconfig for `ldconfig -p`, /etc/ld.so.conf and the multiarch lib dir.
B=$T/home/b
make_rootfs "$T/rootfs"
r=$T/rootfs
mkdir -p "$r"/{sbin,lib64,lib/x86_64-linux-gnu,usr/bin,usr/lib/x86_64-linux-gnu,etc/ld.so.conf.d}
cp /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
cp /lib/x86_64-linux-gnu/libc.so.6 "$r/lib/x86_64-linux-gnu/"
cp "$(readlink -f /sbin/ldconfig)" "$r/sbin/ldconfig"
echo 12.0 >"$r/etc/debian_version"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$r/etc/ld.so.conf"
as_user mkdir -p "$B"
cp -a "$r" "$B/rootfs.orig"
chown -R "$RU:$RU" "$B"
assert_ok "spec --rootless as the user" as_user sh -c "cd $B && $URT spec --rootless"
cp "$B/config.json" "$B/config.json.orig"
# bundle SCRIPT ENV...: a fresh rootfs (the hook writes its ld.so.cache there) and
# config.json running `sh -c SCRIPT` with ENV added.
bundle() {
  local script=$1 env
  shift
  env=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
  rm -rf "$B/rootfs" && cp -a "$B/rootfs.orig" "$B/rootfs"
  jq --arg s "$script" --argjson env "$env" \
    '.process.terminal = false | .process.args = ["sh", "-c", $s] | .process.env += $env' \
    "$B/config.json.orig" >"$B/config.json" && chown "$RU:" "$B/config.json"
}

probe='echo "devs: $(ls /dev | grep nvidia | tr "\n" " ")"
for n in /dev/nvidiactl /dev/nvidia0 /dev/nvidia1; do cat $n 2>&1 | head -n 1; done
grep -E " /dev/nvidia(0|ctl) " /proc/self/mountinfo | wc -l
ls /usr/lib/x86_64-linux-gnu/
touch /usr/lib/x86_64-linux-gnu/libcuda.so.'"$ver"' 2>&1
ldconfig -p | grep -E "lib(cuda|nvidia-ml)\.so\.1 " | sed "s/^[[:space:]]*//"
nvidia-smi 2>&1; echo "smi rc $?"
grep -c /berth/ /proc/self/cgroup'

# --- NVIDIA_VISIBLE_DEVICES ----------------------------------------------------------
bundle "$probe" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=utility,compute "NVIDIA_REQUIRE_CUDA=cuda>=12.0"
o=$(out rt run -b "$B" gpu0)
assert_contains "env gpu 0: runs, the fake nvidia-smi lists GPU 0" "$o" "GPU 0: NVIDIA Fake A100 (UUID: GPU-00000000-0000-0000-0000-000000000000)"
assert_contains "env gpu 0: nvidia-smi exits 0" "$o" "smi rc 0"
assert_not_contains "env gpu 0: nvidia-smi does not list GPU 1" "$o" "GPU-00000000-0000-0000-0000-000000000001"
assert_contains "env gpu 0: /dev/nvidia0, nvidiactl and the uvm nodes, not nvidia1" "$o" "devs: nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl "
# ENXIO: the open passed the permission checks and reached the (absent) driver.
assert_contains "env gpu 0: /dev/nvidiactl opens (to the absent driver)" "$o" "can't open '/dev/nvidiactl': No such device or address"
assert_contains "env gpu 0: /dev/nvidia0 opens (to the absent driver)" "$o" "can't open '/dev/nvidia0': No such device or address"
assert_contains "env gpu 0: no /dev/nvidia1" "$o" "can't open '/dev/nvidia1': No such file or directory"
assert_contains "env gpu 0: the nodes are bind mounts (no mknod)" "$o" $'\n2\n'
assert_contains "env gpu 0: libcuda bound" "$o" "libcuda.so.$ver"
assert_contains "env gpu 0: libnvidia-ml bound" "$o" "libnvidia-ml.so.$ver"
assert_contains "env gpu 0: the libraries are read-only" "$o" "Read-only file system"
assert_contains "env gpu 0: ldconfig -p finds libcuda.so.1" "$o" "libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"
assert_contains "env gpu 0: ldconfig -p finds libnvidia-ml.so.1" "$o" "libnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"
assert_eq "env gpu 0: no cgroup of berth's (so no device rules)" 0 "$(tail -n 1 <<<"$o")"
assert_eq "env gpu 0: no state is left" "" "$(state_left "$RXDG/berth")"

# brand from the fake NVML, asked in a child as the user.
bundle 'nvidia-smi | grep -c GPU-' NVIDIA_VISIBLE_DEVICES=all NVIDIA_REQUIRE_BRAND=brand=tesla
assert_eq "env all + NVIDIA_REQUIRE_BRAND=brand=tesla: both GPUs" 2 "$(rt run -b "$B" gpu-all 2>/dev/null)"

# --- refusals: one line, nothing left --------------------------------------------------
bundle true NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0"
o=$(out rt run -b "$B" gpu-cuda)
assert_contains "cuda>=99.0: refused, naming the condition" "$o" "unsatisfied condition: cuda>=99.0"
assert_eq "cuda>=99.0: one line" 1 "$(wc -l <<<"$o")"
# A node the user may not open (0600, root's): bound as it is it would be useless inside.
chmod 0600 "$driver/dev/nvidia1"
bundle true NVIDIA_VISIBLE_DEVICES=1
o=$(out rt run -b "$B" gpu-0600)
chmod 0666 "$driver/dev/nvidia1"
assert_contains "a 0600 root node: refused, naming the node and why" "$o" \
  "nvidia: device node '/dev/nvidia1': '$driver/dev/nvidia1' is not readable and writable by uid $RUID (mode 0600, owner 0:0)"
assert_eq "a 0600 root node: one line" 1 "$(wc -l <<<"$o")"
assert_eq "refusals leave no state behind" "" "$(state_left "$RXDG/berth")"

# --- CDI: the spec in /etc/cdi (berth's default dirs), seen only by this test -------------
# /etc/cdi is a private bind of $T/cdi in a mount namespace of the one berth command; an
# absent /etc/cdi is made (empty) and removed again.
install -d -m 0755 "$T/cdi"
BERTH_CONFIG="$T/berth.json" "$HOOK" cdi generate --driver-root "$driver" --proc-root "$driver" --output "$T/cdi/nvidia.yaml" >"$T/cdi.log" 2>&1
assert_ok "cdi generate" test -s "$T/cdi/nvidia.yaml"
chmod 0644 "$T/cdi/nvidia.yaml"
if [[ ! -e /etc/cdi ]]; then mkdir /etc/cdi && defer rmdir /etc/cdi; fi
# in_cdi_ns CMD...: CMD as the user, with BERTH_CONFIG, where /etc/cdi is $T/cdi. With
# DEV_VIEW=1, /dev there is also a tmpfs with the host's basic nodes and the fake driver's
# /dev/nvidia* bound in: what a host with the driver loaded has, for a runtime that binds
# linux.devices from the host's /dev (Podman turns CDI names into those).
in_cdi_ns() {
  local setup='mount --bind "$0" /etc/cdi'
  [[ ${DEV_VIEW:-} == 1 ]] && setup+='
    v=$1/devview && mkdir -p $v && mount -t tmpfs -o mode=755 tmpfs $v || exit 1
    for n in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx $1/driver/dev/nvidia*; do
      [ -c $n ] && : >$v/${n##*/} && mount --bind $n $v/${n##*/}
    done
    mkdir $v/pts $v/shm && mount --rbind /dev/pts $v/pts && mount --rbind /dev/shm $v/shm
    ln -s /proc/self/fd $v/fd && mount --move $v /dev'
  unshare -m --propagation private sh -c "$setup"' && shift && exec "$@"' "$T/cdi" "$T" \
    runuser -u "$RU" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$T/home" XDG_RUNTIME_DIR="$RXDG" \
    BERTH_CONFIG="$T/berth.json" "$@"
}
cdi_rt() { in_cdi_ns "$URT" "$@"; }
bundle "$probe" NVIDIA_DRIVER_CAPABILITIES=utility,compute
jq '.annotations["cdi.k8s.io/gpu"] = "nvidia.com/gpu=1"' "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json" && chown "$RU:" "$B/config.json"
o=$(out cdi_rt run -b "$B" gpu-cdi)
assert_contains "cdi gpu=1: nvidia-smi lists GPU 1" "$o" "(UUID: GPU-00000000-0000-0000-0000-000000000001)"
assert_not_contains "cdi gpu=1: nvidia-smi does not list GPU 0" "$o" "GPU-00000000-0000-0000-0000-000000000000"
assert_contains "cdi gpu=1: /dev/nvidia1 opens (to the absent driver)" "$o" "can't open '/dev/nvidia1': No such device or address"
assert_contains "cdi gpu=1: /dev/nvidiactl opens (to the absent driver)" "$o" "can't open '/dev/nvidiactl': No such device or address"
assert_contains "cdi gpu=1: ldconfig -p finds libcuda.so.1" "$o" "libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"
assert_eq "cdi: no state is left" "" "$(state_left "$RXDG/berth")"

# --- rootless Podman with --runtime berth: the same requests made through Podman --------
# Podman resolves CDI names itself (from /etc/cdi) into the config berth gets: device nodes,
# library mounts and the hook. Every podman command runs where /etc/cdi is $T/cdi, so the
# rootless pause process, whose namespaces later commands join, sees it as well.
if command -v podman >/dev/null && command -v conmon >/dev/null; then
  podman_config
  # Podman hands conmon, and so the runtime, none of its caller's environment: the runtime
  # it runs is a script that sets BERTH_CONFIG (an admin would use /etc/berth/config.json).
  printf '#!/bin/sh\nBERTH_CONFIG=%s exec %s "$@"\n' "$T/berth.json" "$URT" >"$T/bin/berth-gpu"
  chmod 0755 "$T/bin/berth-gpu"
  gpm() { DEV_VIEW=1 in_cdi_ns podman --runtime "$T/bin/berth-gpu" "$@"; }
  tar --numeric-owner --owner=0 --group=0 -C "$B/rootfs.orig" -cf "$T/gpu.tar" . && chmod 644 "$T/gpu.tar"
  assert_ok "podman: import the image (busybox, the loader, libc, ldconfig)" \
    gpm import --change 'CMD=["/bin/sh"]' "$T/gpu.tar" localhost/gpu
  caps=NVIDIA_DRIVER_CAPABILITIES=utility,compute
  o=$(out gpm run --rm --network none -e NVIDIA_VISIBLE_DEVICES=0 -e $caps localhost/gpu sh -c "$probe")
  assert_contains "podman env gpu 0: the fake nvidia-smi lists GPU 0" "$o" "GPU 0: NVIDIA Fake A100 (UUID: GPU-00000000-0000-0000-0000-000000000000)"
  assert_contains "podman env gpu 0: nvidia-smi exits 0" "$o" "smi rc 0"
  assert_not_contains "podman env gpu 0: nvidia-smi does not list GPU 1" "$o" "GPU-00000000-0000-0000-0000-000000000001"
  assert_contains "podman env gpu 0: /dev/nvidia0 opens (to the absent driver)" "$o" "can't open '/dev/nvidia0': No such device or address"
  assert_contains "podman env gpu 0: no /dev/nvidia1" "$o" "can't open '/dev/nvidia1': No such file or directory"
  assert_contains "podman env gpu 0: libcuda bound" "$o" "libcuda.so.$ver"
  assert_contains "podman env gpu 0: ldconfig -p finds libcuda.so.1" "$o" "libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"
  o=$(out gpm run --rm --network none --device nvidia.com/gpu=0 -e $caps localhost/gpu sh -c "$probe")
  assert_contains "podman --device nvidia.com/gpu=0 (CDI): nvidia-smi lists GPU 0" "$o" "GPU 0: NVIDIA Fake A100 (UUID: GPU-00000000-0000-0000-0000-000000000000)"
  assert_contains "podman CDI gpu=0: nvidia-smi exits 0" "$o" "smi rc 0"
  assert_contains "podman CDI gpu=0: /dev/nvidia0 and /dev/nvidiactl" "$o" " nvidia0 nvidiactl "
  assert_contains "podman CDI gpu=0: no /dev/nvidia1" "$o" "can't open '/dev/nvidia1': No such file or directory"
  assert_contains "podman CDI gpu=0: /dev/nvidia0 opens (to the absent driver)" "$o" "can't open '/dev/nvidia0': No such device or address"
  assert_contains "podman CDI gpu=0: libnvidia-ml bound" "$o" "libnvidia-ml.so.$ver"
  assert_contains "podman CDI gpu=0: the libraries are read-only" "$o" "Read-only file system"
  assert_contains "podman CDI gpu=0: ldconfig -p finds libcuda.so.1" "$o" "libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"
  assert_eq "podman: no container left" "" "$(gpm ps -aq 2>&1)"
else
  echo "# podman part skipped: podman or conmon not installed"
fi

# --- nothing written outside the container ----------------------------------------------
assert_eq "the driver tree is unchanged" "$tree_before" "$(tree_sum)"
assert_eq "the host's /etc/ld.so.cache is unchanged" "$cache_before" "$(md5sum </etc/ld.so.cache)"
assert_eq "no mount of the test left on the host" 0 "$(grep -c "$T" /proc/self/mountinfo)"
