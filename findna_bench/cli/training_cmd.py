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
    model: list[str] | None = OnlyModels,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
) -> None:
    """How the runs trained: why they stopped, how many steps, and what they cost.

    Counts by stop reason (patience: the validation curve plateaued; step budget / epochs: the
    budget ended first), steps, and wall-clock, training and pretraining hours (each checkpoint
    once), summed from the records."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results.leaderboard import to_markdown
    from findna_bench.results.training import formatted, training_table

    check_table_format(fmt)
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    table = training_table(chosen, by_task=by_task)
    if table.empty:
        raise ConfigError(f"no ok runs among the {len(chosen)} matching records in {results}")
    if fmt == "table":
        ui.out.print(ui.frame_table(formatted(table), title="how the runs trained"))
    elif fmt == "md":
        ui.out.print(to_markdown(formatted(table)))
    elif fmt == "csv":
        ui.out.print(table.reset_index().to_csv(index=False), end="")
    else:
        ui.out.print(table.reset_index().to_json(orient="records", indent=1))


def register(app: typer.Typer) -> None:
    app.command()(training)
