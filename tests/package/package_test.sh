#!/usr/bin/env bash
# The Debian package on a fresh Debian 12: contrib/package.sh builds berth_<version>_<arch>.deb,
# which is installed with dpkg into a debootstrap minbase chroot (debian-rootfs.sh, cached
# under /var/cache/berth-package); there berth --version, spec, check, the bash completion
# and a busybox container run by the installed berth (as root, in the chroot); then
# `dpkg --purge` must leave the chroot's files exactly as they were before the install.
# The chroot's /proc, /sys, /dev, /run and /tmp are mounted in a private mount namespace,
# so nothing lands on the host. Prints TAP. Needs root.
#   package_test.sh SOURCE_ROOT OUTDIR
set -uo pipefail
top=${1:?usage: package_test.sh SOURCE_ROOT OUTDIR}
out=${2:?usage: package_test.sh SOURCE_ROOT OUTDIR}
T=$(mktemp -d /tmp/berth-package.XXXXXX)
trap 'rm -rf "$T"' EXIT
R=$T/root
n=0 failed=0
ok() { n=$((n + 1)); if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; return "$1"; }
bail() { echo "Bail out! $*"; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps debootstrap busybox; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed (contrib/install-deps.sh package)"; exit 0; }
done

deb=$("$top/contrib/package.sh" "$out" | tail -n 1) || bail "contrib/package.sh failed"
ok 0 "contrib/package.sh built ${deb##*/}"
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for path in /usr/sbin/berth /usr/libexec/berth-nvidia-hook /usr/libexec/berth-systemd /usr/share/man/man8/berth.8.gz \
    /usr/share/man/man8/berth-run.8.gz /usr/share/man/man1/berth-nvidia-hook.1.gz \
    /usr/share/bash-completion/completions/berth /usr/share/zsh/vendor-completions/_berth \
    /usr/share/fish/vendor_completions.d/berth.fish /usr/share/doc/berth/copyright \
    /usr/share/doc/berth/changelog.Debian.gz /usr/share/doc/berth/examples/engines/containerd-config.toml \
    /usr/share/doc/berth/examples/engines/podman-containers.conf \
    /usr/share/doc/berth/examples/nvidia/oci-hooks.d/berth-nvidia-hook.json; do
  grep -qx "$path" <<<"$contents"
  ok $? "the package has $path"
done
# Depends names the package of every library the binaries link (readelf, dpkg -S).
depends=$(dpkg-deb --field "$deb" Depends)
missing= multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for lib in $(dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$T" ./usr/sbin/berth ./usr/libexec/berth-nvidia-hook ./usr/libexec/berth-systemd &&
             readelf -d "$T/usr/sbin/berth" "$T/usr/libexec/berth-nvidia-hook" "$T/usr/libexec/berth-systemd" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | sort -u); do
  pkg=$(dpkg -S "/lib/$multiarch/$lib" "/usr/lib/$multiarch/$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
  [[ -n $pkg && ", $depends" == *", $pkg "* ]] || missing+=" $lib(${pkg:-?})"
done
ok "$([[ $depends == *libc6* && -z $missing ]]; echo $?)" "Depends covers what the binaries link: $depends${missing:+; missing$missing}"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/berth/examples/nvidia/oci-hooks.d/berth-nvidia-hook.json |
  grep -q '"path": "/usr/libexec/berth-nvidia-hook"'
ok $? "the example hooks.d JSON names the installed hook"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/berth/examples/engines/containerd-config.toml |
  grep -q 'BinaryName = "/usr/sbin/berth"'
ok $? "the containerd example names /usr/sbin/berth"

"$top/tests/package/debian-rootfs.sh" "$R" || bail "no Debian rootfs (debootstrap failed)"
cp "$deb" "$R/berth.deb"
# Everything the package could touch, before and after: path, type, mode, size, link target.
snapshot() {
  (cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
      -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./berth.deb \) -prune -o -printf '%p %y %m %s %l\n' | sort)
}
snapshot >"$T/before"

# In the chroot, in a private mount namespace; $1.. is the command.
in_root() {
  unshare -m --propagation private sh -c '
    R=$1; shift
    # / of the chroot must be a mount point, as on a machine, for the rootfs propagation.
    mount --bind "$R" "$R" && mount --rbind /dev "$R/dev" && mount --rbind /sys "$R/sys" && mount -t proc proc "$R/proc" &&
      mount -t tmpfs tmpfs "$R/run" && mount --bind "$T/tmp" "$R/tmp" || exit 1
    exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"' sh "$R" "$@"
}
export T
mkdir -p "$T/tmp"

in_root dpkg -i /berth.deb >"$T/dpkg.log" 2>&1
ok $? "dpkg -i on a fresh minbase chroot (Depends satisfied)" || cat "$T/dpkg.log" | sed 's/^/# /'
version=$(in_root berth --version)
[[ $version == "berth version $(dpkg-deb --field "$deb" Version)"* ]]
ok $? "berth --version: $(head -n 1 <<<"$version")"
mkdir -p "$T/tmp/bundle/rootfs/bin"
in_root sh -c 'cd /tmp/bundle && berth spec' && [[ -s $T/tmp/bundle/config.json ]]
ok $? "berth spec writes config.json"
cp "$(command -v busybox)" "$T/tmp/bundle/rootfs/bin/busybox"
ln -s busybox "$T/tmp/bundle/rootfs/bin/sh"
python3 - "$T/tmp/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/busybox", "sh", "-c", "echo hello from $(/bin/busybox hostname) pid $$"]
json.dump(c, open(sys.argv[1], "w"))
PY
in_root berth check --bundle /tmp/bundle >"$T/check.log" 2>&1
ok $? "berth check accepts the bundle" || sed 's/^/# /' "$T/check.log"
got=$(in_root berth run --bundle /tmp/bundle pkgtest 2>&1)
hostname=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hostname"])' "$T/tmp/bundle/config.json")
[[ $got == "hello from $hostname pid 1" ]]
ok $? "berth run: a container from the installed package: $got"
in_root bash -c 'source /usr/share/bash-completion/completions/berth; COMP_WORDS=(berth ki); COMP_CWORD=1; _berth; echo "${COMPREPLY[*]}"' |
  grep -qx kill
ok $? "the installed bash completion completes berth ki"

in_root dpkg -L berth >"$T/listed"
in_root dpkg --purge berth >"$T/purge.log" 2>&1
ok $? "dpkg --purge berth" || sed 's/^/# /' "$T/purge.log"
left=$(while read -r path; do [[ -f $R$path || -L $R$path ]] && echo "$path"; done <"$T/listed")
ok "$([[ -z $left ]]; echo $?)" "no file of dpkg -L is left${left:+: $left}"
snapshot >"$T/after"
diff "$T/before" "$T/after" >"$T/diff"
ok $? "the chroot is as before the install" || sed 's/^/# /' "$T/diff"

echo "1..$n"
exit $failed
