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
    split_list,
)


def select(
    records: list[dict], *, models: list[str], tasks: list[str], profile: str | None
) -> list[dict]:
    import fnmatch

    return [
        r
        for r in records
        if (not models or r.get("model") in models)
        and (not tasks or any(fnmatch.fnmatchcase(str(r.get("task")), t) for t in tasks))
        and (profile is None or r.get("profile") == profile)
    ]


def selected_records(
    engine,
    results: Path,
    *,
    model: list[str] | None,
    suite: list[str] | None,
    task: list[str] | None,
    profile: str | None,
) -> list[dict]:
    """Records of the store filtered by the CLI's model/suite/task/profile options; warns about
    unreadable files on stderr and raises when nothing matches."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results.store import ResultsStore

    records, problems = ResultsStore(results).read_all()
    for problem in problems:  # unreadable or malformed files: one line each, never a KeyError
        ui.err.print(f"warning: {problem}", highlight=False, markup=False, soft_wrap=True)
    tasks = split_list(task)
    for name in split_list(suite):
        tasks += engine.registry.suite(name).get("tasks") or []
    chosen = select(records, models=split_list(model), tasks=tasks, profile=profile)
    if not chosen:
        raise ConfigError(f"no records in {results} match; run `findna-bench run ...` first")
    return chosen


def leaderboard(
    ctx: typer.Context,
    results: Path = Results,
    fmt: str = typer.Option("table", "--format", "-f", help="table | md | csv | json"),
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
) -> None:
    """Rank models per task by the main metric (mean ± std over seeds)."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results.leaderboard import build, to_markdown
    from findna_bench.results.references import legend, load, with_references

    if fmt not in ("table", "md", "csv", "json"):
        raise ConfigError(f"--format {fmt}: use table, md, csv or json")
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    if references or rank_references:
        board, used = with_references(
            chosen, load(), split=split, expected_seeds=seeds, rank=rank_references
        )
    else:
        board, used = build(chosen, split=split, expected_seeds=seeds), []
    for note in board.notes:  # rows split by config or code, rows over fewer tasks
        ui.err.print(note, highlight=False, markup=False, soft_wrap=True)
    if fmt == "table":
        ui.out.print(
            ui.board_table(board.table, title=f"{split} main metric ×100 (mean ± std, n seeds)")
        )
        for line in legend(used):
            ui.out.print(line)
    elif fmt == "md":
        ui.out.print(to_markdown(board.table))
        ui.out.print("".join(f"\n- {line}" for line in legend(used)))
    elif fmt == "csv":
        ui.out.print(board.cells.to_csv(index=False), end="")
    else:
        ui.out.print(board.cells.to_json(orient="records", indent=1))


def register(app: typer.Typer) -> None:
    app.command()(leaderboard)
