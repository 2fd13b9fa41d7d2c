"""The report's comparison section: the top two leaderboard rows head to head (``comparison``),
and the critical-difference diagram of every row (``cd_diagram``) when there are three or more.

Returns HTML fragments; a comparison that cannot be made (rows that differ in config or code,
which ``compare`` cannot name, or too few tasks in common) becomes a note saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from findna_bench.errors import FindnaError
from findna_bench.results import cd_diagram, comparison, comparison_table, stats
from findna_bench.results.report_html import html_table

NOTE = '<p class="note">{}</p>'


def our_rows(cells: pd.DataFrame, order: list[str]) -> list[str]:
    """Rows of ours (not published) that scored at least one task, in board order."""
    if "published" in cells.columns:
        cells = cells[~cells["published"].astype(bool)]
    scored = set(cells[cells.n > 0].row)
    return [r for r in order if r in scored]


def head_to_head(
    records: list[dict],
    a: str,
    b: str,
    *,
    results_root: Path,
    resolve: Callable,
    n_boot: int,
) -> list[str]:
    """``compare`` of ``a`` and ``b``: per-task table, fallbacks, and the verdict line."""
    try:
        result = comparison.compare(
            records, a, b, results_root=results_root, resolve=resolve, n_boot=n_boot
        )
    except FindnaError as exc:
        return [NOTE.format(escape(f"{a} and {b} cannot be compared here: {exc}"))]
    parts = [
        f"<h3>{escape(a)} vs {escape(b)}</h3>",
        NOTE.format(
            "Per task: A - B of the mean over seeds (×100) with a hierarchical paired bootstrap "
            "95% interval and p-value (seeds, then the shared test examples; seed-level Welch "
            "test where predictions are not stored), the p-value adjusted over the tasks (Holm) "
            "and its Monte-Carlo error; a win that error could flip is marked fragile. Across "
            "tasks: the mean advantage with an interval over tasks, and a Wilcoxon signed-rank "
            "test on the differences."
        ),
        html_table(comparison_table.table_frame(result)),
        NOTE.format(escape(comparison_table.method_note(result))),
        NOTE.format(escape(comparison_table.across_line(result))),
    ]
    parts += [NOTE.format(escape(f"{t.task}: {t.note}")) for t in result.tasks if t.note]
    return [*parts, f"<p><b>{escape(result.verdict)}</b></p>"]


def fragile_edges(rows: list[str], tasks: list[str], scores: np.ndarray, higher: list[bool]) -> str:
    """The leave-one-task-out note under the diagram: pairs whose Nemenyi verdict one task
    decides, or that none does."""
    found: dict[tuple[int, int], list[str]] = {}
    for i, j, t in stats.nemenyi_fragile(scores, higher):
        found.setdefault((i, j), []).append(tasks[t])
    if not found:
        return "Leave-one-task-out: no pair's verdict changes when any one task is left out."
    ranks = stats.average_ranks(scores, higher)
    cd = stats.nemenyi_cd(len(rows), len(tasks))
    pairs = [
        f"{rows[i]} – {rows[j]} ({'apart' if abs(ranks[i] - ranks[j]) >= cd else 'joined'}; "
        f"changes without {', '.join(where)})"
        for (i, j), where in found.items()
    ]
    return "Leave-one-task-out, fragile pairs: " + "; ".join(pairs) + "."


def cd_section(cells: pd.DataFrame, rows: list[str]) -> list[str]:
    """The CD diagram over the tasks every row scored (at least 3 rows and 2 such tasks)."""
    if len(rows) < 3:
        return []
    ours = cells[cells.row.isin(rows) & (cells.n > 0)]
    counts = ours.groupby("task").row.nunique()
    tasks = [t for t in dict.fromkeys(ours.task) if counts[t] == len(rows)]
    if len(tasks) < 2:
        return [NOTE.format("No critical-difference diagram: fewer than 2 tasks scored by all.")]
    means = ours.set_index(["row", "task"])["mean"]
    scores = np.array([[means[(r, t)] for t in tasks] for r in rows])
    direction = ours.drop_duplicates("task").set_index("task")["higher_is_better"]
    higher = [bool(direction[t]) for t in tasks]
    return [
        f"<h3>Critical-difference diagram ({len(rows)} models, {len(tasks)} tasks)</h3>",
        NOTE.format(
            "Average rank per task (1 = best); models joined by a bar are not significantly "
            "different (Nemenyi test after Friedman, Demšar 2006)."
        ),
        cd_diagram.from_scores(rows, scores, higher),
        NOTE.format(escape(fragile_edges(rows, tasks, scores, higher))),
    ]


def section(
    records: list[dict],
    cells: pd.DataFrame,
    order: list[str],
    *,
    results_root: Path | None,
    resolve: Callable | None,
    n_boot: int,
) -> list[str]:
    """The whole section, or nothing with fewer than two of our rows."""
    rows = our_rows(cells, order)
    if len(rows) < 2:
        return []
    parts = ["<h2>Comparison</h2>"]
    if results_root is None or resolve is None:
        parts.append(NOTE.format("Head to head needs the results folder and metric functions."))
    else:
        parts += head_to_head(
            records, rows[0], rows[1], results_root=results_root, resolve=resolve, n_boot=n_boot
        )
    return parts + cd_section(cells, rows)
