#!/usr/bin/env bash
# A berth that runs on any node: the binaries install-node.sh copies onto a node (berth,
# berth-systemd and berth-nvidia-hook) need no shared library but glibc's (libc, libm, the
# dynamic loader), and berth none at all (static-pie): libstdc++ and libgcc are linked in
# statically, libseccomp and the rest are static archives or loaded with dlopen when
# present. Checked from readelf's NEEDED
# entries, and by running each with an empty library path and no /usr/lib in a chroot
# holding only glibc's files.
#   tests/kubernetes/static.sh build/src/berth build/src/berth-systemd build/hooks/berth-nvidia-hook
source "$(dirname "$0")/../engines/lib.sh"
RUNTIME=$1   # eng_init checks and reports it
eng_init k8s-static
need_cmd readelf ldd
for bin; do
  name=$(basename "$bin")
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  # glibc's libraries and nothing else (berth itself no longer needs libm: util/math_shim).
  assert_eq "$name: only glibc's libraries are NEEDED" "" \
    "$(tr ' ' '\n' <<<"$needed" | grep -vxE '|ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6')"
  if [[ $name == berth && -z $needed ]] && ! readelf -l "$bin" | grep -q INTERP; then
    _ok "berth: fully static (no NEEDED library, no loader)"
  else
    assert_contains "$name: libc.so.6 is NEEDED (a dynamic glibc binary)" "$needed" "libc.so.6"
  fi
  # A root with only the loader and glibc: the binary must start and speak for itself
  # (berth prints its version; the hook, given no state on stdin, names itself in its
  # error), where a missing library makes the loader print "/bin/NAME: error while...".
  r=$T/root-$name
  mkdir -p "$r/lib64" "$r/lib/x86_64-linux-gnu" "$r/bin"
  cp "$bin" "$r/bin/$name"
  for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do cp -L "$lib" "$r$lib"; done
  got=$(chroot "$r" "/bin/$name" --version </dev/null 2>&1 | head -n 1)
  if [[ $got == "berth version "* || $got == "$name: "* ]]; then _ok "$name: starts in a root holding only glibc"; else
    _not_ok "$name: starts in a root holding only glibc" "$got"
  fi
done
