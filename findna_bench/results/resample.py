"""Bootstrap replicates of a metric over test examples and seeds (numpy only; prints nothing).

``example_scores`` draws resamples of the test examples (with replacement) and scores every run
on each, all runs on the same draw, so runs of two models are paired on the same examples.
``seed_means`` then resamples one model's runs (seeds) with replacement, independently in every
replicate, and averages their metric: a replicate of (seeds, then examples within), the crossed
design of runs that all score one test split.

For the metrics that depend only on the confusion matrix (``CONFUSION_METRICS``: the builtin
MCC, accuracy, macro and micro F1) no example index is drawn. An example enters every run's
confusion matrix only through its pattern (its label and each run's predicted class), so a
resample of the N examples is fully described by how often each distinct pattern is drawn, which
is multinomial(N, pattern frequencies): the same distribution as N draws with replacement, at a
cost per replicate of K <= N patterns instead of N examples (two classes and six runs: at most
128). Replicates are drawn in blocks that bound memory. Any other metric is evaluated replicate
by replicate on drawn indices (a thousand replicates take seconds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
BLOCK = 2_000_000  # pattern counts per block of replicates (replicates x patterns), ~16 MB


def _mcc_confusion(cm: np.ndarray) -> np.ndarray:
    """scikit-learn's multiclass MCC from confusion matrices ``[B, C, C]``; 0 when undefined."""
    t, p = cm.sum(2), cm.sum(1)
    c, s = np.trace(cm, axis1=1, axis2=2), cm.sum((1, 2))
    cov_tp = c * s - (t * p).sum(1)
    cov_pp, cov_tt = s * s - (p * p).sum(1), s * s - (t * t).sum(1)
    denom = cov_tt * cov_pp
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cov_tp / np.sqrt(denom)
    return np.where(denom == 0, 0.0, out)


def _accuracy_confusion(cm: np.ndarray) -> np.ndarray:
    return np.trace(cm, axis1=1, axis2=2) / cm.sum((1, 2))


def _f1_macro_confusion(cm: np.ndarray) -> np.ndarray:
    tp = np.diagonal(cm, axis1=1, axis2=2)
    denom = cm.sum(2) + cm.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denom == 0, 0.0, 2 * tp / denom)
    return f1.mean(1)


CONFUSION_METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mcc": _mcc_confusion,
    "accuracy": _accuracy_confusion,
    "f1_micro": _accuracy_confusion,
    "f1_macro": _f1_macro_confusion,
}
KNOWN_MODULES = ("findna_bench.results.stats", "findna_bench.builtins.metrics")


def batch_form(metric: Metric) -> Callable[[np.ndarray], np.ndarray] | None:
    """The vectorised form of a builtin metric; None for any other callable (a plugin's "mcc"
    may mean something else)."""
    if getattr(metric, "__module__", None) not in KNOWN_MODULES:
        return None
    return CONFUSION_METRICS.get(getattr(metric, "__name__", ""))


def example_scores(
    labels: np.ndarray,
    probs: np.ndarray,
    preds: np.ndarray,
    metric: Metric,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The metric of every run ``[S, N]`` on each of ``n_boot`` example resamples: ``[B, S]``."""
    batch = batch_form(metric)
    if batch is None:
        return _one_by_one(labels, probs, preds, metric, n_boot, rng)
    classes = probs.shape[-1]
    runs = len(preds)
    patterns, counts = np.unique(np.column_stack([labels, *preds]), axis=0, return_counts=True)
    k = len(patterns)
    cells = np.zeros((k, runs, classes * classes))
    codes = patterns[:, :1] * classes + patterns[:, 1:]  # [K, S]: label x predicted class
    cells[np.arange(k)[:, None], np.arange(runs)[None, :], codes] = 1.0
    cells = cells.reshape(k, -1)
    freq = counts / counts.sum()
    out = np.empty((n_boot, runs))
    step = max(1, BLOCK // k)
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        drawn = rng.multinomial(len(labels), freq, size=size).astype(np.float64)
        cm = (drawn @ cells).reshape(size * runs, classes, classes)
        out[start : start + size] = batch(cm).reshape(size, runs)
    return out


def _one_by_one(
    labels: np.ndarray,
    probs: np.ndarray,
    preds: np.ndarray,
    metric: Metric,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    out = np.empty((n_boot, len(preds)))
    for b in range(n_boot):
        i = rng.integers(0, len(labels), size=len(labels))
        out[b] = [metric(labels[i], preds[s][i], probs[s][i]) for s in range(len(preds))]
    return out


def seed_means(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``[B]``: per replicate, the mean of ``scores[b]`` over S seeds drawn with replacement
    (one seed: its own scores, no seed variance to draw)."""
    n_boot, runs = scores.shape
    if runs == 1:
        return scores[:, 0].copy()
    drawn = rng.integers(0, runs, size=(n_boot, runs))
    return np.take_along_axis(scores, drawn, axis=1).mean(1)
