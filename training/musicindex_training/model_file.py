"""The musicindex model file: one safetensors file, specified in training/MODEL_FORMAT.md.

save_model writes a CRNN's tensors and the `__metadata__` the Swift engine reads; load_model
rebuilds the CRNN from that metadata alone. Output is deterministic: the same model and
arguments give a byte-identical file (the header's keys are written in sorted order, because
the safetensors library's own metadata order varies from run to run).
"""

import json
import math
import os
import struct

import torch
from safetensors import safe_open
from safetensors.torch import save as safetensors_bytes

from .crnn import CRNN, FIXED_KEYS

FORMAT = "musicindex-crnn"
FORMAT_VERSION = "1"

# The front end's SpectrogramParameters, librosa names and defaults (n_mels aside).
FEATURE_DEFAULTS = {
    "sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "n_mels": 128, "fmin": 0.0,
    "fmax": None, "power": 2.0, "ref": 1.0, "amin": 1e-10, "top_db": 80.0,
}
_INT_FEATURES = ("sample_rate", "n_fft", "hop_length", "n_mels")
_OPTIONAL_FEATURES = ("fmax", "top_db")  # may be None (JSON null)

# Architecture keys stored in the file; n_mels lives in `features`, n_labels is len(labels).
_STORED_ARCHITECTURE_KEYS = ("conv_channels", "conv_kernel", "conv_padding", "pool",
                             "batch_norm_eps", "gru_hidden")


def default_features(n_mels: int = 128) -> dict:
    """librosa's melspectrogram + power_to_db defaults, as the front end computes them."""
    return dict(FEATURE_DEFAULTS, n_mels=n_mels)


def _json(value) -> str:
    """Structured metadata values: JSON text, sorted keys, no NaN/Infinity."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def tensor_shapes(architecture: dict) -> dict:
    """Tensor name -> shape for a CRNN architecture (with n_mels and n_labels), per the format."""
    channels, k = architecture["conv_channels"], architecture["conv_kernel"]
    h, n_labels = architecture["gru_hidden"], architecture["n_labels"]
    shapes = {}
    c_in = 1
    for i, c_out in enumerate(channels):
        shapes[f"blocks.{i}.conv.weight"] = [c_out, c_in, k, k]
        for name in ("conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"):
            shapes[f"blocks.{i}.{name}"] = [c_out]
        c_in = c_out
    f = channels[-1] * (architecture["n_mels"] >> len(channels))
    shapes["gru.weight_ih_l0"] = [3 * h, f]
    shapes["gru.weight_hh_l0"] = [3 * h, h]
    shapes["gru.bias_ih_l0"] = [3 * h]
    shapes["gru.bias_hh_l0"] = [3 * h]
    shapes["fc.weight"] = [n_labels, h]
    shapes["fc.bias"] = [n_labels]
    return shapes


def _check_format_architecture(architecture: dict):
    # The format's F = C * (n_mels >> B) and minimum T = 2^B hold for size-preserving
    # convolutions and 2x2 pooling only; other settings would train but not load.
    k, p = architecture["conv_kernel"], architecture["conv_padding"]
    if architecture["pool"] != 2:
        raise ValueError(f"the model format needs pool = 2 (got {architecture['pool']})")
    if 2 * p != k - 1:
        raise ValueError(f"the model format needs size-preserving convolutions, "
                         f"2 * conv_padding = conv_kernel - 1 (got kernel {k}, padding {p})")


def _check_features(features: dict, n_mels: int) -> dict:
    if set(features) != set(FEATURE_DEFAULTS):
        missing = sorted(set(FEATURE_DEFAULTS) - set(features))
        extra = sorted(set(features) - set(FEATURE_DEFAULTS))
        raise ValueError(f"features must have exactly {sorted(FEATURE_DEFAULTS)} "
                         f"(missing {missing}, unknown {extra})")
    checked = {}
    for key, value in features.items():
        if value is None and key in _OPTIONAL_FEATURES:
            checked[key] = None
        elif key in _INT_FEATURES:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"features {key!r} must be a positive integer (got {value!r})")
            checked[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"features {key!r} must be a finite number (got {value!r})")
            checked[key] = float(value)
    if checked["n_mels"] != n_mels:
        raise ValueError(f"features n_mels = {checked['n_mels']} but the model has {n_mels} mel bands")
    return checked


def _check_normalization(normalization: dict) -> dict:
    if set(normalization) != {"mean", "std"}:
        raise ValueError(f"normalization must have exactly 'mean' and 'std' (got {sorted(normalization)})")
    mean, std = float(normalization["mean"]), float(normalization["std"])
    if not math.isfinite(mean) or not math.isfinite(std) or std <= 0:
        raise ValueError(f"normalization needs a finite mean and a positive std (got {mean}, {std})")
    return {"mean": mean, "std": std}


def build_metadata(model: CRNN, *, labels, features: dict, segment_frames: int,
                   normalization: dict, name: str, version: str, training_data: str,
                   metrics=None, created=None) -> dict:
    """The `__metadata__` map (all values strings) for `model`, validating every argument."""
    arch = model.architecture
    _check_format_architecture(arch)
    labels = list(labels)
    if len(labels) != model.n_labels:
        raise ValueError(f"{len(labels)} labels for a model with {model.n_labels} outputs")
    if not all(isinstance(label, str) and label for label in labels) or len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct non-empty strings (got {labels!r})")
    if isinstance(segment_frames, bool) or not isinstance(segment_frames, int) \
            or segment_frames < model.min_frames:
        raise ValueError(f"segment_frames must be an integer >= {model.min_frames} (got {segment_frames!r})")
    for key, value in (("name", name), ("version", version)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} must be a non-empty string (got {value!r})")
    if not isinstance(training_data, str):
        raise ValueError("training_data must be a string")
    stored_arch = {key: arch[key] for key in _STORED_ARCHITECTURE_KEYS}
    stored_arch.update(FIXED_KEYS)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "version": version,
        "labels": _json(labels),
        "architecture": _json(stored_arch),
        "features": _json(_check_features(features, model.n_mels)),
        "segment_frames": str(segment_frames),
        "normalization": _json(_check_normalization(normalization)),
        "training_data": training_data,
    }
    if metrics is not None:
        if not isinstance(metrics, dict):
            raise ValueError("metrics must be a dict")
        metadata["metrics"] = _json(metrics)
    if created is not None:
        metadata["created"] = str(created)
    return metadata


def model_tensors(model: CRNN) -> dict:
    """The state_dict as contiguous float32 CPU tensors, without num_batches_tracked."""
    tensors = {name: t.detach().to(device="cpu", dtype=torch.float32).contiguous()
               for name, t in model.state_dict().items()
               if not name.endswith("num_batches_tracked")}
    expected = tensor_shapes(model.architecture)
    actual = {name: list(t.shape) for name, t in tensors.items()}
    if actual != expected:
        raise ValueError(f"model tensors do not match the format: {sorted(actual)} vs {sorted(expected)}")
    return tensors


def _canonical_header(data: bytes) -> bytes:
    """Rewrite a safetensors file's JSON header with sorted keys (the data is unchanged).

    The safetensors library serialises `__metadata__` from a hash map, so its key order (and
    the file's bytes) change between runs. Offsets are relative to the data section, so
    reordering the header and re-padding it (spaces, to a multiple of 8, like the library)
    leaves every tensor entry valid.
    """
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + n:]


def save_model(path, model: CRNN, *, labels, features: dict, segment_frames: int,
               normalization: dict, name: str, version: str, training_data: str,
               metrics=None, created=None):
    """Write `model` as a musicindex model file (training/MODEL_FORMAT.md) at `path`.

    labels: genre names in output order. features: the front end's parameters (librosa
    names, every key of default_features()). segment_frames: frames per segment.
    normalization: {"mean", "std"} applied to mel dB before the network. metrics: optional
    JSON-able dict. created: optional ISO 8601 date (omitted by default so output is
    reproducible). Raises ValueError for arguments the format cannot carry.
    """
    metadata = build_metadata(model, labels=labels, features=features,
                              segment_frames=segment_frames, normalization=normalization,
                              name=name, version=version, training_data=training_data,
                              metrics=metrics, created=created)
    data = _canonical_header(safetensors_bytes(model_tensors(model), metadata=metadata))
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def decode_metadata(raw: dict) -> dict:
    """The `__metadata__` strings with the structured values decoded (JSON, integers)."""
    if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"not a {FORMAT} version {FORMAT_VERSION} file "
                         f"(format {raw.get('format')!r}, version {raw.get('format_version')!r})")
    required = ("name", "version", "labels", "architecture", "features", "segment_frames",
                "normalization", "training_data")
    missing = [key for key in required if key not in raw]
    if missing:
        raise ValueError(f"model metadata is missing {', '.join(missing)}")
    metadata = dict(raw)
    for key in ("labels", "architecture", "features", "normalization", "metrics"):
        if key in metadata:
            metadata[key] = json.loads(metadata[key])
    metadata["segment_frames"] = int(metadata["segment_frames"])
    return metadata


def load_model(path):
    """Read a model file; return (CRNN in eval mode, decoded metadata).

    The network is rebuilt from the metadata (architecture, features.n_mels, labels), and
    the file's tensors must be exactly the format's names and shapes.
    """
    with safe_open(path, framework="pt") as f:
        raw = f.metadata() or {}
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    metadata = decode_metadata(raw)
    arch = dict(metadata["architecture"])
    arch["n_mels"] = metadata["features"]["n_mels"]
    arch["n_labels"] = len(metadata["labels"])
    model = CRNN(arch)
    _check_format_architecture(model.architecture)
    expected = tensor_shapes(model.architecture)
    actual = {name: list(t.shape) for name, t in tensors.items()}
    if actual != expected:
        raise ValueError(f"{path}: tensors do not match the architecture: {actual} vs {expected}")
    if any(t.dtype != torch.float32 for t in tensors.values()):
        raise ValueError(f"{path}: every tensor must be F32")
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    assert not unexpected and all(name.endswith("num_batches_tracked") for name in missing)
    model.eval()
    return model, metadata
