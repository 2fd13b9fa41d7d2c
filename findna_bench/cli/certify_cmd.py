"""``findna-bench certify``: re-run stored runs with today's code and say whether they reproduce."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from findna_bench.cli.common import DataRoot, OnlyModels, OnlyProfile, OnlyTasks, Results
from findna_bench.cli.records import selected_records


def certify(
    ctx: typer.Context,
    results: Path = Results,
    data_root: Path = DataRoot,
    per_cell: int = typer.Option(1, "--per-cell", min=1, help="runs re-run per cell"),
    every: bool = typer.Option(False, "--all", help="re-run every run, not --per-cell"),
    cheapest: bool = typer.Option(
        False, "--cheapest", help="per model, only its cell of least mean wall time"
    ),
    tolerance: float = typer.Option(
        1e-6, "--tolerance", min=0.0, help="largest test-probability difference still accepted"
    ),
    rekey: bool = typer.Option(
        False,
        "--rekey",
        help="then move the certified models' records made before run identities to today's "
        "identity (only if none drifted and their data files are today's)",
    ),
    model: list[str] | None = OnlyModels,
    task: list[str] | None = OnlyTasks,
    profile: str | None = OnlyProfile,
) -> None:
    """Re-run stored runs into a scratch store and compare predictions and metrics.

    Writes certificate.json and certificate.md beside the results; exits 1 when a run drifted."""
    import torch

    from findna_bench import ui
    from findna_bench.errors import RunsFailed
    from findna_bench.identity import Identifier
    from findna_bench.results import certify as cert
    from findna_bench.results import predictions
    from findna_bench.results.rekey import rekey as move_records
    from findna_bench.results.store import ResultsStore
    from findna_bench.run.settings import SuiteSettings
    from findna_bench.runspec import RunSpec

    engine = ctx.obj
    records = selected_records(engine, results, model=model, suite=None, task=task, profile=profile)
    by_cell = cert.cells(records)
    chosen = cert.choose(
        cert.cheapest(records) if cheapest else records, None if every else per_cell
    )
    reproductions = []
    with tempfile.TemporaryDirectory(prefix="findna-certify-") as scratch:
        settings = SuiteSettings(data_root=data_root, results=Path(scratch), rerun=True)
        for i, stored in enumerate(chosen, 1):
            ui.err.print(
                f"certify {i}/{len(chosen)}: {stored['model']} {stored['task']} seed "
                f"{stored['seed']}",
                highlight=False,
            )
            spec = RunSpec(
                model=stored["model"],
                task=stored["task"],
                seed=stored["seed"],
                profile=stored["profile"],
                config=stored["config"],
            )
            run = engine.run_local([spec], settings, device=torch.device("cpu"))
            (again,) = [r for r in run.outcome.records if r.get("status") == "ok"] or [None]
            if again is None:
                raise RunsFailed(f"certify: the re-run of {stored['run_id']} failed")
            cell = next(c for c in by_cell.values() if stored in c)
            reproductions.append(
                cert.judge(
                    stored,
                    again,
                    predictions.load(results, stored),
                    predictions.load(Path(scratch), again),
                    cell,
                    tolerance,
                )
            )
    certificate = cert.certificate(reproductions, tolerance=tolerance)
    paths = cert.write(results, certificate)
    ui.out.print(cert.markdown(certificate), end="", highlight=False, markup=False)
    ui.err.print(f"certificate: {paths[0]} and {paths[1]}", highlight=False)
    if certificate["drifted"]:
        raise RunsFailed(f"{certificate['drifted']} of {len(reproductions)} runs drifted")
    if rekey:
        models = {r.model for r in reproductions}
        store = ResultsStore(results)
        moved, left = move_records(store, Identifier(engine.catalog, data_root), models)
        for line in left:
            ui.err.print(line, highlight=False, markup=False)
        ui.out.print(
            f"rekeyed {moved} records of {', '.join(sorted(models))} to today's identity",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command()(certify)
