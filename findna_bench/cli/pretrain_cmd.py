"""``findna-bench pretrain``: pretrain a model's recipe on genome windows, with live progress.

By default the checkpoints go to the pretrained-checkpoint cache (``.findna-cache/pretrained/
<recipe hash>/``), so a later ``findna-bench run`` of the same model and profile reuses them.
Under ``torchrun --nproc_per_node N -m findna_bench pretrain ...`` it runs data-parallel.
"""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import DataRoot, data_root, resolve_device

FIELDS = ("loss", "mnm_loss", "mnm_acc", "cl_loss", "ema", "lr")


def _progress(quiet: bool):
    """``(callback, stop)``: a rich bar on a terminal, a plain line per log step otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from findna_bench import ui

    def text(metrics: dict) -> str:
        return " ".join(f"{k} {metrics[k]:.4g}" for k in FIELDS if k in metrics)

    if quiet:
        return (lambda *a: None), (lambda: None)
    if not ui.interactive():
        return (
            lambda s, t, m: ui.err.print(f"pretrain step {s}/{t} {text(m)}", highlight=False)
        ), (lambda: None)
    bar = Progress(
        TextColumn("pretrain"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=ui.err,
    )
    task = bar.add_task("pretrain", total=None, info="")
    bar.start()
    return (lambda s, t, m: bar.update(task, completed=s, total=t, info=text(m))), bar.stop


def register(app: typer.Typer) -> None:
    @app.command()
    def pretrain(
        ctx: typer.Context,
        overrides: list[str] | None = typer.Argument(
            None, help="key=value overrides, e.g. pretrain.steps=200"
        ),
        model: str = typer.Option(
            ..., "--model", "-m", help="a model with a pretrain: recipe (findna, cm-mnm, ...)"
        ),
        profile: str = typer.Option("cpu", "--profile", "-p", help="smoke | cpu | paper"),
        data: Path | None = DataRoot,
        checkpoint_dir: Path | None = typer.Option(
            None, "--checkpoint-dir", help="where last.pt/final.pt go [default: the cache]"
        ),
        cache_dir: Path = typer.Option(
            Path(".findna-cache"), "--cache-dir", help="pretrained-checkpoint cache"
        ),
        resume: bool = typer.Option(
            False, "--resume", help="continue from last.pt in the checkpoint dir"
        ),
        device: str = typer.Option("auto", "--device", help="auto | cpu | cuda"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress output"),
    ) -> None:
        """Pretrain MODEL's recipe; prints the checkpoint path and the MNM loss curve's ends.

        On a CPU shared with other jobs, OMP_NUM_THREADS=1 is often many times faster.
        """
        from findna_bench import config as config_mod
        from findna_bench import ui
        from findna_bench.errors import ConfigError
        from findna_bench.pretrain import cache, checkpoint, ddp
        from findna_bench.pretrain.loop import pretrain as run_pretrain

        session = ctx.obj
        # checked (recipe values, factory keywords) before any genome window is read
        cfg = config_mod.resolve(
            session.registry,
            model,
            "pretrain",
            profile,
            config_mod.parse_overrides(overrides or []),
            catalog=session.catalog,
        )
        if not cfg.get("pretrain"):
            raise ConfigError(f"model '{model}' has no pretrain: recipe in {session.registry.path}")
        target = resolve_device(device)
        distributed = ddp.init_from_env(target)
        folder = checkpoint_dir or cache.recipe_dir(cache_dir, cfg["pretrain"])
        if (folder / checkpoint.FINAL).exists() and not resume:
            ui.out.print(f"already pretrained: {folder / checkpoint.FINAL}")
            return
        main = ddp.rank() == 0
        on_step, stop = _progress(quiet or not main)
        try:
            result = run_pretrain(
                cfg["pretrain"],
                catalog=session.catalog,
                data_root=data_root(data),
                device=target,
                checkpoint_dir=folder,
                cache_dir=cache_dir,
                resume=resume,
                on_step=on_step,
            )
        finally:
            stop()
            if distributed:
                import torch.distributed as dist

                dist.destroy_process_group()
        if main and result.curve:
            first, last = result.curve[0], result.curve[-1]
            ui.out.print(
                f"pretrained {model} ({profile}): {last['step']} steps in {result.seconds:.0f}s"
                f" (resumed from step {result.resumed_from}); mnm_loss {first['mnm_loss']:.4f}"
                f" @ step {first['step']} -> {last['mnm_loss']:.4f}; mnm_acc "
                f"{first['mnm_acc']:.3f} -> {last['mnm_acc']:.3f}; checkpoint {result.checkpoint}"
            )
