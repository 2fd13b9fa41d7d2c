"""Uncertainty and significance from stored predictions (numpy and scipy only; no torch).

* ``cell_ci``: a percentile bootstrap interval for one (model, task) cell. Each replicate
  resamples the seeds (with replacement) and the test examples (with replacement, one draw
  shared by every seed, since all seeds score the same test split) and averages the metric over
  the drawn seeds; the point estimate is the leaderboard's mean over seeds.
* ``paired_bootstrap``: model A against model B on the same test examples, hierarchically. Each
  replicate draws one resample of the examples, scores every run of both models on it, then
  draws each model's seeds with replacement (independently: seed k of A and seed k of B are
  unrelated trainings, and the models may have different numbers of seeds) and takes the
  difference of the two means over drawn seeds. Seed-to-seed variance is therefore inside the
  interval (``resample_seeds=False`` gives the examples-only bootstrap, which conditions on the
  trained runs). Averaging the *metric* (not the seeds' probabilities) keeps the point
  estimate equal to the leaderboard's difference of means. The two-sided p-value inverts the
  percentile interval, ``p = min(1, 2 * min(P*(d <= 0), P*(d >= 0)))`` with the add-one
  correction ``(count + 1) / (B + 1)``, so p < alpha when the 1 - alpha interval excludes zero,
  and identical single-seed predictions give p = 1. ``mc_error`` is the Monte-Carlo standard
  error of that p, ``2 * sqrt(q (1 - q) / B)`` for the tail proportion q: how much p moves
  with the bootstrap seed.
* ``task_mean``: the mean difference over tasks, with an interval from resampling the tasks
  (with replacement), each drawn task contributing an independent draw of its own replicates
  (seeds and examples): tasks, then seeds, then examples.
* ``seed_level``: the fallback without stored predictions, Welch's t-test on per-seed values.
* ``wilcoxon_tasks``: signed-rank test over per-task differences (all zero gives p = 1).
* ``average_ranks``, ``friedman``, ``nemenyi_cd``, ``nemenyi_groups``: many models on many
  tasks (Demšar, JMLR 7, 2006), ranks 1 = best with ties averaged, honouring each metric's
  direction; the critical difference uses ``scipy.stats.studentized_range``.
  ``nemenyi_fragile`` lists the pairs whose Nemenyi verdict changes when one task is left out.

Metrics are callables ``(labels, pred, probs) -> float``; ``findna_bench.results.resample``
scores the builtin confusion-matrix metrics on ten thousand replicates at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from findna_bench.results.resample import Metric, example_scores, seed_means

Seed = int | Sequence[int]  # anything np.random.default_rng takes as entropy


def mcc(labels: np.ndarray, pred: np.ndarray, probs: np.ndarray) -> float:
    """Matthews correlation, multiclass (scikit-learn)."""
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(labels, pred))


def _as_runs(
    probs: np.ndarray | Sequence[np.ndarray], preds: Sequence[np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-seed probabilities ``[S, N, C]`` and predictions ``[S, N]`` (argmax if absent)."""
    stacked = np.asarray(probs, dtype=np.float64)
    if stacked.ndim == 2:
        stacked = stacked[None]
    pred = stacked.argmax(-1) if preds is None else np.asarray(preds).reshape(stacked.shape[:2])
    return stacked, pred


def _point(labels: np.ndarray, probs: np.ndarray, preds: np.ndarray, metric: Metric) -> float:
    return float(np.mean([metric(labels, preds[s], probs[s]) for s in range(len(probs))]))


def two_sided(draws: np.ndarray) -> tuple[float, float]:
    """The bootstrap two-sided p-value of ``draws`` against zero and its Monte-Carlo error."""
    n = len(draws)
    tail = (min(np.sum(draws <= 0), np.sum(draws >= 0)) + 1) / (n + 1)
    return float(min(1.0, 2 * tail)), float(2 * math.sqrt(tail * (1 - tail) / n))


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
    n_boot: int = 10_000,
    alpha: float = 0.05,
    seed: Seed = 0,
) -> Interval:
    """Bootstrap interval over seeds and test examples for one cell (see the module doc)."""
    labels = np.asarray(labels)
    probs, pred = _as_runs(probs, preds)
    rng = np.random.default_rng(seed)
    means = seed_means(example_scores(labels, probs, pred, metric, n_boot, rng), rng)
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
    """A - B in the metric's units, its interval and two-sided p-value, and how they were got.
    ``draws`` (the bootstrap replicates of A - B, not serialised) feed ``task_mean``."""

    difference: float
    low: float
    high: float
    p_value: float
    method: str
    n_examples: int | None = None
    n_boot: int | None = None
    mc_error: float = 0.0  # Monte-Carlo standard error of p_value (0: not a bootstrap p)
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "draws"}


def paired_bootstrap(
    labels: np.ndarray,
    probs_a: np.ndarray | Sequence[np.ndarray],
    probs_b: np.ndarray | Sequence[np.ndarray],
    metric: Metric,
    *,
    preds_a: Sequence[np.ndarray] | None = None,
    preds_b: Sequence[np.ndarray] | None = None,
    n_boot: int = 10_000,
    alpha: float = 0.05,
    seed: Seed = 0,
    resample_seeds: bool = True,
) -> Difference:
    """Hierarchical paired bootstrap of mean-over-seeds(A) - mean-over-seeds(B) on shared test
    examples (see the module doc)."""
    labels = np.asarray(labels)
    pa, da = _as_runs(probs_a, preds_a)
    pb, db = _as_runs(probs_b, preds_b)
    if pa.shape[1] != len(labels) or pb.shape[1] != len(labels):
        raise ValueError("paired bootstrap: both models must score the same test examples")
    if pa.shape[2] != pb.shape[2]:
        raise ValueError("paired bootstrap: both models must score the same classes")
    rng = np.random.default_rng(seed)
    scores = example_scores(
        labels, np.concatenate([pa, pb]), np.concatenate([da, db]), metric, n_boot, rng
    )
    a, b = scores[:, : len(pa)], scores[:, len(pa) :]
    draws = seed_means(a, rng) - seed_means(b, rng) if resample_seeds else a.mean(1) - b.mean(1)
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    p, error = two_sided(draws)
    return Difference(
        difference=_point(labels, pa, da, metric) - _point(labels, pb, db, metric),
        low=float(low),
        high=float(high),
        p_value=p,
        method=_method(len(pa), len(pb), resample_seeds),
        n_examples=len(labels),
        n_boot=n_boot,
        mc_error=error,
        draws=draws,
    )


def _method(seeds_a: int, seeds_b: int, resample_seeds: bool) -> str:
    if not resample_seeds:
        return "paired bootstrap over test examples"
    single = [side for side, n in (("A", seeds_a), ("B", seeds_b)) if n == 1]
    if single:
        return f"hierarchical bootstrap (one seed of {' and '.join(single)}: no seed variance)"
    return "hierarchical bootstrap over seeds and test examples"


def task_mean(
    advantages: Sequence[float],
    draws: Sequence[np.ndarray | None],
    *,
    n_boot: int,
    alpha: float = 0.05,
    seed: Seed = 0,
) -> Difference:
    """Mean of per-task ``advantages`` with an interval over tasks (see the module doc); a task
    without ``draws`` (seed-level fallback) enters every replicate with its point value."""
    point = np.asarray(advantages, float)
    tasks = len(point)
    matrix = np.column_stack(
        [np.full(n_boot, point[t]) if d is None else d for t, d in enumerate(draws)]
    )  # [B, tasks]: every task's replicates (B each)
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, tasks, size=(n_boot, tasks))
    column = rng.integers(0, n_boot, size=(n_boot, tasks))  # a fresh within-task draw per slot
    means = matrix[column, chosen].mean(1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    p, error = two_sided(means)
    return Difference(
        difference=float(point.mean()),
        low=float(low),
        high=float(high),
        p_value=p,
        method="bootstrap over tasks, then seeds and test examples within each",
        n_boot=n_boot,
        mc_error=error,
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


def nemenyi_fragile(
    scores: np.ndarray, higher_is_better: bool | Sequence[bool] = True, alpha: float = 0.05
) -> list[tuple[int, int, int]]:
    """``(i, j, t)`` for every pair of models i < j whose Nemenyi verdict (average ranks at
    least the critical difference apart) changes when task t alone is left out (3+ tasks)."""
    ranks = task_ranks(scores, higher_is_better)
    k, n = ranks.shape
    if n < 3:
        return []

    def apart(matrix: np.ndarray) -> np.ndarray:
        mean = matrix.mean(1)
        return np.abs(mean[:, None] - mean[None, :]) >= nemenyi_cd(k, matrix.shape[1], alpha)

    full = apart(ranks)
    return [
        (int(i), int(j), t)
        for t in range(n)
        for i, j in zip(*np.nonzero(np.triu(apart(np.delete(ranks, t, axis=1)) != full, 1)))
    ]
