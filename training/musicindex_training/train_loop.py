"""The training loop: random crops in, early stopping on validation clip accuracy out.

Training examples are random `segment_frames`-wide crops of each training clip's whole
spectrogram, drawn afresh every epoch and augmented (dataset.Augmenter). Validation and
test use the Swift engine's segments of each clip (dataset.segment_starts) and predict a
clip by the mean of its segments' softmax outputs, as the engine does.
"""

import copy
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .dataset import floor_db, random_crop, segments_of


def set_seeds(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def choose_device(name="auto"):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda but torch sees no CUDA device")
    return torch.device(name)


@dataclass
class ClipSet:
    """Clips of one split: their spectrograms (mel dB [n_mels, frames], may be memory
    maps), label indices and names."""
    spectrograms: list
    labels: list
    names: list = field(default_factory=list)

    def __len__(self):
        return len(self.spectrograms)


def normalise(x, normalization, device):
    """(mel_db - mean) / std as a float32 tensor on `device`, [batch, 1, n_mels, T]."""
    t = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32, device=device)
    return ((t - normalization["mean"]) / normalization["std"]).unsqueeze(1)


def crops_for(frames, segment_frames, crops_per_clip):
    """Crops per clip and epoch: the given number, or (0 = auto) as many as the clip has
    whole segments, so an epoch sees about as much audio as the corpus holds."""
    return crops_per_clip if crops_per_clip > 0 else max(1, frames // segment_frames)


def epoch_batches(data: ClipSet, *, segment_frames, batch_size, crops_per_clip, rng, augment):
    """One epoch of (crops [b, n_mels, T] float32 dB, labels [b]) batches, shuffled."""
    items = [i for i, spec in enumerate(data.spectrograms)
             for _ in range(crops_for(spec.shape[1], segment_frames, crops_per_clip))]
    order = rng.permutation(len(items))
    floors = {}
    for start in range(0, len(order), batch_size):
        chosen = [items[k] for k in order[start:start + batch_size]]
        crops = []
        for i in chosen:
            crop, _ = random_crop(data.spectrograms[i], segment_frames, rng)
            if i not in floors:
                floors[i] = floor_db(data.spectrograms[i])
            crops.append(augment(crop, floors[i], rng) if augment else crop)
        yield np.stack(crops), np.array([data.labels[i] for i in chosen], dtype=np.int64)


def train_step(model, optimizer, x, y, loss_fn=None):
    """One optimisation step; returns (loss, correct predictions)."""
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.train()
    optimizer.zero_grad(set_to_none=True)
    logits, _ = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    optimizer.step()
    return float(loss.detach()), int((logits.argmax(1) == y).sum())


@torch.no_grad()
def predict_clips(model, data: ClipSet, *, normalization, segment_frames, device, batch_size=64):
    """Runs every clip's segments through the model (eval mode).

    Returns dict: clip_probs [clips, L] (mean of segment softmax), segment_probs (list of
    [segments, L] per clip), segment_logits (same), embeddings [clips, H] (mean of segment
    embeddings).
    """
    model.eval()
    per_clip = [segments_of(spec, segment_frames) for spec in data.spectrograms]
    counts = [len(s) for s in per_clip]
    if not per_clip:
        return {"clip_probs": np.zeros((0, model.n_labels)), "segment_probs": [], "segment_logits": [],
                "embeddings": np.zeros((0, model.fc.in_features))}
    flat = np.concatenate(per_clip)
    logits, embeddings = [], []
    for start in range(0, len(flat), batch_size):
        out, emb = model(normalise(flat[start:start + batch_size], normalization, device))
        logits.append(out.double().cpu())
        embeddings.append(emb.double().cpu())
    logits = torch.cat(logits)
    probs = torch.softmax(logits, dim=1).numpy()
    embeddings = torch.cat(embeddings).numpy()
    bounds = np.cumsum([0] + counts)
    seg_probs = [probs[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return {
        "clip_probs": np.stack([p.mean(0) for p in seg_probs]),
        "segment_probs": seg_probs,
        "segment_logits": [logits.numpy()[a:b] for a, b in zip(bounds[:-1], bounds[1:])],
        "embeddings": np.stack([embeddings[a:b].mean(0) for a, b in zip(bounds[:-1], bounds[1:])]),
    }


def evaluate(model, data: ClipSet, *, normalization, segment_frames, device):
    """Validation figures: segment-level cross-entropy and accuracy, clip-level accuracy."""
    pred = predict_clips(model, data, normalization=normalization, segment_frames=segment_frames,
                         device=device)
    if len(data) == 0:
        return {"loss": float("nan"), "clip_acc": float("nan"), "segment_acc": float("nan")}, pred
    seg_labels = np.concatenate([[y] * len(p) for y, p in zip(data.labels, pred["segment_probs"])])
    seg_logits = torch.as_tensor(np.concatenate(pred["segment_logits"]))
    loss = float(nn.functional.cross_entropy(seg_logits, torch.as_tensor(seg_labels)))
    seg_acc = float((seg_logits.argmax(1).numpy() == seg_labels).mean())
    clip_acc = float((pred["clip_probs"].argmax(1) == np.array(data.labels)).mean())
    return {"loss": loss, "clip_acc": clip_acc, "segment_acc": seg_acc}, pred


def fit(model, train: ClipSet, val: ClipSet, *, normalization, epochs=40, batch_size=32, lr=1e-3,
        patience=6, segment_frames=128, crops_per_clip=0, device="cpu", seed=1, augment=None,
        log=print):
    """Trains with Adam and cross-entropy; early stopping on validation clip accuracy (ties:
    lower validation loss), keeping the best state. Returns (history, best_epoch); the model
    is left holding the best state."""
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    history, best, best_epoch, best_state, stale = [], None, 0, None, 0
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        total_loss, correct, seen = 0.0, 0, 0
        for x, y in epoch_batches(train, segment_frames=segment_frames, batch_size=batch_size,
                                  crops_per_clip=crops_per_clip, rng=rng, augment=augment):
            xt = normalise(x, normalization, device)
            yt = torch.as_tensor(y, device=device)
            loss, right = train_step(model, optimizer, xt, yt, loss_fn)
            total_loss += loss * len(y)
            correct += right
            seen += len(y)
        val_figures, _ = evaluate(model, val, normalization=normalization,
                                  segment_frames=segment_frames, device=device)
        row = {"epoch": epoch, "train_loss": total_loss / max(seen, 1), "train_acc": correct / max(seen, 1),
               "train_examples": seen, "val_loss": val_figures["loss"], "val_acc": val_figures["clip_acc"],
               "val_segment_acc": val_figures["segment_acc"], "seconds": time.perf_counter() - started}
        history.append(row)
        key = (row["val_acc"] if len(val) else -row["train_loss"],
               -row["val_loss"] if len(val) else 0.0)
        improved = best is None or key > best
        if improved:
            best, best_epoch, stale = key, epoch, 0
            best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
        else:
            stale += 1
        log(f"epoch {epoch:3d}/{epochs}  train loss {row['train_loss']:.4f} acc {row['train_acc']:.3f}"
            f"  | val loss {row['val_loss']:.4f} acc {row['val_acc']:.3f} (segments {row['val_segment_acc']:.3f})"
            f"  | {row['seconds']:.1f} s{'  *' if improved else ''}")
        if patience and stale >= patience:
            log(f"early stop: no better validation clip accuracy for {patience} epochs")
            break
    model.load_state_dict(best_state)
    return history, best_epoch
