"""Uncertainty and significance from stored predictions (numpy and scipy only; no torch).

* ``cell_ci``: a percentile bootstrap 95% interval for one (model, task) cell. Each replicate
  resamples the test examples (with replacement, the same draw for every seed, since all seeds
  score the same test split) and the seeds (with replacement), and averages the metric over the
  drawn seeds; the point estimate is the leaderboard's mean over seeds.
* ``paired_bootstrap``: model A against model B on the same test examples. Each replicate draws
  one resample of the examples, scores every seed of each model on it and averages the metric
  over each model's seeds, then takes the difference. Averaging the *metric* (not the seeds'
  probabilities) keeps the point estimate equal to the leaderboard's difference of means: an
  average of probabilities would score a seed ensemble, which is a different (usually better)
  model than any one run. Seeds are not resampled here: the test conditions on the trained runs
  and measures test-set sampling noise; seed spread is reported beside it (``cell_ci`` and the
  seed-level test include it). The two-sided p-value inverts the percentile interval,
  ``p = min(1, 2 * min(P*(d <= 0), P*(d >= 0)))`` with the add-one correction, so p < alpha
  exactly when the 1 - alpha interval excludes zero, and identical predictions give p = 1.
* ``seed_level``: the fallback without stored predictions, Welch's t-test on per-seed values.
* ``wilcoxon_tasks``: signed-rank test over per-task differences (all zero gives p = 1).
* ``average_ranks``, ``friedman``, ``nemenyi_cd``, ``nemenyi_groups``: many models on many
  tasks (Demšar, JMLR 7, 2006), ranks 1 = best with ties averaged, honouring each metric's
  direction; the critical difference uses ``scipy.stats.studentized_range``.

Metrics are callables ``(labels, pred, probs) -> float``. The builtin ones that depend only on
the confusion matrix (MCC, accuracy, macro F1, micro F1 of ``findna_bench.builtins.metrics``,
and ``stats.mcc``) have vectorised batch forms (``CONFUSION_METRICS``) that score a thousand replicates at once; any other callable is
evaluated replicate by replicate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
BATCH = 256  # replicates per block of the vectorised path (bounds memory at B x N floats)


# -- metrics ------------------------------------------------------------------------------------


def mcc(labels: np.ndarray, pred: np.ndarray, probs: np.ndarray) -> float:
    """Matthews correlation, multiclass (scikit-learn)."""
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(labels, pred))


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


def _batch_form(metric: Metric) -> Callable[[np.ndarray], np.ndarray] | None:
    """The vectorised form of a builtin metric; None for any other callable (a plugin's "mcc"
    may mean something else)."""
    if getattr(metric, "__module__", None) not in KNOWN_MODULES:
        return None
    return CONFUSION_METRICS.get(getattr(metric, "__name__", ""))


# -- resampling core ----------------------------------------------------------------------------


def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """``[n_boot, n]`` example indices drawn with replacement (fixed seed: reproducible)."""
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def _as_runs(
    probs: np.ndarray | Sequence[np.ndarray], preds: Sequence[np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-seed probabilities ``[S, N, C]`` and predictions ``[S, N]`` (argmax if absent)."""
    stacked = np.asarray(probs, dtype=np.float64)
    if stacked.ndim == 2:
        stacked = stacked[None]
    pred = stacked.argmax(-1) if preds is None else np.asarray(preds).reshape(stacked.shape[:2])
    return stacked, pred


def run_scores(
    labels: np.ndarray, probs: np.ndarray, preds: np.ndarray, metric: Metric, indices: np.ndarray
) -> np.ndarray:
    """The metric of every seed on every resample: ``[B, S]``."""
    batch = _batch_form(metric)
    if batch is None:
        return np.array(
            [
                [metric(labels[i], preds[s][i], probs[s][i]) for s in range(len(probs))]
                for i in indices
            ]
        )
    classes = probs.shape[-1]
    n = len(labels)
    out = np.empty((len(indices), len(probs)))
    for start in range(0, len(indices), BATCH):
        block = indices[start : start + BATCH]
        rows = np.arange(len(block))[:, None] * n
        weights = np.bincount((block + rows).ravel(), minlength=len(block) * n).reshape(
            len(block), n
        )
        for s in range(len(probs)):
            cells = np.zeros((n, classes * classes))
            cells[np.arange(n), labels * classes + preds[s]] = 1.0
            cm = (weights @ cells).reshape(len(block), classes, classes)
            out[start : start + len(block), s] = batch(cm)
    return out


def _point(labels: np.ndarray, probs: np.ndarray, preds: np.ndarray, metric: Metric) -> float:
    return float(np.mean([metric(labels, preds[s], probs[s]) for s in range(len(probs))]))


# -- one cell -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    n_examples: int
    n_seeds: int
    n_boot: int

    def as_dict(self) -> dict:
        return asdict(self)


def cell_ci(
    labels: np.ndarray,
    probs: np.ndarray | Sequence[np.ndarray],
    metric: Metric,
    *,
    preds: Sequence[np.ndarray] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Bootstrap interval over test examples and seeds for one cell (see the module doc)."""
    labels = np.asarray(labels)
    probs, pred = _as_runs(probs, preds)
    indices = bootstrap_indices(len(labels), n_boot, seed)
    scores = run_scores(labels, probs, pred, metric, indices)
    drawn = np.random.default_rng(seed + 1).integers(0, len(probs), size=(n_boot, len(probs)))
    means = np.take_along_axis(scores, drawn, axis=1).mean(1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return Interval(
        estimate=_point(labels, probs, pred, metric),
        low=float(low),
        high=float(high),
        n_examples=len(labels),
        n_seeds=len(probs),
        n_boot=n_boot,
    )


# -- two models ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A - B in the metric's units, its interval and two-sided p-value, and how they were got."""

    difference: float
    low: float
    high: float
    p_value: float
    method: str
    n_examples: int | None = None
    n_boot: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _two_sided(diffs: np.ndarray) -> float:
    below = (np.sum(diffs <= 0) + 1) / (len(diffs) + 1)
    above = (np.sum(diffs >= 0) + 1) / (len(diffs) + 1)
    return float(min(1.0, 2 * min(below, above)))


def paired_bootstrap(
    labels: np.ndarray,
    probs_a: np.ndarray | Sequence[np.ndarray],
    probs_b: np.ndarray | Sequence[np.ndarray],
    metric: Metric,
    *,
    preds_a: Sequence[np.ndarray] | None = None,
    preds_b: Sequence[np.ndarray] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Difference:
    """Paired bootstrap of mean-over-seeds(A) - mean-over-seeds(B) on shared test examples."""
    labels = np.asarray(labels)
    pa, da = _as_runs(probs_a, preds_a)
    pb, db = _as_runs(probs_b, preds_b)
    if pa.shape[1] != len(labels) or pb.shape[1] != len(labels):
        raise ValueError("paired bootstrap: both models must score the same test examples")
    indices = bootstrap_indices(len(labels), n_boot, seed)
    diffs = run_scores(labels, pa, da, metric, indices).mean(1) - run_scores(
        labels, pb, db, metric, indices
    ).mean(1)
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    point = _point(labels, pa, da, metric) - _point(labels, pb, db, metric)
    return Difference(
        difference=point,
        low=float(low),
        high=float(high),
        p_value=_two_sided(diffs),
        method="paired bootstrap over test examples",
        n_examples=len(labels),
        n_boot=n_boot,
    )


def seed_level(
    values_a: Sequence[float], values_b: Sequence[float], *, alpha: float = 0.05
) -> Difference:
    """Welch's t-test on per-seed values (no stored predictions); NaN with one seed a side."""
    from scipy import stats

    a, b = np.asarray(values_a, float), np.asarray(values_b, float)
    point = float(a.mean() - b.mean())
    method = "seed-level Welch t-test (no stored predictions)"
    if len(a) < 2 or len(b) < 2:
        return Difference(
            difference=point, low=math.nan, high=math.nan, p_value=math.nan, method=method
        )
    if np.ptp(np.concatenate([a, b])) == 0:
        return Difference(difference=0.0, low=0.0, high=0.0, p_value=1.0, method=method)
    test = stats.ttest_ind(a, b, equal_var=False)
    ci = test.confidence_interval(1 - alpha)
    return Difference(
        difference=point,
        low=float(ci.low),
        high=float(ci.high),
        p_value=float(test.pvalue),
        method=method,
    )


# -- many tasks, many models --------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    statistic: float
    p_value: float
    n: int

    def as_dict(self) -> dict:
        return asdict(self)


def wilcoxon_tasks(differences: Sequence[float]) -> Test:
    """Wilcoxon signed-rank test of per-task differences against zero (two-sided)."""
    from scipy import stats

    d = np.asarray([x for x in differences if not math.isnan(x)], float)
    if not np.any(d != 0):
        return Test(statistic=0.0, p_value=1.0, n=len(d))
    result = stats.wilcoxon(d)
    return Test(statistic=float(result.statistic), p_value=float(result.pvalue), n=len(d))


def average_ranks(scores: np.ndarray, higher_is_better: bool | Sequence[bool] = True) -> np.ndarray:
    """Mean rank per model of a ``[models, tasks]`` score matrix (1 = best, ties averaged)."""
    return task_ranks(scores, higher_is_better).mean(1)


def task_ranks(scores: np.ndarray, higher_is_better: bool | Sequence[bool] = True) -> np.ndarray:
    """Per-task ranks ``[models, tasks]``; NaN scores are not allowed (use complete tasks)."""
    from scipy.stats import rankdata

    matrix = np.asarray(scores, float)
    if np.isnan(matrix).any():
        raise ValueError(
            "ranks need a complete models x tasks matrix; drop tasks with missing cells"
        )
    direction = np.broadcast_to(np.asarray(higher_is_better, bool), matrix.shape[1:])
    oriented = np.where(direction[None, :], -matrix, matrix)
    return rankdata(oriented, axis=0, method="average")


@dataclass(frozen=True)
class Friedman:
    """Friedman's chi-square and the Iman-Davenport F (Demšar's recommendation)."""

    statistic: float
    p_value: float
    iman_davenport: float
    iman_davenport_p: float
    k: int
    n: int
    ranks: list[float]

    def as_dict(self) -> dict:
        return asdict(self)


def friedman(scores: np.ndarray, higher_is_better: bool | Sequence[bool] = True) -> Friedman:
    """Friedman test over a ``[models, tasks]`` matrix (needs at least 3 models)."""
    from scipy import stats

    matrix = np.asarray(scores, float)
    k, n = matrix.shape
    if k < 3:
        raise ValueError("the Friedman test needs at least 3 models; compare two with `compare`")
    ranks = task_ranks(matrix, higher_is_better)
    chi2, p = stats.friedmanchisquare(*ranks)
    denom = n * (k - 1) - chi2
    f = math.inf if denom <= 0 else (n - 1) * chi2 / denom
    f_p = 0.0 if math.isinf(f) else float(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))
    return Friedman(
        statistic=float(chi2),
        p_value=float(p),
        iman_davenport=float(f),
        iman_davenport_p=f_p,
        k=k,
        n=n,
        ranks=[float(r) for r in ranks.mean(1)],
    )


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks: q_alpha * sqrt(k (k + 1) / (6 N))."""
    from scipy.stats import studentized_range

    q = studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6 * n)))


def nemenyi_groups(ranks: Mapping[str, float], cd: float) -> list[tuple[str, ...]]:
    """Maximal runs of models (sorted by rank) whose average ranks differ by less than ``cd``;
    each becomes one bar of a critical-difference diagram (singletons are left out)."""
    ordered = sorted(ranks, key=lambda m: ranks[m])
    groups: list[tuple[str, ...]] = []
    covered = 0  # runs ending at or before this index are inside an earlier one
    for i, first in enumerate(ordered):
        end = i
        while end + 1 < len(ordered) and ranks[ordered[end + 1]] - ranks[first] < cd:
            end += 1
        if end > i and end > covered:
            groups.append(tuple(ordered[i : end + 1]))
        covered = max(covered, end)
    return groups
