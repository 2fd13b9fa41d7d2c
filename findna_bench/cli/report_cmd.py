"""``findna-bench report``: write the HTML report (and PNG plots) from the results store."""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import (
    FewerSeeds,
    OnlyModels,
    OnlyProfile,
    OnlySuites,
    OnlyTasks,
    Results,
)


def report(
    ctx: typer.Context,
    results: Path = Results,
    out: Path = typer.Option(
        Path("report"), "--out", "-o", help="folder for index.html and PNG plots"
    ),
    model: list[str] | None = OnlyModels,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
    seeds: int | None = FewerSeeds,
    efficiency: list[Path] | None = typer.Option(
        None, "--efficiency", help="`findna-bench speed` JSON file(s) to show"
    ),
    references: bool = typer.Option(
        True,
        "--references/--no-references",
        help="show published rows (not re-run) beside ours",
    ),
) -> None:
    """Write a self-contained HTML page: leaderboard, per-task chart, efficiency, manifest."""
    from findna_bench import ui
    from findna_bench.cli.leaderboard_cmd import selected_records
    from findna_bench.errors import ConfigError
    from findna_bench.results import report as report_mod
    from findna_bench.results.references import load
    from findna_bench.results.report_tables import load_profile_rows

    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    missing = [p for p in efficiency or [] if not p.is_file()]
    if missing:
        raise ConfigError(
            f"--efficiency {missing[0]}: no such file; write one with "
            "`findna-bench speed ... --json FILE`"
        )
    files = report_mod.write(
        out,
        chosen,
        refs=load() if references else None,
        expected_seeds=seeds,
        profile_rows=load_profile_rows(efficiency or []),
    )
    for path in files:
        ui.out.print(str(path))


def register(app: typer.Typer) -> None:
    app.command()(report)
