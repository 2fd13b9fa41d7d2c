"""``findna-bench data status | verify | download``: what is under the data root, and fetching it.

The engine (findna_bench.data.status / download) computes and fetches; this module renders tables
and progress bars. Machine-readable output (``--json``) goes to stdout.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from findna_bench.cli.common import DataRoot, data_root, split_list
from findna_bench.types import task_sources

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from findna_bench.data.download import Source

data_app = typer.Typer(help="Inspect, verify and download benchmark data.", no_args_is_help=True)


def _tasks(engine, suites: list[str], tasks: list[str]) -> list:
    from findna_bench.run.config import expand_tasks

    catalog = engine.catalog
    names = (
        expand_tasks(engine.registry, suites, tasks, catalog.names("task"))
        if suites or tasks
        else catalog.names("task")
    )
    return [catalog.get("task", name).factory() for name in names]


def _console():
    """stdout console; wide enough for the tables when stdout is not a terminal (pipes, files)."""
    from rich.console import Console

    from findna_bench import ui

    return ui.out if ui.out.is_terminal else Console(highlight=False, width=180)


def _balance(balance: dict) -> str:
    return " ".join(f"{k}:{v}" for k, v in balance.items())


def _leak_cells(view: dict) -> dict:
    """The leakage columns of one split: its repeats, its rows found in train and in valid, its
    rows whose reverse complement is in an earlier split (per pair in ``--json``) and its largest
    class share ('!' at the near-single-class threshold)."""
    from findna_bench.data.leakage import NEAR_SINGLE_CLASS

    def count(earlier: str) -> str:
        return str(view["in"][earlier]) if earlier in view.get("in", {}) else ""

    share = view.get("majority")
    flag = "!" if share is not None and share >= NEAR_SINGLE_CLASS else ""
    return {
        "dup": view.get("duplicates", "-"),
        "=train": count("train"),
        "=valid": count("valid"),
        "rc": sum(view["rc_in"].values()) if view.get("rc_in") else "",
        "major": f"{share:.0%}{flag}" if share is not None else "-",
    }


@data_app.command()
def status(
    ctx: typer.Context,
    data: Path | None = DataRoot,
    suite: list[str] | None = typer.Option(None, "--suite", "-s", help="only these suites"),
    task: list[str] | None = typer.Option(None, "--task", "-t", help="only these tasks (globs)"),
    as_json: bool = typer.Option(False, "--json", help="JSON rows on stdout"),
) -> None:
    """Every task: its splits present or missing, rows, class balance, length range, checksum."""
    import json

    import pandas as pd
    from rich.markup import escape

    from findna_bench import ui
    from findna_bench.data.leakage import NEAR_SINGLE_CLASS
    from findna_bench.data.status import references, task_status

    root = data_root(data)
    refs = references(root)
    tasks = _tasks(ctx.obj, split_list(suite), split_list(task))
    rows = [row for t in tasks for row in task_status(t, root, refs)]
    runnable = {t.name for t in tasks if all(t.split_files(root).get(s) for s in ("train", "test"))}
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=1))
        return
    console = _console()
    for bench in dict.fromkeys(r.task.split("/")[0] for r in rows):
        mine = [r for r in rows if r.task.split("/")[0] == bench]
        frame = pd.DataFrame(
            [
                {
                    "task": r.task.split("/", 1)[1],
                    "split": r.split,
                    "rows": r.rows if r.rows is not None else "-",
                    "balance": _balance(r.balance) or "-",
                    "length": "-".join(map(str, r.lengths)) if r.lengths else "-",
                    **_leak_cells(r.leakage),
                    "checksum": r.checksum,
                    "file": " ".join(filter(None, [_relative(r.path, root), escape(r.note)])),
                }
                for r in mine
            ]
        )
        here = [t.name for t in tasks if t.name.split("/")[0] == bench]
        console.print(
            ui.frame_table(
                frame.set_index("task"),
                title=f"{bench}: {len(runnable & set(here))} "
                f"of {len(here)} tasks have train and test (under {root})",
            )
        )
    mismatches = sum(1 for r in rows if r.checksum.startswith("MISMATCH"))
    leaky = {
        r.task for r in rows if any(any((r.leakage.get(k) or {}).values()) for k in ("in", "rc_in"))
    }
    skewed = sum(1 for r in rows if (r.leakage.get("majority") or 0) >= NEAR_SINGLE_CLASS)
    ui.out.print(
        f"{len(runnable)} of {len(tasks)} tasks can run; {mismatches} checksum mismatches; "
        f"{len(leaky)} tasks have rows repeated across splits (=train, =valid, rc); "
        f"{skewed} near-single-class splits (largest class >= {NEAR_SINGLE_CLASS:.0%})"
    )


def _relative(path: str | None, root: Path) -> str:
    if path is None:
        return ""
    return Path(path).relative_to(root).as_posix() if Path(path).is_relative_to(root) else path


@data_app.command()
def verify(data: Path | None = DataRoot) -> None:
    """Re-hash every file the manifest or the download record lists; exit 2 on any mismatch."""
    import pandas as pd

    from findna_bench import ui
    from findna_bench.data.status import references
    from findna_bench.data.status import verify as verify_files
    from findna_bench.errors import DataError

    root = data_root(data)
    results = verify_files(root, references(root))
    if not results:
        ui.out.print(f"no expected checksums under {root} (no manifest.json, nothing downloaded)")
        return
    frame = pd.DataFrame([{"file": rel, "state": state} for rel, state in results])
    _console().print(ui.frame_table(frame.set_index("file"), title=f"checksums under {root}"))
    bad = [(rel, state) for rel, state in results if not state.startswith("ok")]
    if bad:
        raise DataError(
            f"{len(bad)} of {len(results)} files failed verification, first: "
            f"{root / bad[0][0]} is {bad[0][1]}; download it again"
        )
    ui.out.print(f"all {len(results)} files match their checksums")


def _advance(bars: Progress, bar: TaskID, done: int, total: int | None) -> None:
    """Move one download's bar to ``done`` of ``total`` bytes (None: size unknown)."""
    bars.update(bar, completed=done, total=total)


def _sources(engine, target: str) -> list:
    from findna_bench.errors import UnknownName

    catalog, registry = engine.catalog, engine.registry
    tasks = [catalog.get("task", n).factory() for n in catalog.names("task")]
    if target in catalog.names("task"):
        chosen = [t for t in tasks if t.name == target]
    elif target in registry.suites:
        chosen = _tasks(engine, [target], [])
    else:
        chosen = [t for t in tasks if t.benchmark == target]
    if not chosen:
        raise UnknownName(
            "benchmark, suite or task",
            target,
            sorted({t.benchmark for t in tasks} | set(registry.suites)),
        )
    unique: dict[str, Source] = {}
    for t in chosen:
        for source in task_sources(t):
            unique.setdefault(source.filename, source)
    return list(unique.values())


@data_app.command()
def download(
    ctx: typer.Context,
    target: str = typer.Argument(
        ..., help="benchmark (gue, genomic_benchmarks, mtcdna), suite (gb) or task name"
    ),
    data: Path | None = DataRoot,
    mirror: str | None = typer.Option(
        None,
        "--mirror",
        help="fetch <mirror>/<file> instead of the official URL (an institutional copy)",
    ),
    force: bool = typer.Option(False, "--force", help="unpack again even if already in place"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
) -> None:
    """Fetch a benchmark's official files (resuming), verify sha256 and unpack into the data root."""
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from findna_bench import ui
    from findna_bench.data.download import fetch, mirrored
    from findna_bench.errors import DataError

    root = data_root(data, must_exist=False)
    root.mkdir(parents=True, exist_ok=True)
    failures = []
    sources = [mirrored(s, mirror) for s in _sources(ctx.obj, target)]
    with Progress(
        "{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=ui.err,
        disable=quiet or not ui.interactive(),
    ) as bars:
        for source in sources:
            bar = bars.add_task(source.filename, total=None)
            try:
                state = fetch(
                    source,
                    root,
                    force=force,
                    progress=partial(_advance, bars, bar),
                )
                ui.err.print(f"{source.filename}: {state} -> {root / source.creates}")
            except DataError as exc:
                failures.append(str(exc))
                ui.err.print(
                    f"[red]failed:[/] {escape(str(exc))}",
                    markup=True,
                    highlight=False,
                    soft_wrap=True,
                )
    if failures:
        raise DataError(
            f"{len(failures)} of {len(sources)} sources of {target} are not in place; "
            "see the lines above"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
