"""A context baseline: engineered features + logistic regression, on the CRNN's split.

The features are the Swift front end's own (`musicindex features --full --json`), so there
is one implementation of MFCC & co.: `mfccMean` / `mfccStd` are 13 MFCCs (DCT-II ortho of
the same mel dB the CRNN sees) averaged over the clip and their standard deviations.
"""

import numpy as np

from .report import classification_metrics

SCALARS = ("tempo", "beatStrength", "onsetRate", "loudness", "loudnessRange", "rms",
           "spectralCentroid", "spectralBandwidth", "spectralRolloff", "spectralFlatness",
           "zeroCrossingRate", "energy", "danceability", "acousticness", "instrumentalness")
VECTORS = ("mfccMean", "mfccStd", "chromaMean")


def feature_vector(features, kind="mfcc"):
    """A clip's feature vector from the CLI's `features` object; NaN for missing (null)
    values (silence has no loudness or scores)."""
    def value(v):
        return np.nan if v is None else float(v)
    vector = [value(v) for v in features["mfccMean"]] + [value(v) for v in features["mfccStd"]]
    if kind == "all":
        vector += [value(v) for v in features["chromaMean"]]
        vector += [value(features.get(key)) for key in SCALARS]
    elif kind != "mfcc":
        raise ValueError(f"unknown feature set {kind!r}")
    return vector


def run_baseline(train_features, train_labels, test_features, test_labels, labels, kind="mfcc", seed=1):
    """Fits standardise + logistic regression on the training clips; returns the test
    figures (classification_metrics) with the input size."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train = np.array([feature_vector(f, kind) for f in train_features], dtype=float)
    x_test = np.array([feature_vector(f, kind) for f in test_features], dtype=float)
    y_train = np.asarray(train_labels, dtype=int)
    model = make_pipeline(SimpleImputer(strategy="mean", keep_empty_features=True), StandardScaler(),
                          LogisticRegression(max_iter=5000, random_state=seed))
    model.fit(x_train, y_train)
    # predict_proba's columns are the classes seen in training; spread them over all labels.
    probs = np.zeros((len(x_test), len(labels)))
    if len(x_test):
        probs[:, model.classes_] = model.predict_proba(x_test)
    metrics = classification_metrics(test_labels, probs, labels)
    metrics["dims"] = int(x_train.shape[1])
    return metrics
