"""Writes the decode-floor scripts of benchmarks/e2e.sh: per worker, a shell script that
decodes with the reference command-line decoders (no output) either the whole files or
exactly the spans the default scan decodes.

Usage: python e2e_floor.py FEATURES_JSONL WORKERS OUT_DIR
  FEATURES_JSONL: `musicindex features --json --segments-only` of the files: one object per
  file with its path and the spans (start, duration in seconds) the windowed analysis decodes.
Writes OUT_DIR/spans-W.sh, OUT_DIR/starts-W.sh and OUT_DIR/whole-W.sh for W = 0 ..< WORKERS
(files dealt out in turn, as the other runs share them) and prints the seconds of audio the
spans and the whole files hold. starts-W.sh runs the same commands as spans-W.sh but decodes
one frame (MP3) or one sample (FLAC) of each span: the cost of starting a decoder process and
seeking, which the span floor pays once per span.

The scan decodes each span plus 0.1 s before and after it (the resampler's lead-in and tail),
so the floor does the same:
  MP3   mpg123 -q -t -k FIRST_FRAME -n FRAMES FILE       (whole: mpg123 -q -t FILE...)
  FLAC  flac -s -d -c --skip=FIRST_SAMPLE --until=+SAMPLES FILE > /dev/null
        (`flac -t` refuses --skip; whole files: flac -s -t FILE...)
"""

import json
import math
import os
import shlex
import sys

import soundfile

MARGIN = 0.1


def main():
    features, workers, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(features) as f:
        records = [json.loads(line) for line in f if line.strip()]
    records.sort(key=lambda r: r["path"])
    spans = [[] for _ in range(workers)]
    starts = [[] for _ in range(workers)]
    whole_mp3 = [[] for _ in range(workers)]
    whole_flac = [[] for _ in range(workers)]
    span_seconds = whole_seconds = 0.0
    for index, record in enumerate(records):
        path, w = record["path"], index % workers
        info = soundfile.info(path)
        rate = info.samplerate
        whole_seconds += info.frames / rate
        is_mp3 = path.lower().endswith(".mp3")
        (whole_mp3 if is_mp3 else whole_flac)[w].append(shlex.quote(path))
        for span in record["spans"]:
            start = max(0.0, span["start"] - MARGIN)
            end = info.frames / rate if span.get("duration") is None else span["start"] + span["duration"] + MARGIN
            end = min(end, info.frames / rate)
            span_seconds += end - start
            if is_mp3:
                frame = 1152 if rate >= 32000 else 576  # samples per MPEG-1 / MPEG-2 layer III frame
                first, count = int(start * rate) // frame, math.ceil((end - start) * rate / frame)
                spans[w].append(f"mpg123 -q -t -k {first} -n {count} {shlex.quote(path)}")
                starts[w].append(f"mpg123 -q -t -k {first} -n 1 {shlex.quote(path)}")
            else:
                first, count = int(start * rate), math.ceil((end - start) * rate)
                spans[w].append(f"flac -s -d -c --skip={first} --until=+{count} {shlex.quote(path)} >/dev/null")
                starts[w].append(f"flac -s -d -c --skip={first} --until=+1 {shlex.quote(path)} >/dev/null")
    for w in range(workers):
        with open(os.path.join(out, f"spans-{w}.sh"), "w") as f:
            f.write("\n".join(spans[w]) + "\n")
        with open(os.path.join(out, f"starts-{w}.sh"), "w") as f:
            f.write("\n".join(starts[w]) + "\n")
        with open(os.path.join(out, f"whole-{w}.sh"), "w") as f:
            if whole_mp3[w]:
                f.write("mpg123 -q -t " + " ".join(whole_mp3[w]) + "\n")
            if whole_flac[w]:
                f.write("flac -s -t " + " ".join(whole_flac[w]) + "\n")
    print(f"span_seconds={span_seconds:.1f} whole_seconds={whole_seconds:.1f}")


if __name__ == "__main__":
    main()
