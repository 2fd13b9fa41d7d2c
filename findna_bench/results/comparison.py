"""Model A against model B, task by task and across tasks, from records and stored predictions.

A model is named as on the leaderboard (``cnn``, ``cnn [linear-probe]``). For every task both
have run, the seeds of each (the latest successful record per seed) are compared with a paired
bootstrap over the shared test examples (``stats.paired_bootstrap``) when every record has
stored predictions of the same test labels; otherwise with a seed-level Welch t-test, and the
task says why. Across tasks, a Wilcoxon signed-rank test runs over the per-task differences
oriented so that positive means A is better (metrics where lower is better are flipped). Pure:
returns numbers, a verdict line and the per-task table as a frame (``table_frame``), prints
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from findna_bench.errors import ConfigError, DataError
from findna_bench.results import predictions, stats
from findna_bench.results.rows import row_label

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
    better: str | None = None  # the model significantly better on this task, if any
    note: str | None = None  # why the seed-level fallback was used

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
    verdict: str
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    failed_a: list[str] = field(default_factory=list)  # tasks with a failed run (no later ok)
    failed_b: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        for task, entry in zip(self.tasks, out["tasks"]):
            entry["advantage"] = task.advantage
        return out


def failed_tasks(records: list[dict], name: str) -> list[str]:
    """Tasks where a run of the model failed and no later run of that seed succeeded."""
    several = len({r.get("profile") for r in records}) > 1
    last: dict[tuple, str] = {}
    for r in sorted(records, key=lambda r: r.get("started_at", "")):
        if name in (row_label(r, several), row_label(r, False)):
            last[(r.get("task"), r.get("seed"))] = r.get("status")
    return sorted({task for (task, _), status in last.items() if status != "ok"})


def runs_of(records: list[dict], name: str) -> dict[str, dict[int, dict]]:
    """``{task: {seed: record}}`` of a model's successful runs, the latest record per seed."""
    several = len({r.get("profile") for r in records}) > 1
    chosen: dict[str, dict[int, dict]] = {}
    for r in sorted(records, key=lambda r: r.get("started_at", "")):
        if r.get("status") == "ok" and name in (row_label(r, several), row_label(r, False)):
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
        test = stats.paired_bootstrap(
            loaded_a[0].labels,
            [p.probs for p in loaded_a],
            [p.probs for p in loaded_b],
            fn,
            preds_a=[p.pred for p in loaded_a],
            preds_b=[p.pred for p in loaded_b],
            n_boot=n_boot,
            alpha=alpha,
            seed=seed,
        )
    else:
        test = stats.seed_level(values_a, values_b, alpha=alpha)
    result = TaskComparison(
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
    if test.p_value < alpha and result.advantage != 0:
        result.better = "A" if result.advantage > 0 else "B"
    return result


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def verdict(
    a: str,
    b: str,
    tasks: list[TaskComparison],
    wilcoxon: stats.Test,
    alpha: float,
    failed: dict[str, list[str]] | None = None,
) -> str:
    """One line: per-task significant wins of each side, the Wilcoxon p across tasks, and the
    tasks where a side has failed runs (``failed``: model -> tasks)."""
    line = _verdict(a, b, tasks, wilcoxon, alpha)
    for model, where in (failed or {}).items():
        if where:
            line += f"; {model} has failed runs on {', '.join(where)}"
    return line


def _verdict(
    a: str, b: str, tasks: list[TaskComparison], wilcoxon: stats.Test, alpha: float
) -> str:
    n = len(tasks)
    wins_a = sum(t.better == "A" for t in tasks)
    wins_b = sum(t.better == "B" for t in tasks)
    parts = [
        f"{x} is significantly better than {y} on {k} of {n} task{'s' * (n != 1)}"
        for x, y, k in ((a, b, wins_a), (b, a, wins_b))
        if k
    ]
    across = f"Wilcoxon p={wilcoxon.p_value:.3g} over {wilcoxon.n} tasks"
    if wilcoxon.p_value < alpha:
        leader = a if np.mean([t.advantage for t in tasks]) > 0 else b
        across += f" ({leader} better across tasks)"
    if not parts and wilcoxon.p_value >= alpha:
        return f"no significant difference between {a} and {b} (alpha={alpha:g}); {across}"
    return (
        "; ".join(parts or [f"no task alone differs significantly at alpha={alpha:g}"])
        + f"; {across}"
    )


def compare(
    records: list[dict],
    a: str,
    b: str,
    *,
    results_root: Path,
    metric: str | None = None,
    resolve: Resolver,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Comparison:
    """Compare ``a`` with ``b`` on every task both have successful runs of."""
    if a == b:
        raise ConfigError(f"compare needs two different models; A and B are both '{a}'")
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
    wilcoxon = stats.wilcoxon_tasks([t.advantage for t in tasks])
    failed = {name: failed_tasks(records, name) for name in (a, b)}
    return Comparison(
        a=a,
        b=b,
        alpha=alpha,
        tasks=tasks,
        wilcoxon=wilcoxon,
        verdict=verdict(a, b, tasks, wilcoxon, alpha, failed),
        only_a=[t for t in runs_a if t not in runs_b],
        only_b=[t for t in runs_b if t not in runs_a],
        failed_a=failed[a],
        failed_b=failed[b],
    )


# -- display --------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.2f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _cell(mean: float, std: float, n: int) -> str:
    spread = "" if math.isnan(std) else f" ± {100 * std:.2f}"
    return f"{_pct(mean)}{spread} (n={n})"


def table_frame(result: Comparison) -> pd.DataFrame:
    """The per-task rows as a DataFrame (values x100), for the terminal and the report."""
    rows = {}
    for t in result.tasks:
        test = t.test
        method = f"bootstrap, {test.n_examples} ex." if test.n_examples else "seeds only"
        rows[t.task] = {
            "metric": t.metric + ("" if t.higher_is_better else " (lower better)"),
            result.a: _cell(t.mean_a, t.std_a, len(t.seeds_a)),
            result.b: _cell(t.mean_b, t.std_b, len(t.seeds_b)),
            "A - B": _pct(test.difference),
            f"{100 * (1 - result.alpha):g}% CI": f"[{_pct(test.low)}, {_pct(test.high)}]",
            "p": _p(test.p_value),
            "better": {"A": result.a, "B": result.b}.get(t.better, "-"),
            "method": method,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "task"
    return frame
