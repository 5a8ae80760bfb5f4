#!/usr/bin/env python3
"""Train the musicindex genre model (the seed CRNN) and export it for the Swift engine.

    python training/train.py --data DIR_OR_CSV --out MODEL.safetensors [--report-dir training/]
        [--epochs 40] [--batch 32] [--lr 1e-3] [--seed 1] [--device auto|cpu|cuda]
        [--segment-frames 128] [--patience 6] [--threads 2] [--limit-per-genre N]
        [--name musicindex-genres] [--version X]

--data: a GTZAN-layout folder (genre/<file>, any audio extension) or a CSV `path,genre`.
Every model input comes from the Swift front end (`musicindex features --full
--spectrogram`, cached); see musicindex_training/features.py. Writes the model file, and in
--report-dir: split.json (the clip lists), run.json (every figure of the run), REPORT.md and
figures/{curves,confusion}.png.
"""

import argparse
import hashlib
import json
import os
import platform
import shlex
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from musicindex_training import CRNN, DEFAULT_ARCHITECTURE, default_features, save_model  # noqa: E402
from musicindex_training import dataset, features, report, train_loop  # noqa: E402
from musicindex_training.baseline import run_baseline  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Train the musicindex genre CRNN on front-end spectrograms.")
    p.add_argument("--data", required=True, help="GTZAN-layout folder (genre/file) or CSV path,genre")
    p.add_argument("--out", required=True, help="model file to write (.safetensors)")
    p.add_argument("--report-dir", default=HERE, help="where REPORT.md, figures/, split.json, run.json go (default: training/)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--segment-frames", type=int, default=128)
    p.add_argument("--patience", type=int, default=6, help="epochs without a better validation clip accuracy before stopping (0: never)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--limit-per-genre", type=int, default=0, help="at most N clips per genre (seeded choice)")
    p.add_argument("--crops-per-clip", type=int, default=0, help="random crops per training clip and epoch (0: its number of whole segments)")
    p.add_argument("--no-augment", action="store_true", help="plain random crops (no gain, noise or masking)")
    p.add_argument("--no-baseline", action="store_true", help="skip the engineered-features baseline (extraction is then --segments-only)")
    p.add_argument("--name", default="musicindex-genres")
    p.add_argument("--version", default=None, help="model version (default: YYYY.MM.DD+<hash of the weights>)")
    p.add_argument("--musicindex", default=None, help="musicindex binary (default: $MUSICINDEX_BIN or .build/release/musicindex, built if missing)")
    p.add_argument("--cache-dir", default=None, help=f"front-end cache (default: {features.default_cache_dir()})")
    p.add_argument("--jobs", type=int, default=2, help="files the front end analyses in parallel")
    p.add_argument("--corpus-note", default=None, help="text (or @file) for the report's 'What the corpus is' section (default: the synthetic corpus note)")
    args = p.parse_args(argv)
    if args.segment_frames < 16:
        p.error("--segment-frames must be at least 16 (four 2x2 poolings)")
    return args


def finite(value):
    """JSON-safe copy: NaN and infinities become None."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def log(message):
    print(message, flush=True)


def describe_augmentation(aug):
    if not aug.enabled:
        return "none"
    return (f"gain uniform +-{aug.gain_db:g} dB (an additive dB shift, -100 dB floor kept), "
            f"Gaussian dB noise sigma {aug.noise_db:g} dB with p {aug.noise_p:g}, one mel-band mask "
            f"(<= {aug.freq_mask} bins) and one time mask (<= {aug.time_mask} frames) with p {aug.mask_p:g} each, "
            "masked cells set to the clip's floor (silence)")


def main(argv=None):
    wall = time.perf_counter()
    args = parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(os.path.abspath(__file__))] + (sys.argv[1:] if argv is None else list(argv)))
    torch.set_num_threads(args.threads)
    train_loop.set_seeds(args.seed)
    device = train_loop.choose_device(args.device)
    os.makedirs(args.report_dir, exist_ok=True)

    # Clips, labels, split.
    clips = dataset.limit_per_genre(dataset.discover(args.data), args.limit_per_genre, args.seed)
    labels = dataset.labels_of(clips)
    if len(labels) < 2:
        raise SystemExit(f"need at least two genres, found {labels}")
    split = dataset.split_clips(clips, args.seed)
    log(f"corpus {args.data}: {len(clips)} clips, {len(labels)} genres {labels}; split train "
        f"{len(split['train'])} / val {len(split['val'])} / test {len(split['test'])}")

    # Model inputs from the Swift front end (with the engineered features for the baseline).
    started = time.perf_counter()
    extracted, failures = features.extract([c.path for c in clips], cache_dir=args.cache_dir,
                                           binary=args.musicindex, with_features=not args.no_baseline,
                                           jobs=args.jobs, log=log)
    extract_seconds = time.perf_counter() - started
    if failures:
        log(f"{len(failures)} files could not be read by the front end and are left out")
        split = {k: [c for c in v if c.path in extracted] for k, v in split.items()}
    split_file = os.path.join(args.report_dir, "split.json")
    dataset.save_split(split_file, split, data=args.data, seed=args.seed, labels=labels)
    index = {label: i for i, label in enumerate(labels)}

    def clip_set(members):
        return train_loop.ClipSet([extracted[c.path].load() for c in members],
                                  [index[c.genre] for c in members], [c.path for c in members])

    train, val, test = (clip_set(split[k]) for k in ("train", "val", "test"))
    if len(train) == 0:
        raise SystemExit("no training clips left")
    n_mels = int(train.spectrograms[0].shape[0])
    seconds = [extracted[c.path].record.get("duration") or extracted[c.path].frames * 512 / 22050
               for k in split for c in split[k]]
    normalization = dataset.normalization_stats(train.spectrograms)
    log(f"normalisation over {sum(s.size for s in train.spectrograms):,} training dB values: "
        f"mean {normalization['mean']:.4f}, std {normalization['std']:.4f}")

    # Network and training.
    architecture = dict(DEFAULT_ARCHITECTURE, n_mels=n_mels, n_labels=len(labels))
    model = CRNN(architecture)
    augment = dataset.Augmenter(enabled=not args.no_augment)
    log(f"CRNN {sum(p.numel() for p in model.parameters()):,} parameters on {device}, "
        f"{args.threads} threads; augmentation: {describe_augmentation(augment)}")
    started = time.perf_counter()
    history, best_epoch = train_loop.fit(
        model, train, val, normalization=normalization, epochs=args.epochs, batch_size=args.batch,
        lr=args.lr, patience=args.patience, segment_frames=args.segment_frames,
        crops_per_clip=args.crops_per_clip, device=device, seed=args.seed, augment=augment, log=log)
    train_seconds = time.perf_counter() - started
    log(f"training: {train_seconds:.1f} s, best epoch {best_epoch}")

    # Test figures (clip and segment level).
    test_figures, test_pred = train_loop.evaluate(model, test, normalization=normalization,
                                                  segment_frames=args.segment_frames, device=device)
    clip_metrics = report.classification_metrics(test.labels, test_pred["clip_probs"], labels)
    n_segments = int(sum(len(p) for p in test_pred["segment_probs"]))
    log(f"test: clip accuracy {clip_metrics['accuracy']}, top-2 {clip_metrics['top2']}, "
        f"top-3 {clip_metrics['top3']}, segment accuracy {test_figures['segment_acc']:.4f} "
        f"({len(test)} clips, {n_segments} segments)")

    baseline = {}
    if not args.no_baseline and len(test):
        def feats(members):
            return [extracted[c.path].features for c in members]
        for kind in ("mfcc", "all"):
            baseline[kind] = run_baseline(feats(split["train"]), train.labels, feats(split["test"]),
                                          test.labels, labels, kind=kind, seed=args.seed)
        log(f"baseline (MFCC mean/std + logistic regression): accuracy {baseline['mfcc']['accuracy']}; "
            f"all engineered features: {baseline['all']['accuracy']}")

    # Export.
    model = model.cpu().eval()
    version = args.version
    if not version:
        digest = hashlib.sha256()
        for name, tensor in sorted(model.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().contiguous().numpy().tobytes())
        version = time.strftime("%Y.%m.%d") + "+" + digest.hexdigest()[:8]
    sizes = {k: len(v) for k, v in split.items()}
    manifest = dataset.corpus_manifest(args.data)
    generator = ""
    if manifest and manifest.get("generator"):
        generator = (f" (synthetic: {manifest['generator']} v{manifest.get('version', '?')}, "
                     f"seed {manifest.get('seed', '?')}, {manifest.get('seconds', '?')} s clips)")
    training_data = (
        f"corpus {os.path.abspath(args.data)}{generator}: {sum(sizes.values())} clips, {len(labels)} genres "
        f"({', '.join(labels)}), {sum(seconds) / 60:.1f} min of audio"
        + (f", at most {args.limit_per_genre} per genre" if args.limit_per_genre else "")
        + f"; split by clip, stratified per genre, seed {args.seed}: train {sizes['train']}, "
        f"val {sizes['val']}, test {sizes['test']}; inputs: musicindex features --full --spectrogram, "
        f"random {args.segment_frames}-frame crops; best epoch {best_epoch} of {len(history)}")
    model_metrics = {
        "test_clips": len(test), "test_segments": n_segments,
        "test_accuracy": clip_metrics["accuracy"], "test_top2": clip_metrics["top2"],
        "test_top3": clip_metrics["top3"], "test_segment_accuracy": test_figures["segment_acc"] if len(test) else None,
        "test_macro_f1": clip_metrics["macro_f1"],
        "test_f1": {k: v["f1"] for k, v in clip_metrics["per_class"].items()},
        "val_accuracy": history[best_epoch - 1]["val_acc"] if len(val) else None,
        "baseline_mfcc_logreg_accuracy": baseline.get("mfcc", {}).get("accuracy"),
    }
    model_metrics = finite(model_metrics)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    save_model(args.out, model, labels=labels, features=default_features(n_mels),
               segment_frames=args.segment_frames, normalization=normalization, name=args.name,
               version=version, training_data=training_data, metrics=model_metrics)
    log(f"model written: {args.out} ({args.name} {version})")

    # Run record and report.
    corpus_note = args.corpus_note
    if corpus_note and corpus_note.startswith("@"):
        with open(corpus_note[1:]) as f:
            corpus_note = f.read().strip()
    run = {
        "command": command, "labels": labels, "seed": args.seed, "epochs": args.epochs,
        "batch": args.batch, "lr": args.lr, "patience": args.patience, "threads": args.threads,
        "segment_frames": args.segment_frames, "device": str(device), "torch": torch.__version__,
        "python": platform.python_version(), "model": {"path": os.path.abspath(args.out), "name": args.name, "version": version},
        "architecture": {k: v for k, v in model.architecture.items()},
        "parameters": sum(p.numel() for p in model.parameters()),
        "normalization": normalization, "augmentation": describe_augmentation(augment),
        "corpus": {"path": os.path.abspath(args.data), "clips": sum(sizes.values()), "split": sizes,
                   "limit_per_genre": args.limit_per_genre, "failures": failures, "manifest": manifest,
                   "total_seconds": sum(seconds), "min_seconds": min(seconds), "max_seconds": max(seconds)},
        "corpus_note": corpus_note, "split_file": os.path.relpath(split_file, args.report_dir),
        "history": history, "best_epoch": best_epoch,
        "test": {"clip": clip_metrics, "segment_accuracy": test_figures["segment_acc"] if len(test) else None,
                 "segments": n_segments,
                 "predictions": [{"path": p, "genre": labels[y], "probabilities": [round(float(v), 6) for v in probs]}
                                 for p, y, probs in zip(test.names, test.labels, test_pred["clip_probs"])]},
        "baseline": baseline,
        "extract_seconds": extract_seconds, "train_seconds": train_seconds,
    }
    run["wall_seconds"] = time.perf_counter() - wall
    run = finite(run)
    with open(os.path.join(args.report_dir, "run.json"), "w") as f:
        json.dump(run, f, indent=1)
        f.write("\n")
    if len(test):
        path = report.write_report(run, args.report_dir)
        log(f"report written: {path}")
    log(f"total wall time {time.perf_counter() - wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
