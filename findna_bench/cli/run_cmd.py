"""``findna-bench run``: run models x tasks x seeds, resume what exists, print the leaderboard."""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import (
    CacheDir,
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

MODEL = typer.Option(..., "--model", "-m", help="model name(s), comma-separated")
OVERRIDES = typer.Argument(None, help="key=value config overrides, e.g. finetune.lr=3e-4")
SUITE = typer.Option(None, "--suite", "-s", help="suite name(s): gue, gb, mtcdna, ...")
TASK = typer.Option(None, "--task", "-t", help="task name(s) or globs, e.g. gue/tf_0")
SEEDS = typer.Option(
    "3", "--seeds", help="a count (3 -> 0,1,2) or a list (0,4,7; 0, is seed 0 alone)"
)
PROFILE = typer.Option(
    "cpu", "--profile", "-p", help="smoke | cpu | paper | any profile in registry.yaml"
)
DRY_RUN = typer.Option(False, "--dry-run", help="print the resolved runs and configs, run nothing")
CHECKPOINT = typer.Option(
    None,
    "--checkpoint",
    help="pretrained final.pt to fine-tune "
    "from (models with a pretrain: recipe) instead of the cache",
)
LAUNCHER = typer.Option(
    "local",
    "--launcher",
    help="local (this process) | slurm (one submitit "
    "job per run) | submitit-local (the same jobs as local processes)",
)
SLURM = typer.Option(
    None,
    "--slurm",
    help="submitit parameter key=value, e.g. "
    "slurm_partition=gpu timeout_min=240 gpus_per_node=1 folder=DIR",
)
RERUN = typer.Option(
    False,
    "--rerun",
    help="run again even if recorded (the new record goes beside the old one)",
)
REUSE = typer.Option(
    "same-code",
    "--reuse-records",
    help="same-code: resume only from records "
    "of this code | any-code: also accept records made by other code",
)


def run(
    ctx: typer.Context,
    overrides: list[str] | None = OVERRIDES,
    model: list[str] = MODEL,
    suite: list[str] | None = SUITE,
    task: list[str] | None = TASK,
    seeds: str = SEEDS,
    profile: str = PROFILE,
    device: str = Device,
    data: Path | None = DataRoot,
    cache_dir: Path | None = CacheDir,
    results: Path = Results,
    dry_run: bool = DRY_RUN,
    quiet: bool = Quiet,
    checkpoint: Path | None = CHECKPOINT,
    launcher: str = LAUNCHER,
    slurm: list[str] | None = SLURM,
    rerun: bool = RERUN,
    reuse: str = REUSE,
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
        cache_dir=cache_dir,
        expected_seeds=len(seed_list),
        rerun=rerun,
        reuse=reuse,
    )
    if launcher != "local":
        from findna_bench.cli.launch_output import submit_and_report

        submit_and_report(
            engine, specs, launcher=launcher, options=split_list(slurm), device=device, **common
        )
    else:
        run_here(engine, specs, device=device, quiet=quiet, **common)


def run_here(engine, specs: list, *, device: str, quiet: bool, **common) -> None:
    """The in-process launcher: the suite with progress, the board, and the exit code."""
    from findna_bench.cli.exit_codes import SuiteTally
    from findna_bench.cli.suite_output import run_and_report

    tally = SuiteTally()
    engine.pm.register(tally, name="exit-codes")
    try:
        run_and_report(engine, specs, device=resolve_device(device), quiet=quiet, **common)
    finally:
        engine.pm.unregister(tally)
    tally.verdict(common["results"])


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": False})(run)
