#!/bin/sh
# Side-by-side lifecycle benchmark: berth vs runc vs crun on the same default-spec
# busybox bundle running /bin/true, each as `run`, as create/start/delete, and as N runs
# started at once; plus the floor (tests/bench/floor.cpp: clone, pivot, exec, nothing else).
# Not a test: prints a table and ratios.
#   tests/bench/lifecycle_bench.sh [BERTH] [N]
# crun refuses this hybrid host ("cgroups in hybrid mode not supported"), so every
# runtime runs inside one private mount namespace where cgroup.controllers of the
# unified hierarchy is covered by an empty file (same conditions for all three).
set -eu
BERTH=${1:-$(dirname "$0")/../../build/src/berth}
BERTH=$(readlink -f "$BERTH")
FLOOR=${FLOOR:-$(dirname "$BERTH")/../tests/bench/floor}
N=${2:-50}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "install the 'time' package" >&2; exit 1; }

if [ "${BENCH_INNER:-}" != 1 ]; then
    work=$(mktemp -d /tmp/berth-bench.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    : > "$work/empty"
    BENCH_INNER=1 BENCH_WORK="$work" unshare -m sh -c \
        "mount --make-rprivate / && mount --bind '$work/empty' /sys/fs/cgroup/unified/cgroup.controllers && FLOOR='$FLOOR' exec sh '$0' '$BERTH' '$N'"
    exit $?
fi

work=$BENCH_WORK
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev"
cp /bin/busybox "$bundle/rootfs/bin/"
for a in sh true; do ln -sf busybox "$bundle/rootfs/bin/$a"; done
(cd "$bundle" && runc spec)
sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"\/bin\/true"/' "$bundle/config.json"
grep -q '"/bin/true"' "$bundle/config.json" || { echo "could not edit config.json" >&2; exit 1; }

now_ns() { date +%s%N; }

# time_loop RUNTIME OP: average milliseconds of OP over N containers.
time_loop() {
    rt=$1 op=$2 root=$work/root-$(basename "$1")
    total_run=0 total_create=0 total_start=0 total_delete=0
    i=0
    while [ $i -lt "$N" ]; do
        id=bench-$i
        if [ "$op" = run ]; then
            t0=$(now_ns); "$rt" --root "$root" run -b "$bundle" "$id" >/dev/null 2>&1 </dev/null; t1=$(now_ns)
            total_run=$((total_run + t1 - t0))
        else
            t0=$(now_ns); "$rt" --root "$root" create -b "$bundle" "$id" >/dev/null 2>&1 </dev/null; t1=$(now_ns)
            "$rt" --root "$root" start "$id" >/dev/null 2>&1; t2=$(now_ns)
            # let /bin/true exit, so delete needs no --force
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                "$rt" --root "$root" state "$id" 2>/dev/null | grep -q '"stopped"' && break; sleep 0.01
            done
            t3=$(now_ns); "$rt" --root "$root" delete "$id" >/dev/null 2>&1; t4=$(now_ns)
            total_create=$((total_create + t1 - t0)); total_start=$((total_start + t2 - t1))
            total_delete=$((total_delete + t4 - t3))
        fi
        i=$((i + 1))
    done
    if [ "$op" = run ]; then echo $((total_run / N / 1000))
    else echo "$((total_create / N / 1000)) $((total_start / N / 1000)) $((total_delete / N / 1000))"; fi
}

# at_once RUNTIME: wall milliseconds for N `run`s started together (the last one done).
at_once() {
    root=$work/once-$(basename "$1")
    t0=$(now_ns)
    i=0
    while [ $i -lt "$N" ]; do
        "$1" --root "$root" run -b "$bundle" "once-$i" >/dev/null 2>&1 </dev/null &
        i=$((i + 1))
    done
    wait
    echo $(( ($(now_ns) - t0) / 1000 ))
}

# The floor: average milliseconds per run, and its peak RSS.
floor_run() {
    t0=$(now_ns)
    i=0
    while [ $i -lt "$N" ]; do "$FLOOR" "$bundle/rootfs" /bin/true || exit 1; i=$((i + 1)); done
    echo $(( ($(now_ns) - t0) / N / 1000 ))
}

peak_rss() {  # KiB of the runtime process for one `run`
    root=$work/rss-$(basename "$1")
    /usr/bin/time -f %M "$1" --root "$root" run -b "$bundle" rss 2>&1 >/dev/null </dev/null | tail -1
}

us_to_ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

printf '%-7s %10s %10s %10s %10s %12s %14s\n' runtime "run(ms)" "create" "start" "delete" "peakRSS(KiB)" "${N}-at-once(ms)"
for rt in "$BERTH" /usr/sbin/runc /usr/bin/crun; do
    name=$(basename "$rt")
    "$rt" --root "$work/warm-$name" run -b "$bundle" warm >/dev/null 2>&1 </dev/null || true
    run=$(time_loop "$rt" run)
    set -- $(time_loop "$rt" split)
    rss=$(peak_rss "$rt")
    once=$(at_once "$rt")
    printf '%-7s %10s %10s %10s %10s %12s %14s\n' "$name" "$(us_to_ms "$run")" "$(us_to_ms "$1")" "$(us_to_ms "$2")" \
        "$(us_to_ms "$3")" "$rss" "$(us_to_ms "$once")"
    eval "run_$name=$run rss_$name=$rss"
done
if [ -x "$FLOOR" ]; then
    floor=$(floor_run)
    floor_rss=$(/usr/bin/time -f %M "$FLOOR" "$bundle/rootfs" /bin/true 2>&1 | tail -1)
    printf '%-7s %10s %10s %10s %10s %12s %14s\n' floor "$(us_to_ms "$floor")" - - - "$floor_rss" -
fi
echo
echo "run time   berth/crun $(ratio "$run_berth" "$run_crun")   berth/runc $(ratio "$run_berth" "$run_runc")"
echo "peak RSS   berth/crun $(ratio "$rss_berth" "$rss_crun")   berth/runc $(ratio "$rss_berth" "$rss_runc")"
