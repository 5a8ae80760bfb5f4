#!/usr/bin/env python3
"""Generate the genre-model reference fixtures (PyTorch oracle for the Swift CRNN engine).

Run through scripts/make-model-fixtures.sh, which sets up the virtualenv first.
Usage: make_model_fixtures.py OUTPUT_DIR

Output (everything Swift needs, readable without numpy):
  NAME.safetensors          a model file (training/MODEL_FORMAT.md) with random weights
  NAME.input.T.f32          a mel dB segment of T frames, raw little-endian float32,
                            shape [n_mels, T] in C order (row = mel band), NOT normalised
  NAME.logits.T.f32         PyTorch's logits for it [L]
  NAME.embedding.T.f32      the mean GRU state [H]
  NAME.probabilities.T.f32  softmax(logits) [L]
  NAME.track.input.f32      a "track" of 3 segments: mel dB [n_mels, 3 * segment_frames];
                            segment i is columns i*S ... (i+1)*S - 1 (S = segment_frames)
  NAME.track.logits.f32, NAME.track.embedding.f32, NAME.track.probabilities.f32
                            per segment, [3, L] / [3, H] / [3, L]
  NAME.track.mean_probabilities.f32, NAME.track.mean_embedding.f32
                            the track-level means over the 3 segments, [L] / [H]
  manifest.json             versions, each model's architecture and metadata, every
                            file's shape, and the achievable precision (below)

The references are PyTorch eval mode run in float64: the model as read back from its file
(float32 weights, exactly), converted to double, on the stored float32 input converted to
double and normalised with the model's metadata ((x - mean) / std), then rounded to float32
for storage. `float32_max_abs_deviation` in the manifest is how far PyTorch's own float32
forward pass (input normalised in float32) lands from that reference, the max over every
input of the model: a tolerance an engine computing in float32 can hope to meet.

Models:
  tiny  n_mels 32, conv [4, 8, 8], kernel 3, padding 1, GRU 24, 5 labels, 32-frame
        segments, librosa-default features, normalisation mean -40 std 20
  wide  n_mels 18 (odd after one pooling: 18 -> 9 -> 4), conv [3, 5], kernel 5, padding 2,
        batch_norm_eps 1e-3, GRU 7, 3 labels, 24-frame segments, fmax 8000, normalisation
        mean -35 std 15: different sizes everywhere, to prove the engine reads them all
        from the metadata
  deep  n_mels 24, conv [4, 12, 16], kernel 3, padding 1, GRU 10, 4 labels, 64-frame
        segments: blocks 2 and 3 are deep enough for the engine's Winograd products, and
        133 frames give them rows of more than eight quads and an odd number of pools
Weights are drawn with numpy's PCG64 (stable across versions), not torch's generator:
conv He-uniform, BatchNorm running mean +-0.3, running var in [0.5, 2], affine weight in
[0.5, 1.5] and bias +-0.2 (so no BN layer is the identity), GRU and fc uniform.

The output is deterministic: fixed seeds, one torch thread, no timestamps or absolute paths
in the manifest; the deviations are rounded to 2 significant digits.
"""

import json
import os
import platform
import sys
from importlib.metadata import version as dist_version

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))

from musicindex_training.crnn import CRNN  # noqa: E402
from musicindex_training.model_file import default_features, load_model, save_model  # noqa: E402

TRACK_SEGMENTS = 3

MODELS = {
    "tiny": {
        "seed": 1,
        "architecture": {"conv_channels": [4, 8, 8], "conv_kernel": 3, "conv_padding": 1,
                         "pool": 2, "batch_norm_eps": 1e-05, "gru_hidden": 24},
        "features": default_features(n_mels=32),
        "labels": ["blues", "electronic", "folk", "jazz", "rock"],
        "segment_frames": 32,
        "normalization": {"mean": -40.0, "std": 20.0},
        "frames": [8, 37, 32, 101],  # 2^B, odd, segment_frames, 3 * segment_frames + 5
    },
    "wide": {
        "seed": 2,
        "architecture": {"conv_channels": [3, 5], "conv_kernel": 5, "conv_padding": 2,
                         "pool": 2, "batch_norm_eps": 1e-03, "gru_hidden": 7},
        "features": dict(default_features(n_mels=18), fmax=8000.0),
        "labels": ["ambient", "hip-hop", "metal"],
        "segment_frames": 24,
        "normalization": {"mean": -35.0, "std": 15.0},
        "frames": [4, 57, 24, 77],
    },
    "deep": {
        "seed": 3,
        "architecture": {"conv_channels": [4, 12, 16], "conv_kernel": 3, "conv_padding": 1,
                         "pool": 2, "batch_norm_eps": 1e-05, "gru_hidden": 10},
        "features": default_features(n_mels=24),
        "labels": ["classical", "disco", "pop", "reggae"],
        "segment_frames": 64,
        "normalization": {"mean": -38.0, "std": 18.0},
        "frames": [8, 45, 64, 133],
    },
}


def random_model(spec):
    """A CRNN with every parameter and BatchNorm statistic drawn from numpy's PCG64."""
    rng = np.random.default_rng(spec["seed"])
    arch = dict(spec["architecture"], n_mels=spec["features"]["n_mels"], n_labels=len(spec["labels"]))
    model = CRNN(arch)

    def uniform(tensor, low, high):
        values = rng.uniform(low, high, size=tuple(tensor.shape))
        tensor.copy_(torch.from_numpy(values.astype(np.float32)))

    h = arch["gru_hidden"]
    with torch.no_grad():
        for block in model.blocks:
            fan_in = block.conv.weight[0].numel()
            bound = np.sqrt(6.0 / fan_in)  # He uniform: keeps the activations' scale
            uniform(block.conv.weight, -bound, bound)
            uniform(block.conv.bias, -0.1, 0.1)
            uniform(block.bn.weight, 0.5, 1.5)
            uniform(block.bn.bias, -0.2, 0.2)
            uniform(block.bn.running_mean, -0.3, 0.3)
            uniform(block.bn.running_var, 0.5, 2.0)
        bound_ih = 2.0 / np.sqrt(model.gru_input)
        bound_hh = 1.5 / np.sqrt(h)
        uniform(model.gru.weight_ih_l0, -bound_ih, bound_ih)
        uniform(model.gru.weight_hh_l0, -bound_hh, bound_hh)
        uniform(model.gru.bias_ih_l0, -0.2, 0.2)
        uniform(model.gru.bias_hh_l0, -0.2, 0.2)
        uniform(model.fc.weight, -4.0 / np.sqrt(h), 4.0 / np.sqrt(h))  # spread the logits
        uniform(model.fc.bias, -0.5, 0.5)
    return model.eval()


def mel_db_like(rng, n_mels, frames):
    """float32 [n_mels, frames] in [-80, 0] dB with spectral and temporal structure.

    A falling spectral envelope, per-band slow modulation with random phases, a few
    broadband onsets decaying over frames, and noise; clipped to librosa's 80 dB range.
    """
    m = np.arange(n_mels)[:, None]
    t = np.arange(frames)[None, :]
    envelope = -20.0 - 35.0 * m / max(n_mels - 1, 1)
    phase = rng.uniform(0, 2 * np.pi, size=(n_mels, 1))
    rate = rng.uniform(0.05, 0.4, size=(n_mels, 1))
    modulation = 10.0 * np.sin(rate * t + phase)
    onsets = np.zeros((1, frames))
    for start in rng.integers(0, frames, size=max(1, frames // 12)):
        decay = np.exp(-(t - start) / 4.0) * (t >= start)
        onsets = np.maximum(onsets, 25.0 * decay)
    noise = rng.normal(0.0, 4.0, size=(n_mels, frames))
    return np.clip(envelope + modulation + onsets + noise - 10.0, -80.0, 0.0).astype(np.float32)


def forward(model, mel, normalization, dtype):
    """(logits, embedding, probabilities) for mel dB [batch, n_mels, T], in `dtype`."""
    x = torch.from_numpy(mel).to(dtype)
    x = (x - normalization["mean"]) / normalization["std"]
    with torch.inference_mode():
        logits, embedding = model(x.unsqueeze(1))
    return logits, embedding, torch.softmax(logits, dim=-1)


class Writer:
    def __init__(self, outdir):
        self.outdir = outdir

    def array(self, filename, arr):
        """Write arr as little-endian float32 (C order); return its manifest entry."""
        arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        with open(os.path.join(self.outdir, filename), "wb") as f:
            f.write(arr.tobytes())
        return {"file": filename, "shape": list(arr.shape)}


def two_digits(x):
    return float(f"{x:.2g}")


def make_model(name, spec, writer, outdir):
    model_file = f"{name}.safetensors"
    save_model(os.path.join(outdir, model_file), random_model(spec), labels=spec["labels"],
               features=spec["features"], segment_frames=spec["segment_frames"],
               normalization=spec["normalization"], name=f"fixture-{name}", version="1",
               training_data=f"none: random weights (numpy PCG64 seed {spec['seed']}), "
                             "scripts/make_model_fixtures.py")
    # The reference uses the model as the file holds it (float32 weights, exactly).
    model32, metadata = load_model(os.path.join(outdir, model_file))
    model64 = load_model(os.path.join(outdir, model_file))[0].double()
    norm = metadata["normalization"]
    n_mels, s = model32.n_mels, metadata["segment_frames"]
    rng = np.random.default_rng(1000 + spec["seed"])
    deviation = {"logits": 0.0, "embedding": 0.0, "probabilities": 0.0}

    def reference(mel):
        out64 = forward(model64, mel, norm, torch.float64)
        out32 = forward(model32, mel, norm, torch.float32)
        for key, a, b in zip(("logits", "embedding", "probabilities"), out64, out32):
            deviation[key] = max(deviation[key], (a - b.double()).abs().max().item())
        return [o.numpy() for o in out64]

    inputs = []
    for frames in spec["frames"]:
        mel = mel_db_like(rng, n_mels, frames)
        logits, embedding, probabilities = reference(mel[None])
        inputs.append({
            "frames": frames,
            "input": writer.array(f"{name}.input.{frames}.f32", mel),
            "logits": writer.array(f"{name}.logits.{frames}.f32", logits[0]),
            "embedding": writer.array(f"{name}.embedding.{frames}.f32", embedding[0]),
            "probabilities": writer.array(f"{name}.probabilities.{frames}.f32", probabilities[0]),
        })

    track = mel_db_like(rng, n_mels, TRACK_SEGMENTS * s)
    segments = np.stack([track[:, i * s:(i + 1) * s] for i in range(TRACK_SEGMENTS)])
    logits, embedding, probabilities = reference(segments)  # one batch of 3
    for i in range(TRACK_SEGMENTS):  # batching must not change a segment's result
        alone = reference(segments[i:i + 1])
        assert all(np.allclose(a[0], b[i], rtol=0, atol=1e-12) for a, b in
                   zip(alone, (logits, embedding, probabilities)))
    track_entry = {
        "segments": TRACK_SEGMENTS,
        "segment_frames": s,
        "layout": "segment i is input columns i*segment_frames ... (i+1)*segment_frames - 1",
        "input": writer.array(f"{name}.track.input.f32", track),
        "logits": writer.array(f"{name}.track.logits.f32", logits),
        "embedding": writer.array(f"{name}.track.embedding.f32", embedding),
        "probabilities": writer.array(f"{name}.track.probabilities.f32", probabilities),
        "mean_probabilities": writer.array(f"{name}.track.mean_probabilities.f32",
                                           probabilities.mean(axis=0)),
        "mean_embedding": writer.array(f"{name}.track.mean_embedding.f32", embedding.mean(axis=0)),
    }
    return {
        "file": model_file,
        "bytes": os.path.getsize(os.path.join(outdir, model_file)),
        "name": metadata["name"],
        "version": metadata["version"],
        "labels": metadata["labels"],
        "architecture": metadata["architecture"],
        "features": metadata["features"],
        "segment_frames": s,
        "normalization": norm,
        "min_frames": model32.min_frames,
        "gru_input": model32.gru_input,
        "weights_seed": spec["seed"],
        "float32_max_abs_deviation": {k: two_digits(v) for k, v in deviation.items()},
        "inputs": inputs,
        "track": track_entry,
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_model_fixtures.py OUTPUT_DIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith((".f32", ".safetensors")) or f == "manifest.json":
            os.remove(os.path.join(outdir, f))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    writer = Writer(outdir)
    manifest = {
        "generator": "scripts/make-model-fixtures.sh (scripts/make_model_fixtures.py)",
        "format": "NAME.safetensors is a model file (training/MODEL_FORMAT.md). Every .f32 is "
                  "raw little-endian float32 in C (row-major) order with the shape given here; "
                  "inputs are mel dB [n_mels, frames], not normalised. References are PyTorch "
                  "eval mode in float64 (the file's float32 weights and the float32 input, "
                  "converted), normalised with the model's metadata, rounded to float32.",
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "safetensors": dist_version("safetensors"),
            "numpy": np.__version__,
        },
        "models": {},
    }
    for name, spec in MODELS.items():
        manifest["models"][name] = make_model(name, spec, writer, outdir)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
