"""What the HTML report is made from (``Inputs``) and the numbers it shows, computed once
(``analyse``): the leaderboard with published rows and 95% intervals, the bar chart's series
(one colour per leaderboard row, shared with the curves) and the metric's name. Pure: no HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from findna_bench.results import intervals, leaderboard, references
from findna_bench.results.report_compare import our_rows
from findna_bench.results.report_svg import MARKERS, PALETTE, Bar, Series

METRIC_NAMES = {
    "mcc": "MCC",
    "accuracy": "accuracy",
    "f1_macro": "macro F1",
    "f1_micro": "micro F1",
    "auroc": "AUROC",
}


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """What the page is made from. With ``results_root`` and ``resolve`` (metric name ->
    (function, higher is better)) cells get 95% intervals and the top two models are compared."""

    records: list[dict]
    refs: references.References | None = None
    expected_seeds: int | None = None
    profile_rows: list[dict] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # task -> why it has no data
    suites: list[str] = field(default_factory=list)  # the suites run (for the unavailable list)
    results_root: Path | None = None
    resolve: Callable | None = None
    n_boot: int = 10_000
    title: str = "findna-bench report"


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """The numbers every section draws on, computed once."""

    records: list[dict]
    board: leaderboard.Board
    used: list[references.Reference]
    tasks: list[str]
    series: list[Series]
    markers: list[Series]
    with_ci: bool


def metric_phrase(cells: pd.DataFrame) -> str:
    """``MCC`` or ``MCC (macro F1 on gue/virus_covid)``: the metric most tasks use, and others."""
    by_task = references.main_metrics(cells)
    if not by_task:
        return "main metric"
    names = {t: METRIC_NAMES.get(m, m) for t, m in by_task.items()}
    common = Counter(names.values()).most_common(1)[0][0]
    others = [f"{m} on {t}" for t, m in names.items() if m != common]
    return common + (f" ({'; '.join(others)})" if others else "")


def _bar(cell: pd.Series) -> Bar:
    mean = 100 * cell["mean"]
    low, high = cell.get("ci_low"), cell.get("ci_high")
    if low is not None and pd.notna(low):
        return Bar(mean=mean, low=100 * low, high=100 * high)
    if cell["n"] > 1:
        return Bar(
            mean=mean, low=mean - 100 * cell["std"], high=mean + 100 * cell["std"], kind="± std"
        )
    return Bar(mean=mean)


def chart_data(
    board: leaderboard.Board, used: list[references.Reference]
) -> tuple[list[str], list[Series], list[Series]]:
    """Tasks, our series (×100, with intervals or std) and published markers for the chart."""
    cells = board.cells
    if "published" in cells.columns:
        cells = cells[~cells["published"].astype(bool)]
    ours = cells[cells.n > 0]
    tasks = [t for t in board.table.columns if t in set(ours.task)]
    order = our_rows(ours, list(board.table.index))
    series = []
    for k, row in enumerate(order):
        sub = ours[ours.row == row].set_index("task")
        values = [_bar(sub.loc[t]) if t in sub.index else None for t in tasks]
        series.append(Series(label=row, values=values, colour=PALETTE[k % len(PALETTE)]))
    metrics = references.main_metrics(ours)
    markers = []
    for k, ref in enumerate(used):
        hits = [ref.value(t, metrics[t]) for t in tasks]
        values = [Bar(mean=100 * v[0]) if v else None for v in hits]
        markers.append(Series(label=ref.label, values=values, colour=MARKERS[k % len(MARKERS)]))
    return tasks, series, markers


def analyse(inputs: Inputs) -> Analysis:
    """The board (with intervals when predictions can be read), chart series, references."""
    records = [r for r in inputs.records if leaderboard.usable(r)]
    used: list[references.Reference] = []
    if inputs.refs is None:
        board = leaderboard.build(records, expected_seeds=inputs.expected_seeds)
    else:
        board, used = references.with_references(
            records, inputs.refs, expected_seeds=inputs.expected_seeds
        )
    root, resolve = inputs.results_root, inputs.resolve
    with_ci = root is not None and resolve is not None
    if root is not None and resolve is not None:
        found = intervals.intervals(
            records, results_root=root, resolve=resolve, n_boot=inputs.n_boot
        )
        board = intervals.with_intervals(board, found)
    tasks, series, markers = chart_data(board, used)
    return Analysis(
        records=records,
        board=board,
        used=used,
        tasks=tasks,
        series=series,
        markers=markers,
        with_ci=with_ci,
    )
