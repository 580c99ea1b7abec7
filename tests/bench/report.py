#!/usr/bin/env python3
"""Reads lifecycle-driver's samples.csv: prints per runtime and op the median and p90 (ms)
and peak RSS, the ratios issue 14 sets goals for (berth against crun, berth against the
floor), and writes latency.png (the distribution of each op's latency per runtime, with
gnuplot from Debian) beside it.
    report.py samples.csv OUT_DIR"""
import csv
import os
import shutil
import subprocess
import sys
from collections import defaultdict

OPS = ["run", "create", "start", "delete", "exec", "run-seccomp", "at-once"]
# berth-base: an earlier build of berth, when lifecycle_bench.sh is given one (BERTH_BASE).
ALL_RUNTIMES = ["berth", "berth-base", "crun", "runc", "floor"]
RUNTIMES = ALL_RUNTIMES


def quantile(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def main(path, out_dir):
    ns = defaultdict(list)
    rss = defaultdict(int)
    failures = defaultdict(int)
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["runtime"], row["op"])
            failures[key] += int(row["status"]) != 0
            if row["op"].startswith("rss-"):
                rss[key] = max(rss[key], int(row["rss_kib"]))
            else:
                ns[key].append(int(row["ns"]) / 1e6)
    global RUNTIMES
    RUNTIMES = [rt for rt in ALL_RUNTIMES if rt != "berth-base" or any(r == rt for r, _ in ns)]
    med = {k: quantile(v, 0.5) for k, v in ns.items()}
    p90 = {k: quantile(v, 0.9) for k, v in ns.items()}

    machine = os.path.join(os.path.dirname(path), "machine.txt")
    if os.path.exists(machine):
        print(open(machine).read().rstrip())
    base = "berth-base" in RUNTIMES
    print(f"{'op (ms)':<12}" + "".join(f"{rt + ' med/p90':>22}" for rt in RUNTIMES) + f"{'berth/crun':>12}"
          + (f"{'base/crun':>12}" if base else ""))
    for op in OPS:
        cells = []
        for rt in RUNTIMES:
            k = (rt, op)
            cells.append(f"{med[k]:>10.2f} /{p90[k]:>8.2f}" + ("!" if failures[k] else " ") if k in med else f"{'-':>22}")
        line = f"{op:<12}" + "".join(f"{c:>22}" for c in cells)
        for rt in ["berth"] + (["berth-base"] if base else []):
            ratio = med[(rt, op)] / med[("crun", op)] if (rt, op) in med and ("crun", op) in med else None
            line += f"{ratio:>11.2f}x" if ratio else f"{'-':>12}"
        print(line)
    for op in OPS[:5]:
        k = "rss-" + op
        if not any((rt, k) in rss for rt in RUNTIMES):
            continue
        cells = "".join(f"{rss[(rt, k)]:>21} " if (rt, k) in rss else f"{'-':>22}" for rt in RUNTIMES)
        line = f"{'RSS ' + op:<12}" + cells
        for rt in ["berth"] + (["berth-base"] if base else []):
            ratio = rss[(rt, k)] / rss[("crun", k)] if (rt, k) in rss and ("crun", k) in rss else None
            line += f"{ratio:>11.2f}x" if ratio else f"{'-':>12}"
        print(line)
    peak = {rt: max((v for (r, _), v in rss.items() if r == rt), default=0) for rt in RUNTIMES}
    if peak["berth"] and peak["crun"]:
        print(f"peak RSS of every berth process: {peak['berth']} KiB, crun {peak['crun']} KiB: "
              f"{peak['berth'] / peak['crun']:.2f}x (KiB, max of 5 per op)")
    print()
    if ("floor", "run") in med:
        print(f"berth run / floor run: {med[('berth', 'run')] / med[('floor', 'run')]:.2f}x")
    for rt in ("berth", "crun", "runc"):
        if (rt, "run-seccomp") in med:
            print(f"{rt}: podman's seccomp profile adds {med[(rt, 'run-seccomp')] - med[(rt, 'run')]:+.2f} ms to run (medians)")
    bad = {k: n for k, n in failures.items() if n}
    if bad:
        print("failed samples (marked !): " + ", ".join(f"{rt} {op}: {n}" for (rt, op), n in sorted(bad.items())))
    plot(ns, out_dir)


def plot(ns, out_dir):
    """One panel per op: the empirical CDF of each runtime's latencies."""
    if not shutil.which("gnuplot"):
        print("no plot: install gnuplot-nox")
        return
    ops = [op for op in OPS if op != "at-once" and any((rt, op) in ns for rt in RUNTIMES)]
    script = [
        "set terminal pngcairo size 1500,900 font ',10'" if has_cairo() else "set terminal png size 1500,900",
        f"set output '{os.path.join(out_dir, 'latency.png')}'",
        f"set multiplot layout 2,{(len(ops) + 1) // 2} title 'container lifecycle latency (CDF of samples, ms)'",
        "set key bottom right", "set grid", "set yrange [0:1]", "set xlabel 'ms'",
    ]
    for op in ops:
        curves = []
        for rt in RUNTIMES:
            v = sorted(ns.get((rt, op), []))
            if not v:
                continue
            data = os.path.join(out_dir, f"cdf-{rt}-{op}.dat")
            with open(data, "w") as f:
                for i, x in enumerate(v):
                    f.write(f"{x} {(i + 1) / len(v)}\n")
            curves.append(f"'{data}' using 1:2 with steps lw 2 title '{rt}'")
        script.append(f"set title '{op}'")
        script.append("plot " + ", ".join(curves))
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
    for name in os.listdir(out_dir):
        if name.startswith("cdf-") and name.endswith(".dat"):
            os.unlink(os.path.join(out_dir, name))
    print(f"plot: {os.path.join(out_dir, 'latency.png')}")


def has_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (r.stdout + r.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
