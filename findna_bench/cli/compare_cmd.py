"""``findna-bench compare A B``: is A better than B, task by task and across tasks?

Per task: both models' mean over seeds, the difference A - B with a hierarchical paired
bootstrap 95% interval (seeds, then the shared test examples, from stored predictions; a
seed-level Welch test where a record has none, and the row says so), the raw p-value, the
p-value adjusted over the tasks (``--adjust``) and its Monte-Carlo error; across tasks: the mean
advantage with an interval over tasks and a Wilcoxon signed-rank test; then a one-line verdict.
The numbers come from ``findna_bench.results.comparison``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from findna_bench.cli.common import (
    OnlyProfile,
    OnlySuites,
    OnlyTasks,
    Results,
    TableFormat,
    check_table_format,
)
from findna_bench.cli.records import resolver, selected_records

A = typer.Argument(..., metavar="A", help="model A, named as in the leaderboard rows (e.g. findna)")
B = typer.Argument(..., metavar="B", help="model B")
METRIC = typer.Option(None, "--metric", help="test metric to compare (default: each task's main)")
BOOT = typer.Option(10_000, "--bootstrap", help="bootstrap resamples per task")
ALPHA = typer.Option(0.05, "--alpha", help="significance level (intervals are 1 - alpha)")
SEED = typer.Option(0, "--bootstrap-seed", "--seed", help="seed of the bootstrap draws")
ADJUST = typer.Option(
    "holm",
    "--adjust",
    help="p-value adjustment over the tasks: holm | bh (Benjamini-Hochberg) | none",
)


def _finite(value):
    """JSON without NaN/Infinity (not valid JSON): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def compare(
    ctx: typer.Context,
    a: str = A,
    b: str = B,
    results: Path = Results,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
    metric: str | None = METRIC,
    fmt: str = TableFormat,
    n_boot: int = BOOT,
    alpha: float = ALPHA,
    seed: int = SEED,
    adjust: str = ADJUST,
) -> None:
    """Compare two models: per-task bootstrap CIs and adjusted p-values, then across tasks.

    Per task a hierarchical bootstrap interval, the raw and adjusted p-values; across tasks the
    mean advantage and a Wilcoxon signed-rank test."""
    from findna_bench.errors import ConfigError
    from findna_bench.results.comparison import compare as run_compare

    check_table_format(fmt)
    if n_boot < 100 or not 0 < alpha < 1:
        raise ConfigError("--bootstrap must be at least 100 and --alpha between 0 and 1")
    chosen = selected_records(ctx.obj, results, model=None, suite=suite, task=task, profile=profile)
    result = run_compare(
        chosen,
        a,
        b,
        results_root=results,
        metric=metric,
        resolve=resolver(ctx.obj),
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
        adjust=adjust,
    )
    show(result, fmt)


def show(result, fmt: str) -> None:
    """The comparison as JSON or CSV (the per-task rows), or as a table (terminal or Markdown)
    followed by its notes and the verdict."""
    from findna_bench import ui
    from findna_bench.results.comparison_table import lines_under, markdown, table_frame, title

    if fmt == "json":
        ui.out.print(json.dumps(_finite(result.as_dict()), indent=1))
    elif fmt == "csv":
        ui.out.print(table_frame(result).reset_index().to_csv(index=False), end="")
    elif fmt == "md":
        ui.out.print(markdown(result))
    else:
        ui.out.print(ui.frame_table(table_frame(result), title=title(result)))
        for line in lines_under(result):
            ui.out.print(line)


def register(app: typer.Typer) -> None:
    app.command()(compare)
