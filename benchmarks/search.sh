#!/usr/bin/env bash
# Exact nearest-neighbour search benchmark: the Swift engine (Sources/MusicIndex/Query,
# EmbeddingIndex: sgemv + bounded heap) against faiss-cpu's IndexFlatIP (PyPI), on the same
# random unit vectors (fixed seed) with 100,000 and 1,000,000 rows, k = 20, the same QUERIES
# queries each timed alone after 5 warm-ups. Threads: 1 and 2 (faiss.omp_set_num_threads; the
# engine's OpenBLAS threads). Prints p50/p99 latency in ms for both, the swift/faiss ratios
# (below 1: the engine is faster), one batch call of all queries for both, and how many of
# the engine's top-k ids faiss also returns.
#
# Usage: benchmarks/search.sh [DIM=500] [QUERIES=200]
# Needs about 2 GB of temporary disk, and 2 GB of memory for the 1,000,000-row matrix in each
# engine's process (one runs at a time). faiss-cpu and numpy come from PyPI into
# .venv-bench-search. The Swift side is the test QuerySearchBenchmarkTests, built in release
# with -enable-testing and run only when MUSICINDEX_BENCH_SEARCH is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dim="${1:-500}"
queries="${2:-200}"
sizes=(100000 1000000)
k=20
venv="$root/.venv-bench-search"
if ! "$venv/bin/python" -c "import faiss, numpy" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "faiss-cpu==1.15.*" "numpy==2.*"
fi
python="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "writing ${sizes[-1]} + $queries random unit vectors of $dim floats (seed fixed)..."
"$python" "$root/benchmarks/search_faiss.py" make "$work" --rows "${sizes[-1]}" --queries "$queries" --dim "$dim"

echo "building the tests in release (-enable-testing)..."
(cd "$root" && swift build -c release --build-tests -Xswiftc -enable-testing 2>&1 | grep -E "error:|Build comp")

# Runs the Swift benchmark test with THREADS; prints its rows= lines.
swift_run() {
  (cd "$root" && MUSICINDEX_BENCH_SEARCH="$work" MUSICINDEX_BENCH_SEARCH_DIM="$dim" \
    MUSICINDEX_BENCH_SEARCH_SIZES="$(IFS=,; echo "${sizes[*]}")" MUSICINDEX_BENCH_SEARCH_THREADS="$1" \
    MUSICINDEX_BENCH_SEARCH_K="$k" \
    swift test -c release --skip-build --disable-xctest --filter QuerySearchBenchmarkTests 2>&1) | grep -E "^rows=" || true
}
# The value of KEY in a line of key=value pairs.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }

echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $queries queries, k = $k, dimension $dim"
"$python" -c 'import faiss, numpy; print(f"faiss-cpu {faiss.__version__}, numpy {numpy.__version__}, OpenBLAS for the engine")'
for threads in 1 2; do
  swift_out="$(swift_run "$threads")"
  for rows in "${sizes[@]}"; do
    swift_line="$(echo "$swift_out" | grep "^rows=$rows ")"
    faiss_out="$("$python" "$root/benchmarks/search_faiss.py" time "$work" --rows "$rows" --dim "$dim" \
      --threads "$threads" --k "$k" --swift-ids "$work/swift_ids_${rows}_threads${threads}.i64")"
    faiss_line="$(echo "$faiss_out" | grep "^rows=")"
    sp50="$(echo "$swift_line" | field p50_ms)"; sp99="$(echo "$swift_line" | field p99_ms)"
    fp50="$(echo "$faiss_line" | field p50_ms)"; fp99="$(echo "$faiss_line" | field p99_ms)"
    sbatch="$(echo "$swift_line" | field batch_ms)"; fbatch="$(echo "$faiss_line" | field batch_ms)"
    printf "threads %d, %7d rows: swift p50 %8.3f ms p99 %8.3f ms | faiss p50 %8.3f ms p99 %8.3f ms | swift/faiss p50 %.2f p99 %.2f\n" \
      "$threads" "$rows" "$sp50" "$sp99" "$fp50" "$fp99" "$(echo "$sp50 / $fp50" | bc -l)" "$(echo "$sp99 / $fp99" | bc -l)"
    printf "threads %d, %7d rows: batch of %d queries: swift %8.1f ms, faiss %8.1f ms, swift/faiss %.2f; top-%d agreement %s\n" \
      "$threads" "$rows" "$queries" "$sbatch" "$fbatch" "$(echo "$sbatch / $fbatch" | bc -l)" "$k" \
      "$(echo "$faiss_out" | field agreement)"
  done
done
echo "load average after timing: $(cut -d' ' -f1-3 /proc/loadavg)"
