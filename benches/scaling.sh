#!/usr/bin/env bash
# How revshare scales with cores, on a machine with many: byte-identical results
# at any thread count, all shipped scenarios start to finish, then the table of
# benches/table.py at 1 to N threads (N = the machine's cores) and at 1e8 paths.
#
#   bash benches/scaling.sh            # builds with cargo first
#   bash benches/scaling.sh BIN_DIR    # BIN_DIR/revshare and BIN_DIR/floor, built
#                                      # elsewhere (a machine without Rust)
#
# To build BIN_DIR on a machine with Rust (same processor architecture; a
# plain build is for the building machine's processor, see .cargo/config.toml,
# so name one the other machine has: x86-64-v3 where it has AVX2, BMI2 and
# FMA, x86-64-v2 otherwise):
#   export RUSTFLAGS="-C target-cpu=x86-64-v3"
#   cargo build --release && mkdir -p bin && cp target/release/revshare bin/ &&
#   cp "$(python3 -c 'import sys; sys.path.insert(0, "benches"); import table; print(table.build_floor())')" bin/floor
#
# Takes about 7 minutes on 16 cores (1e8 paths on one thread is most of it);
# needs Python 3.11+ with NumPy.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ $# -ge 1 ]]; then
    bin=$(cd "$1" && pwd)
else
    # Built once here; table.py then takes them from the same folder.
    cargo build --release --quiet
    bin=$tmp/bin
    mkdir "$bin"
    ln -s "$(pwd)/target/release/revshare" "$bin/revshare"
    ln -s "$(python3 -c 'import sys; sys.path.insert(0, "benches"); import table; print(table.build_floor())')" "$bin/floor"
fi
n=$(nproc)
if ((n < 2)); then
    echo "scaling.sh needs at least 2 cores (this machine has $n)" >&2
    exit 2
fi
threads=1
for t in 2 4 8 16 32 64; do
    if ((t < n)); then threads+=",$t"; fi
done
threads+=",$n"
echo "== machine: $n cores"
lscpu | grep -E "Model name|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)" || true

echo "== the same bytes at any thread count"
check() { # scenario paths thread-counts...
    local scenario=$1 paths=$2
    shift 2
    for t in "$@"; do
        "$bin/revshare" run "$scenario" --paths "$paths" --seed 7 --threads "$t" --out "$tmp/t$t" --quiet --no-charts
    done
    local first=$1 files=0
    shift
    for f in $(cd "$tmp/t$first" && find . -name '*.csv' | sort); do
        files=$((files + 1))
        for t in "$@"; do
            cmp -s "$tmp/t$first/$f" "$tmp/t$t/$f" || { echo "DIFFER: $f at $first and $t threads"; exit 1; }
        done
    done
    ((files > 0)) || { echo "no CSV file written for $scenario" >&2; exit 1; }
    echo "$scenario, $paths paths: $files CSV files identical at $first $* threads"
    rm -rf "$tmp"/t*
}
check scenarios/amended-2026.toml 1e7 1 "$n"
check benches/scenarios/feature-tour.toml 1e6 1 3 "$n"

echo "== every shipped scenario at its default paths, charts included"
for t in "$n" 2; do
    start=$(date +%s.%N)
    "$bin/revshare" run scenarios --threads "$t" --out "$tmp/all" --quiet
    echo "$t threads: $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s"
done

echo "== table"
python3 benches/table.py --bin-dir "$bin" --paths 1e6,1e7 --threads "$threads" --repeat 3
echo "== 1e8 paths"
python3 benches/table.py --bin-dir "$bin" --paths 1e8 --threads "1,$n" --repeat 1 --numpy-max 0
