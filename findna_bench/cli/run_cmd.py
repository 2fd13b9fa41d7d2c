"""``findna-bench run``: run models x tasks x seeds, resume what exists, print the leaderboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    writable_folder,
)
from findna_bench.errors import ConfigError
from findna_bench.results.locks import lock_max_age
from findna_bench.run.settings import SuiteSettings

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
DRY_RUN = typer.Option(
    False,
    "--dry-run",
    help="print the plan (per model: to run, recorded, unavailable); run nothing",
)
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


DETERMINISTIC = typer.Option(
    False,
    "--deterministic",
    help="bit-identical runs on any x86 machine of this kind: AVX2 kernels, one thread, "
    "deterministic algorithms (slower; README: reproduction)",
)
SEALED = typer.Option(
    False,
    "--sealed-test",
    help="store test predictions but no test number, while budgets, patience and learning "
    "rates are chosen on validation curves; `findna-bench unseal` reveals them",
)
JSON = typer.Option(
    False, "--json", help="with --dry-run: one JSON document, the plan and every run's config"
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
    as_json: bool = JSON,
    quiet: bool = Quiet,
    checkpoint: Path | None = CHECKPOINT,
    launcher: str = LAUNCHER,
    slurm: list[str] | None = SLURM,
    rerun: bool = RERUN,
    reuse: str = REUSE,
    deterministic: bool = DETERMINISTIC,
    sealed_test: bool = SEALED,
) -> None:
    """Run every (model, task, seed); records already in --results are skipped (resume)."""
    if deterministic:
        from findna_bench.hardware import determinism

        determinism.pin_and_reexec()  # before torch loads; then in the pinned process:
        determinism.apply()
    if as_json and not dry_run:
        raise ConfigError("--json goes with --dry-run (the plan as JSON); a run writes records")
    engine, seed_list = ctx.obj, parse_seeds(seeds)
    lock_max_age()  # FINDNA_BENCH_LOCK_MAX_AGE is checked before any work, as every input
    names = dict(models=split_list(model), suites=split_list(suite), tasks=split_list(task))
    if not names["models"]:
        raise ConfigError(
            f"--model {','.join(model)!r} names no model; pass e.g. -m cnn "
            "(see `findna-bench list models`)"
        )
    specs = resolve_specs(engine, **names, seeds=seed_list, profile=profile, overrides=overrides)
    if checkpoint is not None:
        specs = with_checkpoint(specs, checkpoint)
    shared = dict(
        results=results, cache_dir=cache_dir, rerun=rerun, reuse=reuse, sealed_test=sealed_test
    )
    where: dict[str, Any] = dict(launcher=launcher, slurm=slurm, device=device, quiet=quiet)
    where["expected_seeds"] = len(seed_list)
    plan_or_launch(engine, specs, shared, data, dry_run=dry_run, as_json=as_json, **where)


def plan_or_launch(
    engine, specs: list, shared: dict, data: Path | None, *, dry_run: bool, as_json: bool, **where
) -> bool:
    """Show the plan (``dry_run``) or run the specs (``launch``); whether they ran.
    ``shared``: the ``SuiteSettings`` besides the data root; ``where``: ``launch``'s options
    (launcher, slurm, device, quiet, expected_seeds)."""
    if dry_run:
        from findna_bench.cli.plan_output import show_plan

        root = data_root(data, must_exist=False)
        show_plan(engine, specs, SuiteSettings(data_root=root, **shared), as_json=as_json)
        return False
    writable_folder(shared["results"])
    launch(engine, specs, SuiteSettings(data_root=data_root(data), **shared), **where)
    return True


def launch(
    engine,
    specs: list,
    settings: SuiteSettings,
    *,
    launcher: str,
    slurm,
    device: str,
    quiet: bool,
    expected_seeds: int,
) -> None:
    """Run the specs here (``local``) or submit them as jobs (``slurm``, ``submitit-local``)."""
    if launcher != "local":
        from findna_bench.cli.launch_output import submit_and_report

        options = split_list(slurm)
        submit_and_report(
            engine,
            specs,
            settings,
            launcher=launcher,
            options=options,
            device=device,
            expected_seeds=expected_seeds,
        )
        return
    from findna_bench.cli.suite_output import run_here

    device = resolve_device(device)
    run_here(engine, specs, settings, device=device, quiet=quiet, expected_seeds=expected_seeds)


def resolve_specs(engine, *, suites: list[str], tasks: list[str], overrides, **options) -> list:
    """Every run's spec; each config is checked (values, factory keywords) before data is read."""
    if not suites and not tasks:
        raise ConfigError(
            "name what to run: --suite gue or --task gue/tf_0 (see `findna-bench list suites`)"
        )
    return engine.specs(suites=suites, tasks=tasks, overrides=overrides or [], **options)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": False})(run)
