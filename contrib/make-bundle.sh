#!/usr/bin/env bash
# Makes an OCI bundle at DIR: a busybox-static rootfs and the config.json of
# `berth spec`, with process.args replaced by the given command (default: sh).
#   contrib/make-bundle.sh DIR [ARG...]
set -euo pipefail
bundle=${1:?usage: make-bundle.sh DIR [ARG...]}; shift
berth=${BERTH:-$(dirname "$0")/../build/src/berth}
busybox=$(command -v busybox || echo /bin/busybox)

mkdir -p "$bundle/rootfs"/{bin,dev,etc,proc,sys,tmp,root}
cp "$busybox" "$bundle/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [[ -e $bundle/rootfs/bin/$applet ]] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$bundle/rootfs/etc/passwd"
echo 'root:x:0:' > "$bundle/rootfs/etc/group"

rm -f "$bundle/config.json"
"$berth" spec --bundle "$bundle"
if (($#)); then
  args=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")
  python3 - "$bundle/config.json" "$args" <<'PY'
import json, sys
path, args = sys.argv[1], json.loads(sys.argv[2])
c = json.load(open(path))
c["process"]["args"] = args
c["process"]["terminal"] = False
json.dump(c, open(path, "w"), indent="\t")
PY
fi
