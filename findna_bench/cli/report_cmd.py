"""``findna-bench report``: write the HTML report (and PNG plots) from the results store.

Besides the records, the page uses the stored predictions (95% intervals, the comparison of the
top two models) and the data root: the tasks of the suites run that have no data there are
listed as unavailable, with the reason (``results.coverage``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import (
    DataRoot,
    FewerSeeds,
    OnlyModels,
    OnlyProfile,
    OnlySuites,
    OnlyTasks,
    Results,
    writable_folder,
)
from findna_bench.cli.records import resolver, selected_records


def missing_data(engine, names: list[str], root: Path) -> dict[str, str]:
    """Task -> why it cannot run here, for the named tasks whose train or test split is absent."""
    out = {}
    for name in names:
        files = engine.catalog.get("task", name).factory().split_files(root)
        absent = [split for split in ("train", "test") if files.get(split) is None]
        if absent:
            out[name] = f"no {' and no '.join(absent)} split under {root}"
    return out


def coverage(engine, records: list[dict], suite: list[str] | None, root: Path | None):
    """(suites run, unavailable task -> reason); nothing when no data root is to be found."""
    from findna_bench.cli.common import DEFAULT_DATA_ROOT, data_root, split_list
    from findna_bench.results import coverage as cov
    from findna_bench.run.config import expand_tasks

    if root is None and not DEFAULT_DATA_ROOT.is_dir():
        return [], {}
    root = data_root(root)
    known = engine.catalog.names("task")
    names = split_list(suite) or list(engine.registry.suites)
    suites = {s: expand_tasks(engine.registry, [s], [], known) for s in names}
    missing = missing_data(
        engine, list(dict.fromkeys(t for ts in suites.values() for t in ts)), root
    )
    recorded = {str(r.get("task")) for r in records}
    return cov.suites_run(suites, recorded, missing), cov.unavailable(suites, recorded, missing)


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
    data: Path | None = DataRoot,
    n_boot: int = typer.Option(10_000, "--bootstrap", help="bootstrap resamples per interval"),
) -> None:
    """Write a self-contained HTML page: leaderboard, per-task chart, efficiency, every run."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results import report as report_mod

    writable_folder(out, "--out", "index.html and its plots")
    chosen = selected_records(
        ctx.obj, results, model=model, suite=suite, task=task, profile=profile
    )
    missing = [p for p in efficiency or [] if not p.is_file()]
    if missing:
        raise ConfigError(
            f"--efficiency {missing[0]}: no such file; write one with "
            "`findna-bench speed ... --json FILE`"
        )
    if n_boot < 100:
        raise ConfigError("--bootstrap must be at least 100")
    inputs = page_inputs(
        ctx.obj,
        chosen,
        results,
        suite=suite,
        data=data,
        seeds=seeds,
        efficiency=efficiency or [],
        references=references,
        n_boot=n_boot,
    )
    for path in report_mod.write(out, inputs):
        ui.out.print(str(path))


def page_inputs(
    engine,
    records: list[dict],
    results: Path,
    *,
    suite: list[str] | None,
    data: Path | None,
    seeds: int | None,
    efficiency: list[Path],
    references: bool,
    n_boot: int,
):
    """What the page is made from: records, published rows, speed rows, unavailable tasks,
    and the results folder and metric functions for intervals and the comparison."""
    from findna_bench.results.references import load
    from findna_bench.results.report_data import Inputs
    from findna_bench.results.report_tables import load_profile_rows

    suites, unavailable = coverage(engine, records, suite, data)
    return Inputs(
        records=records,
        refs=load() if references else None,
        expected_seeds=seeds,
        profile_rows=load_profile_rows(efficiency),
        unavailable=unavailable,
        suites=suites,
        results_root=results,
        resolve=resolver(engine),
        n_boot=n_boot,
    )


def register(app: typer.Typer) -> None:
    app.command()(report)
