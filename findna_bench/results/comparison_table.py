"""A comparison laid out for people: the per-task rows as a frame and the across-tasks line.

Values are x100 (the leaderboard's units). Each row shows the raw p, the adjusted p the verdict
uses and the Monte-Carlo standard error of the raw p; a win whose verdict could flip within that
error is marked "(fragile)". Pure: returns a DataFrame and strings, prints nothing.
"""

from __future__ import annotations

import math

import pandas as pd

from findna_bench.results import multiplicity
from findna_bench.results.comparison import Comparison, TaskComparison
from findna_bench.results.leaderboard import to_markdown


def _pct(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.2f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.2g}"  # down to the 2 / (B + 1) floor


def _cell(mean: float, std: float, n: int) -> str:
    spread = "" if math.isnan(std) else f" ± {100 * std:.2f}"
    return f"{_pct(mean)}{spread} (n={n})"


def _resampled(t: TaskComparison) -> str:
    if not t.test.n_examples:
        return "seeds only (Welch)"
    single = [side for side, seeds in (("A", t.seeds_a), ("B", t.seeds_b)) if len(seeds) == 1]
    if single:
        return f"{t.test.n_examples} ex.; one seed of {' and '.join(single)}"
    return f"seeds × {t.test.n_examples} ex."


def p_column(result: Comparison) -> str:
    return "p (unadjusted)" if result.adjust == "none" else f"p ({result.adjust})"


def table_frame(result: Comparison) -> pd.DataFrame:
    """The per-task rows as a DataFrame, for the terminal and the report."""
    rows = {}
    for t in result.tasks:
        test = t.test
        sides: dict[str | None, str] = {"A": result.a, "B": result.b}
        better = sides.get(t.better, "-")
        rows[t.task] = {
            "metric": t.metric + ("" if t.higher_is_better else " (lower better)"),
            result.a: _cell(t.mean_a, t.std_a, len(t.seeds_a)),
            result.b: _cell(t.mean_b, t.std_b, len(t.seeds_b)),
            "A - B": _pct(test.difference),
            f"{100 * (1 - result.alpha):g}% CI": f"[{_pct(test.low)}, {_pct(test.high)}]",
            "p": _p(test.p_value),
            p_column(result): _p(t.p_adjusted),
            "MC error": f"±{test.mc_error:.2g}" if test.n_boot else "-",
            "better": better + (" (fragile)" if t.fragile else ""),
            "resampled": _resampled(t),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "task"
    return frame


def across_line(result: Comparison) -> str:
    """The mean advantage of A over the tasks with its interval over tasks, x100."""
    m = result.across
    n = len(result.tasks)
    level = f"{100 * (1 - result.alpha):g}%"
    return (
        f"mean advantage of {result.a} over {result.b} on {n} tasks: {100 * m.difference:+.2f} "
        f"({level} CI [{_pct(m.low)}, {_pct(m.high)}], p={_p(m.p_value)} ±{m.mc_error:.2g}; "
        "tasks resampled, then seeds and test examples within each)"
    )


def method_note(result: Comparison) -> str:
    """How the rows were computed, for the line under the table."""
    n_boot = max((t.test.n_boot or 0 for t in result.tasks), default=0)
    adjusted = f"{multiplicity.METHODS[result.adjust]}-adjusted over {len(result.tasks)} tasks"
    if result.adjust == "none":
        adjusted = "not adjusted for the number of tasks"
    return (
        f"{n_boot} bootstrap replicates per task: each model's seeds drawn with replacement, "
        f"then the test examples (one draw shared by A and B); two-sided p, {adjusted}; "
        "MC error: Monte-Carlo standard error of the raw p"
    )


def title(result: Comparison) -> str:
    level = f"{100 * (1 - result.alpha):g}%"
    return f"{result.a} vs {result.b}: test metric x100, A - B with hierarchical {level} CI and p"


def lines_under(result: Comparison) -> list[str]:
    """What follows the table: how it was computed, the mean over tasks, each task's note, the
    tasks only one side ran, and the verdict."""
    lines = [method_note(result), across_line(result)]
    lines += [f"{t.task}: {t.note}" for t in result.tasks if t.note]
    for side, missing in ((result.a, result.only_a), (result.b, result.only_b)):
        if missing:
            lines.append(f"only {side} has runs of: {', '.join(missing)} (not compared)")
    return [*lines, result.verdict]


def markdown(result: Comparison) -> str:
    """The whole comparison as ``compare --format md`` prints it."""
    return "\n".join(
        [title(result), "", to_markdown(table_frame(result)), "", *lines_under(result)]
    )
