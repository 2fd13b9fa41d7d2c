"""``findna-bench pretrain``: pretrain a model's recipe on genome windows, with live progress.

By default the checkpoints go to the pretrained-checkpoint cache (``~/.cache/findna-bench/
pretrained/<recipe hash>/``, or ``--cache-dir`` / ``FINDNA_BENCH_CACHE``), so a later
``findna-bench run`` of the same model and profile reuses them.
Under ``torchrun --nproc_per_node N -m findna_bench pretrain ...`` it runs data-parallel.
"""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import CacheDir, DataRoot, Device, Quiet, data_root, resolve_device

OVERRIDES = typer.Argument(None, help="key=value overrides, e.g. pretrain.steps=200")
MODEL = typer.Option(
    ..., "--model", "-m", help="a model with a pretrain: recipe (findna, cm-mnm, ...)"
)
CHECKPOINT_DIR = typer.Option(
    None, "--checkpoint-dir", help="where last.pt/final.pt go [default: the cache]"
)
RESUME = typer.Option(False, "--resume", help="continue from last.pt in the checkpoint dir")


def pretrain(
    ctx: typer.Context,
    overrides: list[str] | None = OVERRIDES,
    model: str = MODEL,
    profile: str = typer.Option("cpu", "--profile", "-p", help="smoke | cpu | paper"),
    data: Path | None = DataRoot,
    checkpoint_dir: Path | None = CHECKPOINT_DIR,
    cache_dir: Path | None = CacheDir,
    resume: bool = RESUME,
    device: str = Device,
    quiet: bool = Quiet,
) -> None:
    """Pretrain MODEL's recipe; print the checkpoint and each logged metric's first and last value.

    On a CPU shared with other jobs, OMP_NUM_THREADS=1 is often many times faster.
    """
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.paths import default_cache_dir
    from findna_bench.pretrain import cache, checkpoint

    engine = ctx.obj
    # checked (recipe values, factory keywords) before any genome window is read
    cfg = engine.recipe(model, profile, overrides or [])
    if not cfg.get("pretrain"):
        raise ConfigError(f"model '{model}' has no pretrain: recipe in {engine.registry.path}")
    target = resolve_device(device)
    cache_dir = cache_dir or default_cache_dir()
    folder = checkpoint_dir or cache.recipe_dir(cache_dir, cfg["pretrain"])
    if (folder / checkpoint.FINAL).exists() and not resume:
        ui.out.print(f"already pretrained: {folder / checkpoint.FINAL}")
        return
    where = dict(data_root=data_root(data), checkpoint_dir=folder, cache_dir=cache_dir)
    result, main = pretrain_here(
        engine, cfg["pretrain"], device=target, quiet=quiet, resume=resume, **where
    )
    if main and result.curve:
        ui.out.print(summary(model, profile, result))


def pretrain_here(engine, recipe: dict, *, device, quiet: bool, **where) -> tuple:
    """Pretrain ``recipe`` in this process (one rank of it under torchrun) with progress on
    rank 0; returns the result and whether this is rank 0."""
    from findna_bench import ui
    from findna_bench.pretrain import ddp
    from findna_bench.pretrain.loop import pretrain as run_pretrain

    distributed = ddp.init_from_env(device)
    main = ddp.rank() == 0
    progress = engine.plugin("progress")
    if progress is not None:
        progress.configure(ui.err, live=ui.interactive(), quiet=quiet or not main)
    hook = engine.hook
    try:
        result = run_pretrain(
            recipe,
            catalog=engine.catalog,
            device=device,
            on_step=lambda s, t, m: hook.on_train_step(
                spec=None, stage="pretrain", step=s, total_steps=t, metrics=m
            ),
            **where,
        )
    finally:
        if progress is not None:
            progress.configure(None)
        if distributed:
            import torch.distributed as dist

            dist.destroy_process_group()
    return result, main


def summary(model: str, profile: str, result) -> str:
    """The run in one line: steps, time, each metric the objective logged (first -> last)."""
    first, last = result.curve[0], result.curve[-1]
    ends = "; ".join(
        f"{k} {first[k]:.4g} -> {last[k]:.4g}"
        for k in last
        if k not in ("step", "lr") and k in first
    )
    return (
        f"pretrained {model} ({profile}): {last['step']} steps in {result.seconds:.0f}s"
        f" (resumed from step {result.resumed_from}); {ends} (steps {first['step']} -> "
        f"{last['step']}); checkpoint {result.checkpoint}"
    )


def register(app: typer.Typer) -> None:
    app.command()(pretrain)
