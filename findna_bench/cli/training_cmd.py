"""``findna-bench training``: per model, how its runs ended (plateau or budget) and their cost."""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import (
    OnlyModels,
    OnlyProfile,
    OnlySuites,
    OnlyTasks,
    Results,
    TableFormat,
    check_table_format,
)
from findna_bench.cli.records import selected_records


def training(
    ctx: typer.Context,
    results: Path = Results,
    fmt: str = TableFormat,
    by_task: bool = typer.Option(False, "--by-task", help="one row per model and task"),
    time_profile: bool = typer.Option(
        False,
        "--time-profile",
        help="where the wall time went: the share of each phase (forward+backward, optimizer, "
        "validation, test, data, batching, pretraining, bookkeeping)",
    ),
    model: list[str] | None = OnlyModels,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
) -> None:
    """How the runs trained: why they stopped, how many steps, and what they cost.

    Counts by stop reason (patience: the validation curve plateaued; step budget / epochs: the
    budget ended first), steps, and wall-clock, training and pretraining hours (each checkpoint
    once), summed from the records. With --time-profile: the share of the wall time each phase
    took, from the records' time profiles."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results import time_profile as phases
    from findna_bench.results import training as stops
    from findna_bench.results.leaderboard import to_markdown

    check_table_format(fmt)
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    build, shown = (
        (phases.time_profile_table, phases.formatted)
        if time_profile
        else (stops.training_table, stops.formatted)
    )
    table = build(chosen, by_task=by_task)
    if table.empty:
        what = "ok runs with a time profile" if time_profile else "ok runs"
        raise ConfigError(f"no {what} among the {len(chosen)} matching records in {results}")
    formatted = shown(table)
    if fmt == "table":
        title = "where the wall time went (% of wall)" if time_profile else "how the runs trained"
        ui.out.print(ui.frame_table(formatted, title=title))
    elif fmt == "md":
        ui.out.print(to_markdown(formatted))
    elif fmt == "csv":
        ui.out.print(table.reset_index().to_csv(index=False), end="")
    else:
        ui.out.print(table.reset_index().to_json(orient="records", indent=1))


def register(app: typer.Typer) -> None:
    app.command()(training)
