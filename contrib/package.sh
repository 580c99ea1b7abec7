#!/usr/bin/env bash
# Builds the Debian package berth_<version>_<arch>.deb from `meson install --destdir` of a
# /usr build (its own build dir, tests off): berth, berth-nvidia-hook, the man pages, the
# bash/zsh/fish completions, and under /usr/share/doc/berth the copyright, a changelog entry
# and the engine and OCI hook examples. Depends comes from dpkg-shlibdeps. Prints the .deb's
# path last. Needs install-deps.sh's "build" and "package" packages.
#   contrib/package.sh [OUTDIR]      (default: build/package)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$(realpath -m "${1:-build/package}")
builddir=$out/build
stage=$out/root
mkdir -p "$out"

if [[ ! -f $builddir/build.ninja ]]; then
  meson setup "$builddir" --prefix=/usr -Dtests=false >/dev/null
fi
ninja -C "$builddir" >/dev/null
rm -rf "$stage"
meson install -C "$builddir" --no-rebuild --quiet --destdir "$stage"

version=$(meson introspect --projectinfo "$builddir" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
arch=$(dpkg --print-architecture)
commit=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
date=$(git -C "$top" log -1 --format=%cD 2>/dev/null || date -R)

# Debian policy: stripped binaries, man pages and changelogs compressed with gzip -9n.
bins=("$stage/usr/sbin/berth" "$stage/usr/libexec/berth-nvidia-hook")
[[ -f $stage/usr/libexec/berth-systemd ]] && bins+=("$stage/usr/libexec/berth-systemd")
strip --strip-unneeded --remove-section=.comment --remove-section=.note "${bins[@]}"
find "$stage/usr/share/man" -type f -exec gzip -9n {} +
doc=$stage/usr/share/doc/berth
install -d "$doc"
install -m 644 contrib/debian/copyright "$doc/copyright"
cat >"$doc/changelog.Debian" <<CHANGELOG
berth ($version) unstable; urgency=medium

  * Built by contrib/package.sh from commit $commit.

 -- berth maintainers <berth@invalid>  $date
CHANGELOG
gzip -9n "$doc/changelog.Debian"

# Depends: what the binaries link (libc6 for the dynamic ones; berth itself is static).
shlib=$(mktemp -d)
trap 'rm -rf "$shlib"' EXIT
mkdir "$shlib/debian"
printf 'Source: berth\n\nPackage: berth\nArchitecture: any\n' >"$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O "${bins[@]/#/-e}" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "package.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d "$stage/DEBIAN"
(cd "$stage" && find usr -type f -printf '%P\n' | sort | sed 's|^|usr/|' | xargs md5sum) >"$stage/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
  contrib/debian/control >"$stage/DEBIAN/control"
deb=$out/berth_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
