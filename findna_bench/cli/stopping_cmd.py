"""``findna-bench stopping``: replay smaller stopping rules on the recorded validation curves."""

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
from findna_bench.results.stopping import GRID


def stopping(
    ctx: typer.Context,
    results: Path = Results,
    patience: str = typer.Option(
        ",".join(map(str, GRID[0])), "--patience", help="patience values to replay"
    ),
    min_steps: str = typer.Option(
        ",".join(map(str, GRID[1])), "--min-steps", help="minimum steps to replay"
    ),
    fmt: str = TableFormat,
    model: list[str] | None = OnlyModels,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
) -> None:
    """What smaller patience or minimum steps would have selected and cost, on validation only.

    Regret: the validation main metric (x100) given up against each run's own selection."""
    from findna_bench import ui
    from findna_bench.cli.leaderboard_cmd import selected_records
    from findna_bench.errors import ConfigError
    from findna_bench.results.leaderboard import to_markdown
    from findna_bench.results.stopping import shown, table

    check_table_format(fmt)
    try:
        patiences = [int(v) for v in patience.split(",") if v.strip()]
        minimums = [int(v) for v in min_steps.split(",") if v.strip()]
    except ValueError as exc:
        raise ConfigError(f"--patience/--min-steps: comma-separated integers ({exc})") from exc
    if not patiences or not minimums or min(patiences) < 1 or min(minimums) < 0:
        raise ConfigError("--patience takes integers >= 1 and --min-steps integers >= 0")
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    found = table(chosen, patiences, minimums)
    if fmt == "md":
        ui.out.print(to_markdown(shown(found)), highlight=False)
    elif fmt == "csv":
        ui.out.print(found.to_csv(index=False), end="")
    elif fmt == "json":
        ui.out.print(found.to_json(orient="records", indent=1))
    else:
        ui.out.print(ui.frame_table(shown(found), title="stopping rules replayed"))


def register(app: typer.Typer) -> None:
    app.command()(stopping)
