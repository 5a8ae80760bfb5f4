"""PyTorch's side of the CRNN inference benchmark: segments per second on the CPU.

Usage:
  python crnn_torch.py --make MODEL INPUTS [--segments 256] [--seed 0]
      writes a full-size random model (n_mels 128, conv [16, 32, 32, 32], GRU 500,
      10 labels, 128-frame segments) as a musicindex model file at MODEL, and INPUTS:
      raw little-endian float32 mel dB [segments, 128, 128] (C order), with the shape in
      INPUTS.json
  python crnn_torch.py MODEL INPUTS THREADS [--repeats 5] [--batch 32]
      loads both, torch.set_num_threads(THREADS), runs eval-mode inference under
      torch.inference_mode() over all segments in batches: one warm-up pass, then REPEATS
      timed passes. Prints exactly one line, segments_per_second=<float>, from the median
      pass. Only the forward passes are timed (not loading or normalisation).

Run it with the virtualenv of scripts/make-model-fixtures.sh (.venv-model/bin/python).
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))

from musicindex_training import CRNN, DEFAULT_ARCHITECTURE, default_features, load_model, save_model  # noqa: E402

N_MELS = 128
SEGMENT_FRAMES = 128
LABELS = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
NORMALIZATION = {"mean": -40.0, "std": 20.0}


def make(model_path, inputs_path, segments, seed):
    torch.manual_seed(seed)
    model = CRNN(dict(DEFAULT_ARCHITECTURE, n_mels=N_MELS, n_labels=len(LABELS)))
    with torch.no_grad():  # non-trivial BatchNorm statistics, as after training
        for block in model.blocks:
            block.bn.running_mean.uniform_(-0.3, 0.3)
            block.bn.running_var.uniform_(0.5, 2.0)
    save_model(model_path, model, labels=LABELS, features=default_features(N_MELS),
               segment_frames=SEGMENT_FRAMES, normalization=NORMALIZATION,
               name="benchmark-random", version="1",
               training_data=f"none: random weights (torch seed {seed}), benchmarks/crnn_torch.py")
    rng = np.random.default_rng(seed)
    mel = rng.uniform(-80.0, 0.0, size=(segments, N_MELS, SEGMENT_FRAMES)).astype("<f4")
    mel.tofile(inputs_path)
    with open(inputs_path + ".json", "w") as f:
        json.dump({"shape": list(mel.shape), "dtype": "float32", "byte_order": "little"}, f)
        f.write("\n")


def run(model_path, inputs_path, threads, repeats, batch):
    torch.set_num_threads(threads)
    model, metadata = load_model(model_path)
    with open(inputs_path + ".json") as f:
        shape = json.load(f)["shape"]
    mel = torch.from_numpy(np.fromfile(inputs_path, "<f4").reshape(shape))
    norm = metadata["normalization"]
    x = ((mel - norm["mean"]) / norm["std"]).unsqueeze(1).contiguous()
    batches = list(torch.split(x, batch))

    def one_pass():
        start = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                model(b)
        return time.perf_counter() - start

    one_pass()  # warm-up
    seconds = statistics.median(one_pass() for _ in range(repeats))
    print(f"segments_per_second={x.shape[0] / seconds:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make", nargs=2, metavar=("MODEL", "INPUTS"))
    parser.add_argument("--segments", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("run", nargs="*", metavar="MODEL INPUTS THREADS")
    args = parser.parse_args()
    if args.make:
        if args.run:
            parser.error("--make takes no other positional arguments")
        if args.segments < 1:
            parser.error("--segments must be >= 1")
        make(*args.make, args.segments, args.seed)
        return
    if len(args.run) != 3:
        parser.error("expected MODEL INPUTS THREADS (or --make MODEL INPUTS)")
    model_path, inputs_path, threads = args.run
    if not threads.isdigit() or int(threads) < 1:
        parser.error(f"THREADS must be a positive integer (got {threads!r})")
    if args.repeats < 1 or args.batch < 1:
        parser.error("--repeats and --batch must be >= 1")
    run(model_path, inputs_path, int(threads), args.repeats, args.batch)


if __name__ == "__main__":
    main()
