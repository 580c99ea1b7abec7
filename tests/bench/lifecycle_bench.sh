#!/bin/sh
# Side-by-side lifecycle benchmark: berth, crun and runc (and the floor, tests/bench/floor.cpp)
# on the same default-`spec` busybox bundle running /bin/true, interleaved in one run by
# lifecycle-driver: run, create, start, delete, exec into a running container, run with
# podman's default seccomp profile, and N containers created, started and deleted at once.
# tests/bench/report.py prints medians, p90s and ratios and writes a latency plot (PNG).
# Not a test.
#   [BERTH_BASE=/path/to/older/berth] tests/bench/lifecycle_bench.sh [BUILD_DIR] [N] [OUT_DIR]
# BERTH_BASE adds an earlier build as runtime "berth-base", for before/after numbers
# taken in the same interleaved run.
# crun refuses this hybrid host ("cgroups in hybrid mode not supported"), so every
# runtime runs inside one private mount namespace where cgroup.controllers of the
# unified hierarchy is covered by an empty file (the same conditions for all of them).
set -eu
BUILD=$(readlink -f "${1:-$(dirname "$0")/../../build}")
N=${2:-50}
OUT=$(readlink -f "${3:-$BUILD/bench-results}")
BERTH=$BUILD/src/berth FLOOR=$BUILD/tests/bench/floor DRIVER=$BUILD/tests/bench/lifecycle-driver
MAXRSS=$BUILD/tests/bench/maxrss
HERE=$(readlink -f "$(dirname "$0")")
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for f in "$BERTH" "$FLOOR" "$DRIVER" "$MAXRSS"; do [ -x "$f" ] || { echo "build first: $f is missing" >&2; exit 1; }; done
command -v jq >/dev/null || { echo "install jq" >&2; exit 1; }

if [ "${BENCH_INNER:-}" != 1 ]; then
    work=$(mktemp -d /tmp/berth-bench.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    : > "$work/empty"
    mkdir -p "$OUT"
    BENCH_INNER=1 BENCH_WORK="$work" unshare -m sh -c \
        "mount --make-rprivate / && mount --bind '$work/empty' /sys/fs/cgroup/unified/cgroup.controllers && exec sh '$0' '$BUILD' '$N' '$OUT'"
    python3 "$HERE/report.py" "$OUT/samples.csv" "$OUT"
    exit $?
fi

work=$BENCH_WORK
# make_bundle DIR ARGS_JSON: busybox rootfs and `berth spec`'s config with those args; its
# ociVersion lowered to runc's (crun 1.8.1 refuses 1.3.0 as "unknown version"), which is
# then runc spec's config but for the hostname.
make_bundle() {
    mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/sys" "$1/rootfs/dev"
    cp /bin/busybox "$1/rootfs/bin/"
    for a in sh true sleep; do ln -sf busybox "$1/rootfs/bin/$a"; done
    (cd "$1" && "$BERTH" spec)
    jq --argjson args "$2" '.ociVersion = "1.0.2-dev" | .process.terminal = false | .process.args = $args' "$1/config.json" > "$1/c.json"
    mv "$1/c.json" "$1/config.json"
}
make_bundle "$work/bundle" '["/bin/true"]'
make_bundle "$work/sleeper" '["/bin/sleep", "1000000"]'

# podman's default profile in OCI form (as podman resolves it for the default capabilities).
make_bundle "$work/seccomp" '["/bin/true"]'
caps=$(jq -c '.process.capabilities.bounding' "$work/seccomp/config.json")
jq --argjson caps "$caps" '
  {defaultAction, defaultErrnoRet,
   architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64") | .architecture, .subArchitectures[]],
   syscalls: [.syscalls[]
     | select((.includes.caps // []) | all(. as $c | $caps | index($c)))
     | select((.excludes.caps // []) | any(. as $c | $caps | index($c)) | not)
     | select((.includes.arches // []) | length == 0 or index("amd64"))
     | select((.excludes.arches // []) | index("amd64") | not)
     | {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]}' \
  /usr/share/containers/seccomp.json > "$work/profile.json"
jq --slurpfile p "$work/profile.json" '.linux.seccomp = $p[0]' "$work/seccomp/config.json" > "$work/c.json"
mv "$work/c.json" "$work/seccomp/config.json"

{
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), N=$N"
    echo "# berth $("$BERTH" --version | head -1)"
    echo "# runc $(/usr/sbin/runc --version | head -1)"
    echo "# crun $(/usr/bin/crun --version | head -1)"
} > "$OUT/machine.txt"
"$DRIVER" --bundle "$work/bundle" --seccomp-bundle "$work/seccomp" --maxrss "$MAXRSS" --work "$work" --n "$N" \
    berth="$BERTH" ${BERTH_BASE:+berth-base="$BERTH_BASE"} crun=/usr/bin/crun runc=/usr/sbin/runc floor="$FLOOR" > "$OUT/samples.csv"
