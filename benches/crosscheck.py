#!/usr/bin/env python3
"""Check revshare's results against the independent NumPy implementation.

For each scenario, runs `revshare run` and `benches/numpy_reference.py` at the
same path count (each with its own random streams) and compares every mean in
yearly.csv and summary.csv: the difference over its standard error,
z = |mean_a - mean_b| / sqrt(se_a^2 + se_b^2). A quantity that is the same on
every path in both (se 0) must agree to 1e-9 relative. With a few hundred
means per scenario the largest |z| of two correct implementations is typically
2.5-4; a difference in the model shows up as tens or hundreds.

This is what makes the NumPy reference a fair speed baseline (benches/table.py):
it computes the same model, not a cheaper one.

Usage:
  python3 benches/crosscheck.py                  # shipped scenarios + benches/scenarios/
  python3 benches/crosscheck.py FILE.toml ... [--paths 400000] [--limit 5]

Needs numpy and scipy (`pip install numpy scipy`). Exit status 1 when some mean
is further apart than --limit standard errors.
"""

import argparse
import csv
import glob
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_means(path, key):
    """{key: (mean, se)} of one CSV file (empty cells, as for an undefined sd, read as 0)."""
    with open(path, newline="") as f:
        return {tuple(r[k] for k in key): (float(r["mean"]), float(r["se"] or 0)) for r in csv.DictReader(f)}


def compare(rust_dir, numpy_dir):
    """Compare the means of yearly.csv and summary.csv in two output folders.

    Returns (count, worst, mismatches): how many means were compared, the
    largest z with its (file, key, rust, numpy), and a list of every key whose
    rows are missing on one side or whose deterministic values differ (z = inf).
    """
    count, worst, mismatches = 0, (0.0, None), []
    for name, key in (("summary.csv", ("metric",)), ("yearly.csv", ("metric", "year"))):
        rust = read_means(os.path.join(rust_dir, name), key)
        numpy = read_means(os.path.join(numpy_dir, name), key)
        for k in sorted(set(rust) ^ set(numpy)):
            mismatches.append((name, k, "only in " + ("revshare" if k in rust else "NumPy")))
        for k in sorted(set(rust) & set(numpy)):
            (a, sa), (b, sb) = rust[k], numpy[k]
            se = math.hypot(sa, sb)
            if se > 0:
                z = abs(a - b) / se
            else:
                z = 0.0 if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) else math.inf
            count += 1
            if z > worst[0]:
                worst = (z, (name, k, a, b))
    return count, worst, mismatches


def describe(worst):
    z, where = worst
    if where is None:
        return "all equal"
    name, k, a, b = where
    return f"{'/'.join(k)} in {name}: revshare {a:.6g}, NumPy {b:.6g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--paths", type=int, default=400_000)
    ap.add_argument("--limit", type=float, default=5.0, help="largest |z| accepted (default 5)")
    args = ap.parse_args()
    try:
        import numpy  # noqa: F401
        import scipy  # noqa: F401
    except ImportError:
        sys.exit("crosscheck needs numpy and scipy: pip install numpy scipy")
    scenarios = args.scenarios or sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.toml"))) + sorted(
        glob.glob(os.path.join(ROOT, "benches", "scenarios", "*.toml")))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "revshare")
    out = tempfile.mkdtemp(prefix="revshare-crosscheck-")
    failed = False
    print(f"{args.paths} paths each; revshare seed 1, NumPy seed 2; |z| limit {args.limit}")
    print("| scenario | means | largest abs(z) | where |")
    print("|:--|--:|--:|:--|")
    for i, path in enumerate(scenarios):
        # Each scenario in a folder of its own: its name (from the file) is the
        # folder revshare writes into.
        rust_out, numpy_out = os.path.join(out, f"rust{i}"), os.path.join(out, f"numpy{i}")
        subprocess.run([binary, "run", path, "--paths", str(args.paths), "--seed", "1", "--out", rust_out,
                        "--no-charts", "--quiet"], check=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "benches", "numpy_reference.py"), path, "--paths",
                        str(args.paths), "--seed", "2", "--out", numpy_out], check=True, stdout=subprocess.DEVNULL)
        (rust_dir,) = [d for d in glob.glob(os.path.join(rust_out, "*")) if os.path.isdir(d)]
        count, worst, mismatches = compare(rust_dir, numpy_out)
        name = os.path.basename(rust_dir)
        print(f"| {name} | {count} | {worst[0]:.2f} | {describe(worst)} |")
        for m in mismatches:
            print(f"  {name}: {m[0]} {'/'.join(m[1])}: {m[2]}")
        failed |= worst[0] > args.limit or bool(mismatches)
    if failed:
        print(f"some means differ by more than {args.limit} standard errors (or rows differ)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
