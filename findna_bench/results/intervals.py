"""95% intervals for leaderboard cells, from each run's stored test predictions.

A cell's interval is ``stats.cell_ci``: a hierarchical percentile bootstrap (the seeds of the
runs the leaderboard averages drawn with replacement, then the test examples, one draw shared
by the drawn seeds), so seed-to-seed variance is inside it; the runs are the records
``leaderboard.tidy`` keeps (the latest success per seed). Its centre is the leaderboard's mean. Cells whose runs cannot give one
(a run without stored predictions, an unreadable or changed file, seeds scored on different test
labels) get no bound, only a note saying why. Pure: returns frames and notes, prints nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from findna_bench.errors import DataError
from findna_bench.results import predictions, stats
from findna_bench.results.evidence import disagreements
from findna_bench.results.leaderboard import Board, tidy

Resolver = Callable[[str], tuple[stats.Metric, bool]]  # metric name -> (function, higher is better)
COLUMNS = ["row", "task", "ci_low", "ci_high", "ci_note"]
NO_PREDICTIONS = "no stored predictions"


def _runs(records: list[dict], metric: str | None, higher: bool) -> dict[tuple, list[dict]]:
    """(row, task) -> the records the leaderboard averages for that cell."""
    by_key = {(r.get("run_id"), r.get("started_at", "")): r for r in records}
    frame = tidy(records, "test", metric=metric, higher_is_better=higher)
    if frame.empty:
        return {}
    ok = frame[frame.status == "ok"].sort_values("seed")
    return {
        (row, task): [by_key[(i, s)] for i, s in zip(group.run_id, group.started_at)]
        for (row, task), group in ok.groupby(["row", "task"], sort=False)
    }


def _loaded(root: Path, runs: list[dict]) -> tuple[list[predictions.Predictions], str | None]:
    """The runs' predictions, or why there is no interval."""
    if any(not r.get("predictions") for r in runs):
        return [], NO_PREDICTIONS
    try:
        loaded = [predictions.load(root, r) for r in runs]
    except DataError as exc:
        return [], f"predictions unreadable: {exc}"
    labels = loaded[0].labels
    if any(p.labels.shape != labels.shape or np.any(p.labels != labels) for p in loaded):
        return [], "seeds were scored on different test labels"
    return loaded, None


def cell_interval(
    root: Path,
    runs: list[dict],
    fn: stats.Metric,
    *,
    n_boot: int,
    seed: int,
    name: str | None = None,
) -> tuple[float, float, str | None]:
    """(low, high, note) of one cell: NaN bounds and the reason when there is no interval (also
    when a record's ``name`` metric disagrees with its stored predictions)."""
    loaded, note = _loaded(root, runs)
    if note is None and name is not None:
        wrong = disagreements(runs, loaded, name, fn)
        note = wrong[0] if wrong else None
    if note is not None:
        return math.nan, math.nan, note
    ci = stats.cell_ci(
        loaded[0].labels,
        [p.probs for p in loaded],
        fn,
        preds=[p.pred for p in loaded],
        n_boot=n_boot,
        seed=seed,
    )
    return ci.low, ci.high, None


def intervals(
    records: list[dict],
    *,
    results_root: Path,
    resolve: Resolver,
    metric: str | None = None,
    higher_is_better: bool = True,
    n_boot: int = 10_000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per scored cell: ``row, task, ci_low, ci_high, ci_note`` (metric units)."""
    out = []
    for (row, task), runs in _runs(records, metric, higher_is_better).items():
        name = metric or runs[0]["main_metric"]
        fn = resolve(name)[0]
        low, high, note = cell_interval(results_root, runs, fn, n_boot=n_boot, seed=seed, name=name)
        out.append({"row": row, "task": task, "ci_low": low, "ci_high": high, "ci_note": note})
    return pd.DataFrame(out, columns=COLUMNS)


def bound_text(low: float, high: float, note: str | None) -> str:
    """``[54.12, 58.30]`` (×100), or the reason in brackets."""
    if isinstance(note, str):
        return f"[{NO_PREDICTIONS}]" if note == NO_PREDICTIONS else "[no CI: see notes]"
    return f"[{100 * low:.2f}, {100 * high:.2f}]"


def with_intervals(board: Board, found: pd.DataFrame) -> Board:
    """The board with ``ci_low``, ``ci_high``, ``ci_note`` in its cells and the bounds after
    each cell's text; why a cell has none is noted once per reason other than the plain one."""
    cells = board.cells.drop(columns=COLUMNS[2:], errors="ignore").merge(
        found, on=["row", "task"], how="left"
    )
    table = board.table.copy()
    for item in found.itertuples(index=False):
        if item.row in table.index and item.task in table.columns:
            table.loc[item.row, item.task] += " " + bound_text(
                item.ci_low, item.ci_high, item.ci_note
            )
    notes = [
        f"note: no 95% CI for {item.row} on {item.task}: {item.ci_note}"
        for item in found.itertuples(index=False)
        if isinstance(item.ci_note, str) and item.ci_note != NO_PREDICTIONS
    ]
    return replace(board, cells=cells, table=table, notes=board.notes + notes)
