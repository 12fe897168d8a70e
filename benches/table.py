#!/usr/bin/env python3
"""Run the performance benchmarks of revshare and print one table.

For each path count and thread count it measures, on the same machine and in
one run, taking turns so that a shared machine's slow spells fall on all of
them alike, and reports the fastest of --repeat tries of each:
  - `revshare run` on a scenario (default scenarios/amended-2026.toml), the whole
    process: simulation, statistics, CSV files (and charts unless --no-charts is
    given to this script), with its wall time and peak RSS;
  - the floor (`cargo bench --bench floor`): drawing exactly the random variates
    the run consumes, with the same generators, chunks and threads;
  - the NumPy reference (benches/numpy_reference.py), a vectorised
    implementation of MODEL.md, at the same path count (single process), up
    to --numpy-max paths (default 1e7, where it keeps about 5 GB of per-path
    values and takes about half a minute a run).

After each path count it compares the means of revshare's and NumPy's
yearly.csv and summary.csv (see benches/crosscheck.py), so that the ratio is
between two runs of the same model.

Columns: paths, threads, wall time (s), ns per path-period (wall time divided
by paths × periods), ratio to the floor, ratio of NumPy's wall time to ours,
peak RSS (MB).

Usage:
  python3 benches/table.py                 # 1e6 and 1e7 paths, 1 and 2 threads (~3.5 min)
  python3 benches/table.py --paths 1e6,1e7,1e8 --threads 1,2,16
  python3 benches/table.py --numpy-max 1e6 # NumPy at 1e6 paths only (~1 min, ~1 GB)
  python3 benches/table.py --no-charts     # revshare without its PNG charts
  python3 benches/table.py --bin-dir DIR   # DIR/revshare and DIR/floor, built elsewhere
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from crosscheck import compare, describe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def count(text):
    t = text.strip().replace("_", "")
    mult = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}.get(t[-1], 1)
    if mult != 1:
        t = t[:-1]
    return int(float(t) * mult)


def measure(cmd, cwd=ROOT):
    """Run cmd; return (wall seconds, peak RSS in MB, stdout)."""
    # Output goes to files, not pipes: a child that filled a pipe would wait
    # for a reader while we wait for it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        pid = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err).pid
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err.read()}")
        return wall, usage.ru_maxrss / 1024.0, out.read()


def build_floor():
    """Build the floor benchmark (release profile) and return its executable's path."""
    out = subprocess.run(["cargo", "bench", "--bench", "floor", "--no-run", "--quiet", "--message-format=json"],
                         cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "floor" and msg.get("executable"):
            return msg["executable"]
    sys.exit("cargo bench --bench floor --no-run named no executable")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="scenarios/amended-2026.toml")
    ap.add_argument("--paths", default="1e6,1e7")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--numpy-max", default="1e7", help="largest path count to run the NumPy reference at")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell; the fastest is reported")
    ap.add_argument("--numpy-repeat", type=int, default=3,
                    help="NumPy runs per path count (at most --repeat); the fastest is reported")
    ap.add_argument("--settle", type=float, default=15.0,
                    help="seconds to wait after each NumPy run at 1e7 paths (in proportion below), before the "
                    "next program is timed (default 15)")
    ap.add_argument("--no-charts", action="store_true", help="run revshare with --no-charts")
    ap.add_argument("--bin-dir", help="take the revshare and floor executables from this folder instead of "
                    "building them with cargo (for a machine without a Rust toolchain)")
    args = ap.parse_args()
    paths = [count(p) for p in args.paths.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    numpy_max = count(args.numpy_max)

    if args.bin_dir:
        binary = os.path.join(os.path.abspath(args.bin_dir), "revshare")
        floor_binary = os.path.join(os.path.abspath(args.bin_dir), "floor")
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "revshare")
        floor_binary = build_floor()
    out_dir = tempfile.mkdtemp(prefix="revshare-bench-")

    periods = None
    rows = []
    agreement = []
    for n in paths:
        # Runs, floors and NumPy take turns, so that a shared machine's slow
        # spells fall on all of them alike; each cell reports its fastest.
        best = {}
        floors = {}
        numpy_wall = None
        for rep in range(args.repeat):
            for t in threads:
                wall, rss, _ = measure([binary, "run", args.scenario, "--paths", str(n), "--threads", str(t),
                                        "--seed", "1", "--out", out_dir, "--quiet"]
                                       + (["--no-charts"] if args.no_charts else []))
                if t not in best or wall < best[t][0]:
                    best[t] = (wall, rss)
                _, _, out = measure([floor_binary, args.scenario, str(n), str(t), "1"])
                m = re.search(r"floor_s=([0-9.]+).*periods=(\d+)", out)
                periods = int(m.group(2))
                floors[t] = min(floors.get(t, float("inf")), float(m.group(1)))
            if n <= numpy_max and rep < args.numpy_repeat:
                np_out = os.path.join(out_dir, "numpy")
                w, _, _ = measure([sys.executable, os.path.join(ROOT, "benches", "numpy_reference.py"),
                                   args.scenario, "--paths", str(n), "--seed", "1", "--out", np_out])
                numpy_wall = w if numpy_wall is None else min(numpy_wall, w)
                # NumPy keeps every path's values (about 5 GB at 1e7 paths).
                # For some seconds after it hands them back, a virtual
                # machine runs slower while its host takes the memory back:
                # measured here, the floor on two threads took 0.95-1.46 s in
                # the 15 s after NumPy at 1e7 paths, 0.81-0.90 s before. The
                # programs timed next should not pay for that.
                time.sleep(args.settle * min(1.0, n / 1e7))
        if numpy_wall is not None:
            # The same model? Every mean of the last runs, within its standard error.
            (rust_dir,) = [os.path.join(out_dir, d) for d in os.listdir(out_dir)
                           if os.path.isfile(os.path.join(out_dir, d, "manifest.json"))]
            count_, worst, mismatches = compare(rust_dir, os.path.join(out_dir, "numpy"))
            agreement.append((n, count_, worst, mismatches))
        for t in threads:
            wall, rss = best[t]
            floor = floors[t]
            rows.append((n, t, wall, wall * 1e9 / (n * periods), wall / floor,
                         numpy_wall / wall if numpy_wall else None, rss, floor, numpy_wall))

    charts = "without charts" if args.no_charts else "charts included"
    print(f"scenario: {args.scenario} ({periods} periods); revshare {charts}; machine: {os.cpu_count()} cores")
    print("| paths | threads | wall (s) | ns / path-period | floor (s) | ratio to floor | NumPy (s) | NumPy / revshare | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, t, wall, ns, rf, rn, rss, floor, np_wall in rows:
        npw = f"{np_wall:.2f}" if np_wall else "–"
        rnp = f"{rn:.1f}×" if rn else "–"
        print(f"| {n:.0e} | {t} | {wall:.3f} | {ns:.1f} | {floor:.3f} | {rf:.2f}× | {npw} | {rnp} | {rss:.0f} |")
    by = {(n, t): wall for n, t, wall, *_ in rows}
    for n in paths:
        ups = [f"{t} threads {by[(n, 1)] / by[(n, t)]:.2f}×" for t in threads if t > 1 and (n, 1) in by]
        if ups:
            print(f"speed-up over 1 thread at {n:.0e} paths: " + ", ".join(ups))
    differ = []
    for n, count_, worst, mismatches in agreement:
        verdict = "agree" if worst[0] <= 5 and not mismatches else "DIFFER"
        if verdict == "DIFFER":
            differ.append(n)
        print(f"results at {n:.0e} paths: revshare and NumPy {verdict} ({count_} means, "
              f"largest |z| {worst[0]:.2f}: {describe(worst)})")
    if differ:
        # A ratio between two programs that computed different things is no
        # measurement: say so, and fail.
        sys.exit(f"revshare and NumPy computed different results at {', '.join(f'{n:.0e}' for n in differ)} "
                 "paths: the NumPy ratios above do not compare like with like")


if __name__ == "__main__":
    main()
