#!/usr/bin/env bash
# Recommendation quality of `musicindex similar` on the generated corpus, and the choice of
# its default block weights.
#
# The shipped genre model was trained on the corpus's train split (training/split.json); its
# val and test splits (20 and 10 clips per genre) were not trained on. Each split is linked
# into its own folder in GTZAN layout, scanned with the release binary and the shipped model
# into its own library, and measured by `musicindex evaluate-similar`: every clip is the seed
# once, the rest of its split is the library searched, and a result is right when it has the
# seed's genre.
#
# Choice, on val only, by genre-precision@K:
#   1. a grid of weight settings: each block alone; embedding=1 with features in
#      {0, 0.1, 0.25, 0.5, 1, 2} x genres in {0, 0.25, 0.5, 1, 2, 4, 8};
#   2. the candidates are the settings within one standard error of the best precision@K
#      (the one-standard-error rule: smaller differences are noise);
#   3. of those, the one with the least genre weight per unit of embedding weight, then the
#      fewest blocks, then the first in grid order. Genre-precision favours the genre block by
#      construction (its labels are what the genre model was trained to predict, on clips of
#      the same generator), and genre probabilities alone put most clips of a genre at cosine
#      ~1 to the seed, in no order; so the choice relies on them no more than the measurement
#      requires.
# Then each block alone and the chosen setting are measured on test, once; nothing is chosen
# there. With 10 clips per genre in test a seed has 9 others, so test precision@10 cannot
# exceed 0.9: the table also gives R-precision (precision@9 in test, @19 in val) and mean
# average precision, which a perfect ranking brings to 1.
#
# Usage: benchmarks/similarity-quality.sh [CORPUS=.build-corpus] [WORK]
# CORPUS is training/make_corpus.py's output for the split (seed 1; regenerate it with
# `python3 training/make_corpus.py .build-corpus --seed 1`, see training/README.md). WORK keeps
# the linked folders, libraries and JSON results (a rerun rescans nothing); a temporary folder
# without it. Env: K=10, JOBS=2 (scan jobs). Prints the val grid, then a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$(cd "${1:-$root/.build-corpus}" && pwd)"
k="${K:-10}"
jobs="${JOBS:-2}"
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  work="$(cd "$2" && pwd)"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "building musicindex in release..." >&2
(cd "$root" && bash scripts/build-release.sh 2>&1 | { grep -E "error:|complete" || true; } >&2)
musicindex="$root/.build/release/musicindex"
model="$root/Sources/MusicIndex/Resources/musicindex-genres.safetensors"

# WORK/<split>/<genre>/<clip> -> CORPUS/<genre>/<clip>, for the val and test splits.
python3 - "$root/training/split.json" "$corpus" "$work" <<'PY'
import json, os, sys
split_file, corpus, work = sys.argv[1:]
split = json.load(open(split_file))
for name in ("val", "test"):
    for relative, genre in split[name]:
        source = os.path.join(corpus, relative)
        if not os.path.isfile(source):
            sys.exit(f"{source} is missing: is {corpus} the corpus of {split_file} (seed {split['seed']})?")
        link = os.path.join(work, name, genre, os.path.basename(relative))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not os.path.lexists(link):
            os.symlink(source, link)
PY

for split in val test; do
  echo "scanning the $split split (shipped model)..." >&2
  "$musicindex" scan "$work/$split" --db "$work/$split.sqlite" --model "$model" --jobs "$jobs" --quiet >&2
done

# Runs evaluate-similar on SPLIT with the given --weights settings; JSON on stdout.
evaluate() {
  local split="$1"; shift
  local args=()
  for weights in "$@"; do args+=(--weights "$weights"); done
  "$musicindex" evaluate-similar --db "$work/$split.sqlite" --labels "$work/$split" -k "$k" --json "${args[@]}"
}

embedding="embedding=1,features=0,genres=0"
features="embedding=0,features=1,genres=0"
genres="embedding=0,features=0,genres=1"
grid=("$embedding" "$features" "$genres")
for f in 0 0.1 0.25 0.5 1 2; do
  for g in 0 0.25 0.5 1 2 4 8; do
    [ "$f" = 0 ] && [ "$g" = 0 ] && continue
    grid+=("embedding=1,features=$f,genres=$g")
  done
done

echo "val: ${#grid[@]} weight settings..." >&2
evaluate val "${grid[@]}" > "$work/val-grid.json"
chosen="$(python3 - "$work/val-grid.json" <<'PY'
import json, math, sys
report = json.load(open(sys.argv[1]))
rows = report["results"]
best = next(r for r in rows if r["weights"] == report["best"])
def blocks(row):
    return {name: float(value) for name, value in (part.split("=") for part in row["weights"].split(","))}
def genre_per_embedding(row):
    b = blocks(row)
    return b["genres"] / b["embedding"] if b["embedding"] > 0 else math.inf
candidates = [r for r in rows if r["precision"] >= best["precision"] - best["precisionStandardError"]]
chosen = min(candidates, key=lambda r: (genre_per_embedding(r), sum(v > 0 for v in blocks(r).values()), rows.index(r)))
print(chosen["weights"])
PY
)"

echo "val and test: each block alone and the chosen $chosen..." >&2
evaluate val "$embedding" "$features" "$genres" "$chosen" > "$work/val.json"
evaluate test "$embedding" "$features" "$genres" "$chosen" > "$work/test.json"

python3 - "$work" "$k" "$chosen" <<'PY'
import json, os, sys
work, k, chosen = sys.argv[1], int(sys.argv[2]), sys.argv[3]
grid, val, test = (json.load(open(os.path.join(work, f"{name}.json"))) for name in ("val-grid", "val", "test"))
best = next(r for r in grid["results"] if r["weights"] == grid["best"])
floor = best["precision"] - best["precisionStandardError"]
print(f"val grid: {grid['queries']} queries, k = {k}; * within one standard error of the best ({floor:.3f} or more)")
print(f"{'weights':40} precision@{k}  std.err.  R-precision    mAP")
for r in grid["results"]:
    within = "*" if r["precision"] >= floor else " "
    mark = "  chosen" if r["weights"] == chosen else ("  best" if r["weights"] == grid["best"] else "")
    print(f"{r['weights']:39}{within} {r['precision']:11.3f}  {r['precisionStandardError']:8.3f}  "
          f"{r['rPrecision']:11.3f}  {r['meanAveragePrecision']:.3f}{mark}")

names = [("embeddings alone", "embedding=1,features=0,genres=0"),
         ("engineered features alone (bliss-style)", "embedding=0,features=1,genres=0"),
         ("genre probabilities alone", "embedding=0,features=0,genres=1"),
         (f"chosen on val: `{chosen}`", chosen)]
by = [{r["weights"]: r for r in split["results"]} for split in (val, test)]
print()
print(f"| {val['queries']} val / {test['queries']} test seeds | val P@{k} | test P@{k} (max {test['results'][0]['ceiling']:.2f}) "
      "| val R-prec | test R-prec | val mAP | test mAP |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, weights in names:
    v, t = (split[weights] for split in by)
    print(f"| {name} | {v['precision']:.3f} ± {v['precisionStandardError']:.3f} | {t['precision']:.3f} ± {t['precisionStandardError']:.3f} "
          f"| {v['rPrecision']:.3f} | {t['rPrecision']:.3f} | {v['meanAveragePrecision']:.3f} | {t['meanAveragePrecision']:.3f} |")
PY
