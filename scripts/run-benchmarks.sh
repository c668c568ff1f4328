#!/usr/bin/env bash
# The benchmarks, after a build: convergence in the width n (OUT/convergence.md, its figures
# and OUT/bench/convergence.json) and speed against PyTorch and numpy (OUT/performance.md and
# OUT/bench/performance-*.json). Every file is written at the end of its run, atomically.
#
# Usage: bash scripts/run-benchmarks.sh [BUILD_DIR [OUT_DIR]]     (defaults: build, reports)
# Environment: JACSTAB_BENCH_PROFILE=quick|paper|extended (convergence grid; default paper),
#              JACSTAB_BENCH_THREADS=T (worker threads; default all cores).
# On 2 cores the paper profile takes about 30 minutes for the convergence grid and about 15
# for the peers; the peers need Debian's python3-numpy and python3-torch
# (bash scripts/install-deps.sh --bench).
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "run-benchmarks: unknown option '$1' (usage: bash scripts/run-benchmarks.sh [BUILD_DIR [OUT_DIR]])" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-reports}
profile=${JACSTAB_BENCH_PROFILE:-paper}
threads=${JACSTAB_BENCH_THREADS:-$(nproc)}
for exe in bench_convergence bench_sample jacstab; do
  if [ ! -x "$build/$exe" ]; then
    echo "run-benchmarks: $build/$exe not found; build first (cmake --build $build -j2)" >&2
    exit 2
  fi
done
python=/usr/bin/python3
[ -x "$python" ] || python=python3
echo "run-benchmarks: convergence in n, profile $profile, $threads thread(s) -> $out/convergence.md" >&2
"$build/bench_convergence" --profile "$profile" --threads "$threads" --report-dir "$out"
echo "run-benchmarks: peers -> $out/performance.md" >&2
"$python" bench/peers/run_peers.py --build "$build" --out "$out"
