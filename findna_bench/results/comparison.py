"""Model A against model B, task by task and across tasks, from records and stored predictions.

A model is named as on the leaderboard (``cnn``, ``cnn [linear-probe]``). For every task both
have run, the seeds of each (the latest successful record per seed) are compared with a
hierarchical paired bootstrap (``stats.paired_bootstrap``: seeds, then the shared test examples)
when every record has stored predictions of the same test labels; otherwise with a seed-level
Welch t-test, and the task says why. Each task draws from its own stream (the bootstrap seed and
the task's name), so a task's numbers do not depend on which other tasks are compared.

The per-task p-values are adjusted over the tasks compared (``multiplicity.adjust``: Holm by
default, Benjamini-Hochberg or none), and a task counts as a win in the verdict when its
adjusted p is below alpha; a task whose verdict the bootstrap's Monte-Carlo error could flip is
named as fragile. Across tasks: the mean advantage with an interval from resampling tasks
(``stats.task_mean``) and a Wilcoxon signed-rank test, both on differences oriented so that
positive means A is better (metrics where lower is better are flipped). Pure: returns numbers
and a verdict line, prints nothing (``comparison_table`` lays the rows out).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from findna_bench.errors import ConfigError, DataError
from findna_bench.results import multiplicity, predictions, stats
from findna_bench.results.evidence import disagreements
from findna_bench.results.rows import base_labels, row_label, variants

Resolver = Callable[[str], tuple[stats.Metric, bool]]  # metric name -> (function, higher is better)


@dataclass
class TaskComparison:
    task: str
    metric: str
    higher_is_better: bool
    seeds_a: list[int]
    seeds_b: list[int]
    mean_a: float
    mean_b: float
    std_a: float
    std_b: float
    test: stats.Difference
    better: str | None = None  # the model significantly better (adjusted p), if any
    note: str | None = None  # why the seed-level fallback was used
    p_adjusted: float = math.nan  # over the tasks compared (``Comparison.adjust``)
    fragile: bool = False  # the verdict could flip within the p-value's Monte-Carlo error

    @property
    def advantage(self) -> float:
        """A - B, signed so that positive favours A whatever the metric's direction."""
        return self.test.difference if self.higher_is_better else -self.test.difference


@dataclass
class Comparison:
    a: str
    b: str
    alpha: float
    tasks: list[TaskComparison]
    wilcoxon: stats.Test
    across: stats.Difference  # mean advantage of A over the tasks, tasks resampled
    verdict: str
    adjust: str = "holm"
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    failed_a: list[str] = field(default_factory=list)  # tasks with a failed run (no later ok)
    failed_b: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["across"] = self.across.as_dict()
        for task, entry in zip(self.tasks, out["tasks"]):
            entry["test"] = task.test.as_dict()
            entry["advantage"] = task.advantage
        return out


def failed_tasks(records: list[dict], name: str) -> list[str]:
    """Tasks where a run of the model failed and no later run of that seed succeeded."""
    several = len({r.get("profile") for r in records}) > 1
    last: dict[tuple, str | None] = {}
    for r in sorted(records, key=lambda r: r.get("started_at", "")):
        if name in (row_label(r, several), row_label(r, False)):
            last[(r.get("task"), r.get("seed"))] = r.get("status")
    return sorted({task for (task, _), status in last.items() if status != "ok"})


def runs_of(records: list[dict], name: str) -> dict[str, dict[int, dict]]:
    """``{task: {seed: record}}`` of a model's successful runs, the latest record per seed.

    ``name`` is a model (with its mode) or a leaderboard row label (``findna [pretrain.seed=1]``);
    a model with runs of several configs or identities on one task must be named by its row
    label: one comparison never pools them."""
    several = len({r.get("profile") for r in records}) > 1
    ok = [r for r in records if r.get("status") == "ok"]
    labels = dict(zip(map(id, ok), variants(ok, base_labels(ok))))
    mine = [
        r
        for r in ok
        if name in (row_label(r, several), row_label(r, False)) or labels[id(r)] == name
    ]
    for task in dict.fromkeys(r["task"] for r in mine):
        rows = sorted({labels[id(r)] for r in mine if r["task"] == task})
        if len(rows) > 1:
            raise ConfigError(
                f"{name} has runs of {len(rows)} configs or identities on {task} "
                f"({'; '.join(rows)}); name one row, e.g. compare '{rows[0]}' B"
            )
    chosen: dict[str, dict[int, dict]] = {}
    for r in sorted(mine, key=lambda r: r.get("started_at", "")):
        chosen.setdefault(r["task"], {})[r["seed"]] = r
    for task, by_seed in chosen.items():
        profiles = {r.get("profile") for r in by_seed.values()}
        if len(profiles) > 1:
            listed = ", ".join(sorted(map(str, profiles)))
            raise ConfigError(
                f"{name} on {task} has runs of several profiles ({listed}); pass --profile"
            )
    return chosen


def _values(runs: dict[int, dict], metric: str, task: str) -> list[float]:
    if any(r.get("sealed_test") is True for r in runs.values()):
        raise ConfigError(
            f"{task}: its test split is sealed (run --sealed-test); compare on it after "
            "`findna-bench unseal`, once the protocol is fixed"
        )
    tests = [r["metrics"]["test"] for r in runs.values()]
    missing = [t for t in tests if metric not in t]
    if missing:
        raise ConfigError(
            f"metric '{metric}' is not recorded for {task}; recorded: "
            f"{', '.join(sorted(missing[0]))}"
        )
    return [float(t[metric]) for t in tests]


def _stored(root: Path, runs_a: dict, runs_b: dict) -> tuple[list, list, str | None]:
    """Loaded predictions of both sides, or the reason they cannot be paired."""
    missing = [
        f"{side} seed {seed}"
        for side, runs in (("A", runs_a), ("B", runs_b))
        for seed, r in runs.items()
        if not r.get("predictions")
    ]
    if missing:
        return [], [], "no stored predictions (" + ", ".join(missing) + "); seed-level test"
    try:
        loaded_a = [predictions.load(root, r) for r in runs_a.values()]
        loaded_b = [predictions.load(root, r) for r in runs_b.values()]
    except DataError as exc:  # a file not copied with its record, or changed: this task only
        return [], [], f"{exc}; seed-level test"
    labels = loaded_a[0].labels
    if any(
        p.labels.shape != labels.shape or np.any(p.labels != labels) for p in loaded_a + loaded_b
    ):
        return [], [], "test labels differ between runs (other data or policy); seed-level test"
    return loaded_a, loaded_b, None


def compare_task(
    task: str,
    runs_a: dict,
    runs_b: dict,
    *,
    root: Path,
    metric: str | None,
    resolve: Resolver,
    n_boot: int,
    alpha: float,
    seed: int,
) -> TaskComparison:
    first = next(iter(runs_a.values()))
    name = metric or first["main_metric"]
    fn, higher = resolve(name)
    if name == first["main_metric"]:
        higher = bool(first.get("higher_is_better", higher))
    values_a, values_b = _values(runs_a, name, task), _values(runs_b, name, task)
    loaded_a, loaded_b, note = _stored(root, runs_a, runs_b)
    if note is None:
        wrong = disagreements(list(runs_a.values()), loaded_a, name, fn) + disagreements(
            list(runs_b.values()), loaded_b, name, fn
        )
        if wrong:
            raise DataError(f"{task}: {wrong[0]}; compare refuses a record its evidence denies")
    if note is None:
        test = stats.paired_bootstrap(
            loaded_a[0].labels,
            [p.probs for p in loaded_a],
            [p.probs for p in loaded_b],
            fn,
            preds_a=[p.pred for p in loaded_a],
            preds_b=[p.pred for p in loaded_b],
            n_boot=n_boot,
            alpha=alpha,
            seed=task_seed(seed, task),
        )
    else:
        test = stats.seed_level(values_a, values_b, alpha=alpha)
    return TaskComparison(
        task=task,
        metric=name,
        higher_is_better=higher,
        seeds_a=sorted(runs_a),
        seeds_b=sorted(runs_b),
        mean_a=float(np.mean(values_a)),
        mean_b=float(np.mean(values_b)),
        std_a=_std(values_a),
        std_b=_std(values_b),
        test=test,
        note=note,
    )


def task_seed(seed: int, task: str) -> list[int]:
    """The bootstrap stream of one task: the user's seed and a hash of the task's name."""
    return [seed, zlib.crc32(task.encode())]


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def judge(tasks: list[TaskComparison], method: str, alpha: float) -> None:
    """Set each task's adjusted p, its fragility and the side it favours (adjusted p < alpha)."""
    p = [t.test.p_value for t in tasks]
    errors = [t.test.mc_error for t in tasks]
    adjusted = multiplicity.adjust(p, method)
    weak = multiplicity.fragile(p, errors, method, alpha)
    for t, q, w in zip(tasks, adjusted, weak):
        t.p_adjusted, t.fragile = float(q), bool(w)
        if q < alpha and t.advantage != 0:
            t.better = "A" if t.advantage > 0 else "B"


def verdict(result: Comparison, failed: dict[str, list[str]] | None = None) -> str:
    """One line: each side's significant wins (adjusted p), the mean over tasks and the
    Wilcoxon test across tasks, the fragile tasks, and the tasks where a side has failed runs
    (``failed``: model -> tasks). It holds no bootstrap number, so two bootstrap seeds give the
    same line unless a task is named fragile."""
    a, b, tasks, alpha = result.a, result.b, result.tasks, result.alpha
    n = len(tasks)
    rule = f"{multiplicity.METHODS[result.adjust]}-adjusted p < {alpha:g}"
    if result.adjust == "none":
        rule = f"p < {alpha:g}, not adjusted for {n} tasks"
    wins = []
    for x, y, side in ((a, b, "A"), (b, a, "B")):
        won = [t.task for t in tasks if t.better == side]
        if won:
            wins.append(
                f"{x} is significantly better than {y} on {len(won)} of {n} "
                f"task{'s' * (n != 1)} ({', '.join(won)})"
            )
    leader = a if result.across.difference > 0 else b
    mean = "the mean over tasks does not differ significantly"
    if result.across.p_value < alpha:
        mean = f"the mean over tasks favours {leader}"
    if multiplicity.fragile([result.across.p_value], [result.across.mc_error], "none", alpha)[0]:
        mean += " (fragile within Monte-Carlo error)"
    wilcoxon = f"Wilcoxon p={result.wilcoxon.p_value:.3g} over {result.wilcoxon.n} tasks"
    if result.wilcoxon.p_value < alpha:
        wilcoxon += f" ({leader} better across tasks)"
    if wins:
        line = "; ".join(wins) + f" by {rule}; {mean}; {wilcoxon}"
    elif result.across.p_value >= alpha and result.wilcoxon.p_value >= alpha:
        line = f"no task differs significantly between {a} and {b} (by {rule}); {mean}; {wilcoxon}"
    else:
        line = f"no task alone differs significantly (by {rule}); {mean}; {wilcoxon}"
    weak = [t.task for t in tasks if t.fragile]
    if weak:
        line += "; fragile within Monte-Carlo error (another bootstrap seed may flip it): "
        line += ", ".join(weak)
    for model, where in (failed or {}).items():
        if where:
            line += f"; {model} has failed runs on {', '.join(where)}"
    return line


def compare(
    records: list[dict],
    a: str,
    b: str,
    *,
    results_root: Path,
    metric: str | None = None,
    resolve: Resolver,
    n_boot: int = 10_000,
    alpha: float = 0.05,
    seed: int = 0,
    adjust: str = "holm",
) -> Comparison:
    """Compare ``a`` with ``b`` on every task both have successful runs of."""
    if a == b:
        raise ConfigError(f"compare needs two different models; A and B are both '{a}'")
    if adjust not in multiplicity.METHODS:
        raise ConfigError(f"--adjust {adjust}: choose one of {', '.join(multiplicity.METHODS)}")
    runs_a, runs_b = runs_of(records, a), runs_of(records, b)
    for name, runs in ((a, runs_a), (b, runs_b)):
        if not runs:
            raise ConfigError(f"no successful records of model '{name}' in {results_root}")
    shared = [t for t in runs_a if t in runs_b]
    if not shared:
        raise ConfigError(f"{a} and {b} have no task in common in {results_root}")
    tasks = [
        compare_task(
            t,
            runs_a[t],
            runs_b[t],
            root=results_root,
            metric=metric,
            resolve=resolve,
            n_boot=n_boot,
            alpha=alpha,
            seed=seed,
        )
        for t in shared
    ]
    judge(tasks, adjust, alpha)
    signs = [1.0 if t.higher_is_better else -1.0 for t in tasks]
    across = stats.task_mean(
        [t.advantage for t in tasks],
        [None if t.test.draws is None else s * t.test.draws for t, s in zip(tasks, signs)],
        n_boot=n_boot,
        alpha=alpha,
        seed=task_seed(seed, "across tasks"),
    )
    failed = {name: failed_tasks(records, name) for name in (a, b)}
    result = Comparison(
        a=a,
        b=b,
        alpha=alpha,
        tasks=tasks,
        wilcoxon=stats.wilcoxon_tasks([t.advantage for t in tasks]),
        across=across,
        verdict="",
        adjust=adjust,
        only_a=[t for t in runs_a if t not in runs_b],
        only_b=[t for t in runs_b if t not in runs_a],
        failed_a=failed[a],
        failed_b=failed[b],
    )
    result.verdict = verdict(result, failed)
    return result
