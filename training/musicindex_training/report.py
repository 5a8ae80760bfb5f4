"""Evaluation figures and the Markdown report of a training run.

`classification_metrics` computes what the seed reports give (top-1/2/3 accuracy, per-class
precision/recall/F1, confusion matrix); `write_report` turns a run's `run.json` (written by
train.py) into REPORT.md with figures/confusion.png and figures/curves.png.

Regenerate a report from a run without training again:
    python -m musicindex_training.report training/run.json   (from training/, or with PYTHONPATH)
"""

import json
import os
import sys

import numpy as np


def classification_metrics(y_true, probs, labels):
    """Figures for clip predictions: y_true [n] label indices, probs [n, L]."""
    y_true = np.asarray(y_true, dtype=int)
    probs = np.asarray(probs, dtype=float)
    n, n_labels = len(y_true), len(labels)
    result = {"n": int(n)}
    if n == 0:
        return dict(result, accuracy=None, top2=None, top3=None, per_class={}, confusion=[],
                    macro_f1=None)
    # Ranks with ties broken by label order (stable sort of -p), like the engine's ranking.
    order = np.argsort(-probs, axis=1, kind="stable")
    pred = order[:, 0]
    for k in (1, 2, 3):
        hit = (order[:, :min(k, n_labels)] == y_true[:, None]).any(axis=1)
        result["accuracy" if k == 1 else f"top{k}"] = float(hit.mean())
    confusion = np.zeros((n_labels, n_labels), dtype=int)
    for t, p in zip(y_true, pred):
        confusion[t, p] += 1
    per_class = {}
    for i, label in enumerate(labels):
        tp = confusion[i, i]
        predicted, actual = confusion[:, i].sum(), confusion[i, :].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": float(precision), "recall": float(recall), "f1": float(f1),
                            "support": int(actual)}
    supported = [v for v in per_class.values() if v["support"]]
    result.update(confusion=confusion.tolist(), per_class=per_class,
                  macro_f1=float(np.mean([v["f1"] for v in supported])) if supported else None)
    return result


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f} %"


def confusion_table(confusion, labels):
    lines = ["| true \\ predicted | " + " | ".join(labels) + " |",
             "| --- | " + " | ".join("---:" for _ in labels) + " |"]
    for label, row in zip(labels, confusion):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def per_class_table(metrics, labels):
    lines = ["| genre | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for label in labels:
        m = metrics["per_class"].get(label)
        if m:
            lines.append(f"| {label} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {m['support']} |")
    if metrics.get("macro_f1") is not None:
        lines.append(f"| *macro average* | | | {metrics['macro_f1']:.2f} | {metrics['n']} |")
    return "\n".join(lines)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"svg.hashsalt": "musicindex", "figure.dpi": 100})
    return plt


def plot_confusion(confusion, labels, path, title):
    plt = _pyplot()
    confusion = np.asarray(confusion)
    size = max(5.0, 0.6 * len(labels) + 2.5)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    totals = confusion.sum(axis=1, keepdims=True)
    share = np.divide(confusion, totals, out=np.zeros(confusion.shape, dtype=float), where=totals > 0)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(confusion[i, j]), ha="center", va="center",
                    color="white" if share[i, j] > 0.6 else "black", fontsize=9)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_curves(history, path, best_epoch=None):
    plt = _pyplot()
    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, [h["train_loss"] for h in history], "o-", label="train (augmented crops)")
    left.plot(epochs, [h["val_loss"] for h in history], "s-", label="validation (segments)")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    left.set_title("loss")
    right.plot(epochs, [h["train_acc"] for h in history], "o-", label="train (augmented crops)")
    right.plot(epochs, [h["val_acc"] for h in history], "s-", label="validation (clips)")
    right.plot(epochs, [h["val_segment_acc"] for h in history], "^--", label="validation (segments)")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.set_ylim(0, 1.02)
    right.set_title("accuracy")
    from matplotlib.ticker import MaxNLocator
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if best_epoch:
            ax.axvline(best_epoch, color="grey", linestyle=":", linewidth=1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def render(run, figures_rel="figures"):
    """REPORT.md text for a run dict (run.json)."""
    labels = run["labels"]
    test = run["test"]
    base = run.get("baseline") or {}
    c = run["corpus"]
    h = run["history"]
    best = next((row for row in h if row["epoch"] == run["best_epoch"]), h[-1] if h else None)
    lines = [
        "# Genre model: training report",
        "",
        f"Generated by `training/musicindex_training/report.py` from the run below "
        f"(model `{run['model']['name']}` version `{run['model']['version']}`).",
        "",
        "```sh",
        run["command"],
        "```",
        "",
        "## Summary",
        "",
        "| | CRNN (this model) | baseline: MFCC mean/std + logistic regression |",
        "| --- | ---: | ---: |",
        f"| test accuracy (clip) | **{_pct(test['clip']['accuracy'])}** | {_pct(base.get('mfcc', {}).get('accuracy'))} |",
        f"| top-2 accuracy | {_pct(test['clip']['top2'])} | {_pct(base.get('mfcc', {}).get('top2'))} |",
        f"| top-3 accuracy | {_pct(test['clip']['top3'])} | {_pct(base.get('mfcc', {}).get('top3'))} |",
        f"| macro F1 | {test['clip']['macro_f1']:.2f} | "
        + (f"{base['mfcc']['macro_f1']:.2f} |" if base.get('mfcc', {}).get('macro_f1') is not None else "n/a |")
        if test['clip'].get('macro_f1') is not None else "| macro F1 | n/a | n/a |",
        f"| test accuracy (segment, {test['segments']} segments of {_secs(run)} s) | {_pct(test['segment_accuracy'])} | |",
        "",
        f"Test set: {test['clip']['n']} clips never seen in training or model selection. A clip's "
        "prediction is the mean of its segments' softmax outputs (the Swift engine's "
        "track-level distribution), its segments the engine's: consecutive "
        f"{run['segment_frames']}-frame segments, plus one ending at the last frame when at "
        "least half a segment remains.",
        "",
        "## Corpus and split",
        "",
        f"- Corpus: `{c['path']}`: {c['clips']} clips, {len(labels)} genres ({', '.join(labels)})"
        + (f", at most {c['limit_per_genre']} per genre" if c.get("limit_per_genre") else "") + ".",
        _manifest_line(c.get("manifest")),
        f"- Audio: {c.get('total_seconds', 0) / 60:.1f} minutes in all; clip length "
        f"{c.get('min_seconds', 0):.1f}-{c.get('max_seconds', 0):.1f} s.",
        f"- Split by clip, stratified per genre, seed {run['seed']}: train {c['split']['train']}, "
        f"validation {c['split']['val']}, test {c['split']['test']} clips (70/20/10). The clip "
        f"lists are in `{run.get('split_file', 'split.json')}`.",
        f"- Files the front end could not read: {len(c.get('failures', {}))}"
        + "".join(f"\n  - `{p}`: {r}" for p, r in sorted(c.get('failures', {}).items())),
        "",
        "## What the corpus is",
        "",
        run.get("corpus_note") or CORPUS_NOTE,
        "",
        "## Model and training",
        "",
        f"- Network: the seed CRNN (4 x [3x3 conv {run['architecture']['conv_channels']} + batch norm + ReLU + 2x2 max pool], "
        f"GRU {run['architecture']['gru_hidden']}, mean over time, linear), {run['parameters']:,} parameters.",
        "- Input: the Swift front end's mel-spectrogram in dB (`musicindex features --full --spectrogram`: "
        "sr 22050, n_fft 2048, hop 512, 128 Slaney mels, power_to_db ref 1, amin 1e-10, top_db 80), "
        f"normalised with the training set's global mean {run['normalization']['mean']:.3f} dB and "
        f"std {run['normalization']['std']:.3f} dB (stored in the model file).",
        f"- Training examples: random {run['segment_frames']}-frame crops of the training clips, "
        f"new every epoch ({h[0]['train_examples'] if h else 0} per epoch), augmented: "
        f"{run['augmentation']}.",
        f"- Adam, learning rate {run['lr']}, cross-entropy, batch {run['batch']}, at most {run['epochs']} epochs, "
        f"early stopping on validation clip accuracy (patience {run['patience']}); the best epoch "
        f"({run['best_epoch']} of {len(h)}) is kept"
        + (f": validation clip accuracy {_pct(best['val_acc'])}, segment accuracy {_pct(best['val_segment_acc'])}."
           if best else "."),
        f"- Device {run['device']}, {run['threads']} CPU threads, torch {run['torch']}; "
        f"training {run['train_seconds']:.0f} s, whole run {run['wall_seconds']:.0f} s "
        f"(front end {run['extract_seconds']:.0f} s).",
        "",
        f"![training curves]({figures_rel}/curves.png)",
        "",
        "| epoch | train loss | train acc | val loss | val acc (clip) | val acc (segment) | s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in h:
        mark = " *" if row["epoch"] == run["best_epoch"] else ""
        lines.append(f"| {row['epoch']}{mark} | {row['train_loss']:.4f} | {row['train_acc']:.3f} | "
                     f"{row['val_loss']:.4f} | {row['val_acc']:.3f} | {row['val_segment_acc']:.3f} | {row['seconds']:.1f} |")
    lines += [
        "",
        "## Test results (clip level)",
        "",
        per_class_table(test["clip"], labels),
        "",
        "Confusion matrix (rows: true genre, columns: predicted):",
        "",
        confusion_table(test["clip"]["confusion"], labels),
        "",
        f"![confusion matrix]({figures_rel}/confusion.png)",
        "",
        "## Baseline",
        "",
    ]
    if base:
        lines += [
            "For context, the same split classified from engineered features with a logistic "
            "regression (scikit-learn, standardised inputs). The features come from the same "
            "front end (`musicindex features --full --json`, one implementation): MFCC = "
            "13 coefficients (DCT-II ortho of the mel dB), their mean and standard deviation "
            "over the clip (26 values).",
            "",
            "| features | test accuracy | top-2 | top-3 | macro F1 |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for key, title in (("mfcc", "MFCC mean/std (26)"), ("all", "all engineered features")):
            m = base.get(key)
            if m:
                f1 = "n/a" if m.get("macro_f1") is None else f"{m['macro_f1']:.2f}"
                lines.append(f"| {title}{' (' + str(m['dims']) + ')' if key == 'all' else ''} | "
                             f"{_pct(m['accuracy'])} | {_pct(m['top2'])} | {_pct(m['top3'])} | {f1} |")
        if base.get("mfcc", {}).get("confusion"):
            lines += ["", "MFCC baseline confusion matrix:", "",
                      confusion_table(base["mfcc"]["confusion"], labels)]
    else:
        lines.append("Not run (`--no-baseline`).")
    lines += ["", "## Reproducing", "",
              "The command at the top, on the same corpus files, gives the same split and, on the "
              "same device and thread count, the same model (seeds are fixed for Python, NumPy and "
              "torch). Front-end outputs are cached by file path, size and modification time.", ""]
    return "\n".join(lines)


def _manifest_line(manifest):
    if not manifest:
        return "- No `corpus.json` next to the corpus: its origin is as described below."
    parts = [f"{k} {v if not isinstance(v, list) else ', '.join(map(str, v))}"
             for k, v in manifest.items() if k not in ("genres",)]
    return f"- Its `corpus.json`: {'; '.join(parts)}."


def _secs(run):
    return f"{run['segment_frames'] * 512 / 22050:.2f}"


CORPUS_NOTE = (
    "The corpus is **synthetic**: every clip was made by the project's own corpus generator "
    "(rule-based per-genre compositions rendered with General MIDI soundfonts, "
    "post-processed and encoded to MP3), not recorded music. The figures above measure "
    "how well the network tells those recipes apart from the Swift front end's spectrograms, "
    "and they validate the pipeline end to end (front end, training, model file, engine). "
    "They say little about real recordings: real music has vocals, production, mixing and "
    "mastering, and fuzzy genre boundaries that no generator reproduces, so expect accuracy "
    "on a real library to be lower, possibly much lower, and read a predicted label as "
    "\"sounds like the generator's recipe for that genre\". The seed reports' 64-79 % "
    "(GTZAN, Spotify playlists) are the reference figures for real recordings; a model for "
    "real libraries has to be trained on real recordings (`--data` takes a GTZAN-layout "
    "folder or a CSV).")


def write_report(run, report_dir):
    """REPORT.md, figures/confusion.png and figures/curves.png in report_dir."""
    figures = os.path.join(report_dir, "figures")
    os.makedirs(figures, exist_ok=True)
    labels = run["labels"]
    plot_confusion(run["test"]["clip"]["confusion"], labels, os.path.join(figures, "confusion.png"),
                   f"CRNN, test clips (n = {run['test']['clip']['n']})\n"
                   f"accuracy {_pct(run['test']['clip']['accuracy'])}")
    plot_curves(run["history"], os.path.join(figures, "curves.png"), run.get("best_epoch"))
    path = os.path.join(report_dir, "REPORT.md")
    with open(path, "w") as f:
        f.write(render(run))
    return path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (1, 2):
        print("usage: python -m musicindex_training.report RUN.json [REPORT_DIR]", file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        run = json.load(f)
    print(write_report(run, argv[1] if len(argv) == 2 else os.path.dirname(os.path.abspath(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
