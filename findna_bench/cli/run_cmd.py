"""``findna-bench run``: run models x tasks x seeds, resume what exists, print the leaderboard."""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import (
    DataRoot,
    Device,
    Quiet,
    Results,
    data_root,
    parse_seeds,
    resolve_device,
    split_list,
    with_checkpoint,
    writable_results,
)
from findna_bench.errors import ConfigError


def run(
    ctx: typer.Context,
    overrides: list[str] | None = typer.Argument(
        None, help="key=value config overrides, e.g. finetune.lr=3e-4"
    ),
    model: list[str] = typer.Option(..., "--model", "-m", help="model name(s), comma-separated"),
    suite: list[str] | None = typer.Option(
        None, "--suite", "-s", help="suite name(s): gue, gb, mtcdna, ..."
    ),
    task: list[str] | None = typer.Option(
        None, "--task", "-t", help="task name(s) or globs, e.g. gue/tf_0"
    ),
    seeds: str = typer.Option(
        "3", "--seeds", help="a count (3 -> 0,1,2) or a list (0,4,7; 0, is seed 0 alone)"
    ),
    profile: str = typer.Option(
        "cpu", "--profile", "-p", help="smoke | cpu | paper | any profile in registry.yaml"
    ),
    device: str = Device,
    data: Path | None = DataRoot,
    results: Path = Results,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="print the resolved runs and configs, run nothing"
    ),
    quiet: bool = Quiet,
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="pretrained final.pt to fine-tune "
        "from (models with a pretrain: recipe) instead of the cache",
    ),
    launcher: str = typer.Option(
        "local",
        "--launcher",
        help="local (this process) | slurm (one submitit "
        "job per run) | submitit-local (the same jobs as local processes)",
    ),
    slurm: list[str] | None = typer.Option(
        None,
        "--slurm",
        help="submitit parameter key=value, e.g. "
        "slurm_partition=gpu timeout_min=240 gpus_per_node=1 folder=DIR",
    ),
    rerun: bool = typer.Option(
        False,
        "--rerun",
        help="run again even if recorded (the new record goes beside the old one)",
    ),
    reuse: str = typer.Option(
        "same-code",
        "--reuse-records",
        help="same-code: resume only from records "
        "of this code | any-code: also accept records made by other code",
    ),
) -> None:
    """Run every (model, task, seed); records already in --results are skipped (resume)."""
    import json

    from findna_bench import ui

    engine = ctx.obj
    models, suites, tasks = split_list(model), split_list(suite), split_list(task)
    if not suites and not tasks:
        raise ConfigError(
            "name what to run: --suite gue or --task gue/tf_0 (see `findna-bench list suites`)"
        )
    seed_list = parse_seeds(seeds)
    # every config is checked (values and factory keywords) before any data is read
    specs = engine.specs(
        models=models,
        suites=suites,
        tasks=tasks,
        seeds=seed_list,
        profile=profile,
        overrides=overrides or [],
    )
    if checkpoint is not None:
        specs = with_checkpoint(specs, checkpoint)
    if dry_run:
        for spec in specs:
            ui.out.print(json.dumps({"run_id": spec.run_id, "config": spec.config}, indent=1))
        return
    writable_results(results)
    common = dict(
        data_root=data_root(data),
        results=results,
        expected_seeds=len(seed_list),
        rerun=rerun,
        reuse=reuse,
    )
    if launcher != "local":
        from findna_bench.cli.launch_output import submit_and_report

        submit_and_report(
            engine, specs, launcher=launcher, options=split_list(slurm), device=device, **common
        )
        return
    from findna_bench.cli.exit_codes import SuiteTally
    from findna_bench.cli.suite_output import run_and_report

    tally = SuiteTally()
    engine.pm.register(tally, name="exit-codes")
    try:
        run_and_report(engine, specs, device=resolve_device(device), quiet=quiet, **common)
    finally:
        engine.pm.unregister(tally)
    tally.verdict(results)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": False})(run)
