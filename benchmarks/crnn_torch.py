"""PyTorch side of the CRNN benchmark (benchmarks/crnn.sh): a self-contained copy of the network of
training/MODEL_FORMAT.md, a random full-size model and inputs, PyTorch's timing, and PyTorch's
outputs for a parity check of the Swift engine.

  crnn_torch.py --make MODEL INPUTS [--segments 256] [--seed 1]
      Writes a random full-size model (channels [16, 32, 32, 32], hidden 500, 10 labels,
      128 mels, 128-frame segments) as a musicindex model file, and INPUTS: raw float32 LE
      mel dB segments [N, 128, 128] in [-80, 0] dB.
  crnn_torch.py MODEL INPUTS THREADS [--batch 32] [--repeats 3]
      Times eval-mode inference of every segment in INPUTS (normalised as the metadata says),
      in batches, with THREADS intra-op threads; prints `segments_per_second=<float>` (the
      best of the repeats).
  crnn_torch.py --reference MODEL INPUTS OUT_DIR
      Writes PyTorch's logits.f32 [N, L], embedding.f32 [N, H], probabilities.f32 [N, L].
"""

import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as safetensors_bytes
from torch import nn


class Block(nn.Module):
    def __init__(self, c_in, c_out, kernel, padding, pool, eps):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, padding=padding)
        self.bn = nn.BatchNorm2d(c_out, eps=eps)
        self.pool = nn.MaxPool2d(pool)

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x))))


class CRNN(nn.Module):
    def __init__(self, arch, n_mels, n_labels):
        super().__init__()
        blocks, c_in, bins = [], 1, n_mels
        for c_out in arch["conv_channels"]:
            blocks.append(Block(c_in, c_out, arch["conv_kernel"], arch["conv_padding"], arch["pool"],
                                arch["batch_norm_eps"]))
            bins = (bins + 2 * arch["conv_padding"] - arch["conv_kernel"] + 1) // arch["pool"]
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.gru = nn.GRU(c_in * bins, arch["gru_hidden"], num_layers=1, batch_first=True)
        self.fc = nn.Linear(arch["gru_hidden"], n_labels)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        batch, channels, mels, frames = x.shape
        states, _ = self.gru(x.permute(0, 3, 1, 2).reshape(batch, frames, channels * mels))
        embedding = states.mean(dim=1)
        return self.fc(embedding), embedding


ARCHITECTURE = {"type": "crnn", "conv_channels": [16, 32, 32, 32], "conv_kernel": 3, "conv_padding": 1,
                "pool": 2, "batch_norm_eps": 1e-05, "gru_hidden": 500, "gru_layers": 1, "temporal_pooling": "mean"}
FEATURES = {"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "n_mels": 128, "fmin": 0.0, "fmax": None,
            "power": 2.0, "ref": 1.0, "amin": 1e-10, "top_db": 80.0}
LABELS = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
SEGMENT_FRAMES = 128
NORMALIZATION = {"mean": -45.0, "std": 18.0}


def make(model_path, inputs_path, segments, seed):
    torch.manual_seed(seed)
    model = CRNN(ARCHITECTURE, FEATURES["n_mels"], len(LABELS))
    with torch.no_grad():  # BatchNorm statistics away from the identity
        for block in model.blocks:
            block.bn.weight.uniform_(0.5, 1.5)
            block.bn.bias.uniform_(-0.2, 0.2)
            block.bn.running_mean.uniform_(-0.3, 0.3)
            block.bn.running_var.uniform_(0.5, 2.0)
    tensors = {name: t.contiguous() for name, t in model.state_dict().items() if not name.endswith("num_batches_tracked")}
    metadata = {"format": "musicindex-crnn", "format_version": "1", "name": "benchmark-random", "version": "0",
                "labels": json.dumps(LABELS), "architecture": json.dumps(ARCHITECTURE),
                "features": json.dumps(FEATURES), "segment_frames": str(SEGMENT_FRAMES),
                "normalization": json.dumps(NORMALIZATION), "training_data": "random weights (benchmark)"}
    with open(model_path, "wb") as f:
        f.write(safetensors_bytes(tensors, metadata=metadata))
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-80, 0, size=(segments, FEATURES["n_mels"], SEGMENT_FRAMES)).astype("<f4")
    inputs.tofile(inputs_path)


def load(model_path, inputs_path):
    with safe_open(model_path, framework="pt") as f:
        metadata = f.metadata()
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    arch = json.loads(metadata["architecture"])
    n_mels = json.loads(metadata["features"])["n_mels"]
    labels = json.loads(metadata["labels"])
    frames = int(metadata["segment_frames"])
    normalization = json.loads(metadata["normalization"])
    model = CRNN(arch, n_mels, len(labels))
    model.load_state_dict(tensors, strict=False)
    model.eval()
    raw = np.fromfile(inputs_path, dtype="<f4").reshape(-1, 1, n_mels, frames)
    x = (torch.from_numpy(raw.copy()) - normalization["mean"]) / normalization["std"]
    return model, x


def time_inference(model_path, inputs_path, threads, batch, repeats):
    torch.set_num_threads(threads)
    model, x = load(model_path, inputs_path)
    best = float("inf")
    with torch.inference_mode():
        model(x[:batch])  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            for i in range(0, len(x), batch):
                model(x[i:i + batch])
            best = min(best, time.perf_counter() - start)
    print(f"segments_per_second={len(x) / best:.2f}")


def reference(model_path, inputs_path, out_dir):
    model, x = load(model_path, inputs_path)
    with torch.inference_mode():
        logits, embedding = model(x)
        probabilities = torch.softmax(logits, dim=1)
    for name, t in (("logits", logits), ("embedding", embedding), ("probabilities", probabilities)):
        t.numpy().astype("<f4").tofile(f"{out_dir}/{name}.f32")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--make":
        parser = argparse.ArgumentParser()
        parser.add_argument("--make", nargs=2, metavar=("MODEL", "INPUTS"))
        parser.add_argument("--segments", type=int, default=256)
        parser.add_argument("--seed", type=int, default=1)
        args = parser.parse_args()
        make(args.make[0], args.make[1], args.segments, args.seed)
    elif len(sys.argv) > 1 and sys.argv[1] == "--reference":
        reference(*sys.argv[2:5])
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("model")
        parser.add_argument("inputs")
        parser.add_argument("threads", type=int)
        parser.add_argument("--batch", type=int, default=32)
        parser.add_argument("--repeats", type=int, default=3)
        args = parser.parse_args()
        time_inference(args.model, args.inputs, args.threads, args.batch, args.repeats)


if __name__ == "__main__":
    main()
