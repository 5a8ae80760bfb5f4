"""The faiss side of benchmarks/search.sh: writes the shared random data and times faiss-cpu's
exact IndexFlatIP on it.

  search_faiss.py make DIR --rows R --queries Q --dim D [--seed S]
      DIR/base.f32: R random vectors, DIR/queries.f32: Q more (raw float32 little-endian,
      row-major), each standard normal then scaled to unit length, so that inner products
      are cosine similarities for both engines (the Swift engine normalises again: a no-op).
  search_faiss.py time DIR --rows N --dim D --threads T [--k K] [--swift-ids FILE]
      Indexes the first N rows of base.f32 in IndexFlatIP with T OpenMP threads, runs 5
      warm-up queries, then times each query alone (index.search on one row) and all queries
      in one call. Prints rows=, p50_ms=, p99_ms= (nearest-rank percentiles, as the Swift
      side computes them), batch_ms=, and with --swift-ids the fraction of the Swift engine's
      top-k ids that faiss also returns (agreement=; float rounding may swap near-ties).
"""
import argparse
import math
import os
import time

import faiss
import numpy as np


def make(args):
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.dir, exist_ok=True)
    for name, rows in (("queries", args.queries), ("base", args.rows)):
        with open(os.path.join(args.dir, f"{name}.f32"), "wb") as out:
            for start in range(0, rows, 100_000):  # 200 MB at a time
                block = rng.standard_normal((min(100_000, rows - start), args.dim), dtype=np.float32)
                block /= np.linalg.norm(block, axis=1, keepdims=True)
                block.astype("<f4").tofile(out)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_search(args):
    faiss.omp_set_num_threads(args.threads)
    base = np.fromfile(os.path.join(args.dir, "base.f32"), dtype="<f4", count=args.rows * args.dim)
    queries = np.fromfile(os.path.join(args.dir, "queries.f32"), dtype="<f4").reshape(-1, args.dim)
    index = faiss.IndexFlatIP(args.dim)
    index.add(base.reshape(args.rows, args.dim))
    del base
    for query in queries[:5]:
        index.search(query[None, :], args.k)
    milliseconds, ids = [], []
    for query in queries:
        start = time.perf_counter()
        _, found = index.search(query[None, :], args.k)
        milliseconds.append((time.perf_counter() - start) * 1e3)
        ids.append(found[0])
    start = time.perf_counter()
    index.search(queries, args.k)
    batch = (time.perf_counter() - start) * 1e3
    print(f"rows={args.rows} p50_ms={percentile(milliseconds, 50):.3f} p99_ms={percentile(milliseconds, 99):.3f} "
          f"batch_ms={batch:.1f}")
    if args.swift_ids:
        swift = np.fromfile(args.swift_ids, dtype="<i8").reshape(len(queries), args.k)
        shared = sum(len(set(a) & set(b)) for a, b in zip(swift, ids))
        print(f"agreement={shared / swift.size:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    maker = commands.add_parser("make")
    maker.add_argument("dir")
    maker.add_argument("--rows", type=int, required=True)
    maker.add_argument("--queries", type=int, required=True)
    maker.add_argument("--dim", type=int, required=True)
    maker.add_argument("--seed", type=int, default=20260)
    timer = commands.add_parser("time")
    timer.add_argument("dir")
    timer.add_argument("--rows", type=int, required=True)
    timer.add_argument("--dim", type=int, required=True)
    timer.add_argument("--threads", type=int, required=True)
    timer.add_argument("--k", type=int, default=20)
    timer.add_argument("--swift-ids")
    args = parser.parse_args()
    make(args) if args.command == "make" else time_search(args)


if __name__ == "__main__":
    main()
