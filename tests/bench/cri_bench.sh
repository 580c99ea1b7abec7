#!/usr/bin/env bash
# Kubernetes' view of the runtime, berth against runc in one run: pod start time
# (RunPodSandbox, CreateContainer, StartContainer until ContainerStatus says running; N
# rounds) and ExecSync latency (200 probes of `true` into one running container), both
# runtimes under one containerd 1.6 (handlers "berth" and "runc", the runc v2 shim,
# host-network pods, images imported locally) and interleaved, so load changes hit both
# alike. Prints the median and p99 in ms (report.py's quantiles) and berth/runc.
# Not a test.
#   tests/bench/cri_bench.sh [BUILD_DIR] [N] [OUT_DIR]
BUILD=$(readlink -f "${1:-$(dirname "$0")/../../build}")
N=${2:-20}
OUT=$(readlink -f "${3:-$BUILD/bench-results}")
export RUNTIME=$BUILD/src/berth
# shellcheck source=../engines/lib.sh
source "$(dirname "$0")/../engines/lib.sh"

eng_init cri-bench
need_cmd containerd ctr containerd-shim-runc-v2 jq
cri_client_init
mkdir -p "$OUT" "$T/pod"
d=$T/containerd cg_parent=berth-bench-cri
mkdir -p "$d"
# containerd_config's own "runc" entry is the handler runc; berth's is contrib's entry.
containerd_config "$d" cri >"$d/config.toml"
sed -e "s|BinaryName = .*|BinaryName = \"$RUNTIME\"\n    Root = \"$d/rt\"|" \
  "$ENG_TOP/contrib/kubernetes/containerd-1.x.toml" >>"$d/config.toml"
defer remove_cgroup "$cg_parent"
run_containerd "$d" "$d/config.toml"
defer cleanup_pods
make_oci_archive "$T/images.tar" 'localhost/bb:latest=["/bin/sh"]' \
  'localhost/pause:latest=["/bin/sleep","2147483647"]'
ctr --address "$CTR_SOCK" --namespace k8s.io images import "$T/images.tar" >/dev/null || exit 1

pod='{"metadata": {"namespace": "berth-bench"}, "logDirectory": "'$T/pod'",
  "linux": {"cgroupParent": "/'$cg_parent'", "securityContext": {"namespaceOptions": {"network": "NODE"}}}}'
ctr='{"metadata": {"name": "c"}, "image": {"image": "localhost/bb:latest"},
  "command": ["sleep", "2147483647"], "logPath": "c.log"}'
{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), N=$N"
  echo "# berth $("$RUNTIME" --version | head -n 1), runc $(/usr/sbin/runc --version | head -n 1), containerd $(containerd --version | cut -d' ' -f3)"
} >"$OUT/cri-machine.txt"
"$PYTHON" "$ENG_TOP/tests/kubernetes/cri_life.py" "$CTR_SOCK" "$T/gen" podstart "$pod" "$ctr" "$N" berth runc \
  >"$OUT/cri-samples.csv" || exit 1
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/cri-machine.txt"

"$PYTHON" - "$OUT/cri-samples.csv" "$ENG_TOP/tests/bench" <<'EOF'
import csv, sys
from collections import defaultdict
sys.path.insert(0, sys.argv[2])
from report import quantile
ms, failures = defaultdict(list), defaultdict(int)
for row in csv.DictReader(open(sys.argv[1])):
    ms[(row["runtime"], row["op"])].append(int(row["ns"]) / 1e6)
    failures[(row["runtime"], row["op"])] += row["status"] != "0"
print(f"{'op (ms)':<12}{'n':>5}{'berth med/p99':>22}{'runc med/p99':>22}{'berth/runc':>12}")
for op in ["pod-start", "exec-sync"]:
    cells = [f"{quantile(ms[(rt, op)], 0.5):>10.1f} /{quantile(ms[(rt, op)], 0.99):>8.1f}"
             + ("!" if failures[(rt, op)] else " ") for rt in ["berth", "runc"]]
    ratio = quantile(ms[("berth", op)], 0.5) / quantile(ms[("runc", op)], 0.5)
    print(f"{op:<12}{len(ms[('berth', op)]):>5}" + "".join(f"{c:>22}" for c in cells) + f"{ratio:>11.2f}x")
print("(! = a sample failed)")
EOF
