"""``findna-bench leaderboard``: aggregate the results store as a table, Markdown, CSV or JSON."""

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
    TableFormat,
    check_table_format,
)
from findna_bench.cli.records import resolver, selected_records

METRIC = typer.Option(
    None, "--metric", help="a recorded test metric to show (auroc, f1_macro...); default: main"
)
CI = typer.Option(
    False,
    "--ci",
    help="95% bootstrap interval per cell (seeds, then test examples), from stored predictions",
)
BOOT = typer.Option(10_000, "--bootstrap", help="bootstrap resamples per cell (with --ci)")


def metric_direction(engine, records: list[dict], name: str, split: str) -> bool:
    """Whether higher ``name`` is better; one line listing the recorded metrics if unknown."""
    from findna_bench.errors import ConfigError
    from findna_bench.results.leaderboard import recorded_metrics

    recorded = recorded_metrics(records, split)
    if name not in recorded:
        raise ConfigError(
            f"--metric {name}: not recorded on the {split} split of these runs; "
            f"recorded: {', '.join(recorded) or 'none'}"
        )
    return resolver(engine)(name)[1]


def make_board(engine, records: list[dict], options: dict):
    """The board (with published rows and intervals as asked) and the published rows used."""
    from findna_bench.errors import ConfigError
    from findna_bench.results.leaderboard import build
    from findna_bench.results.references import load, with_references

    split, metric = options["split"], options["metric"]
    higher = metric_direction(engine, records, metric, split) if metric else True
    common = dict(
        split=split, expected_seeds=options["seeds"], metric=metric, higher_is_better=higher
    )
    if options["references"] or options["rank_references"]:
        board, used = with_references(records, load(), rank=options["rank_references"], **common)
    else:
        board, used = build(records, **common), []
    if not options["ci"]:
        return board, used
    if split != "test":
        raise ConfigError("--ci: intervals come from stored test predictions; drop --split valid")
    if options["n_boot"] < 100:
        raise ConfigError("--bootstrap must be at least 100")
    from findna_bench.results.intervals import intervals, with_intervals

    found = intervals(
        records,
        results_root=options["results"],
        resolve=resolver(engine),
        metric=metric,
        higher_is_better=higher,
        n_boot=options["n_boot"],
    )
    return with_intervals(board, found), used


def leaderboard(
    ctx: typer.Context,
    results: Path = Results,
    fmt: str = TableFormat,
    split: str = typer.Option("test", "--split", help="test | valid"),
    model: list[str] | None = OnlyModels,
    suite: list[str] | None = OnlySuites,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
    seeds: int | None = FewerSeeds,
    references: bool = typer.Option(
        False, "--references", help="add published rows (not re-run) for these tasks"
    ),
    rank_references: bool = typer.Option(
        False, "--rank-references", help="rank published rows with ours (implies --references)"
    ),
    metric: str | None = METRIC,
    ci: bool = CI,
    n_boot: int = BOOT,
) -> None:
    """Rank models per task by the main metric (mean ± std over seeds)."""
    check_table_format(fmt)
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    options = dict(
        results=results,
        split=split,
        seeds=seeds,
        references=references,
        rank_references=rank_references,
        metric=metric,
        ci=ci,
        n_boot=n_boot,
    )
    board, used = make_board(ctx.obj, chosen, options)
    show(board, used, fmt, title=title(split, metric, ci))


def title(split: str, metric: str | None, ci: bool) -> str:
    what = f"{split} {metric}" if metric else f"{split} main metric"
    return f"{what} ×100 (mean ± std, n seeds{'; [95% CI]' if ci else ''})"


def show(board, used: list, fmt: str, *, title: str) -> None:
    """Notes on stderr, the board on stdout in the chosen format."""
    from findna_bench import ui
    from findna_bench.results.references import board_markdown, legend

    for note in board.notes:  # rows split by config or code, rows over fewer tasks, no CI
        ui.err.print(note, highlight=False, markup=False, soft_wrap=True)
    if fmt == "table":
        ui.out.print(ui.board_table(board.table, title=title))
        for line in legend(used):
            ui.out.print(line)
    elif fmt == "md":
        ui.out.print(board_markdown(board, used))
    elif fmt == "csv":
        ui.out.print(board.cells.to_csv(index=False), end="")
    else:
        ui.out.print(board.cells.to_json(orient="records", indent=1))


def register(app: typer.Typer) -> None:
    app.command()(leaderboard)
