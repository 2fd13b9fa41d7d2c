"""``findna-bench gpu-check``: run the first-GPU-run checks and write gpu-check.json and .md.

The checks live in ``findna_bench.hardware.gpu_check`` (and the memory estimate in
``findna_bench.hardware.memory``); this module parses options, shows progress and writes the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from findna_bench.cli.common import DataRoot, data_root


def gpu_check(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="folder for gpu-check.json and gpu-check.md"),
    device: str = typer.Option("cuda", "--device", help="cuda | cuda:N | cpu"),
    quick: bool = typer.Option(
        False, "--quick", help="the same plan at tiny sizes (minutes on a CPU)"
    ),
    data: Path | None = DataRoot,
) -> None:
    """Check a GPU: versions, speed, bounded paper-sized runs, torchrun, per-task memory.

    Versions, chordmixer vs transformer speed, bounded paper pretraining and fine-tuning
    (steps/s, peak memory, projected time), a torchrun smoke and per-task memory needs."""
    from findna_bench import ui
    from findna_bench.cli.common import resolve_device
    from findna_bench.hardware import gpu_check as checks
    from findna_bench.hardware.gpu_check_md import render_md

    dev = resolve_device(device)
    report = checks.run(
        registry_path=ctx.obj.registry.path,
        data_root=data_root(data),
        device=dev,
        quick=quick,
        progress=lambda line: ui.err.print(line, highlight=False),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu-check.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "gpu-check.md").write_text(render_md(report))
    failed = [k for k, v in report.items() if isinstance(v, dict) and v.get("error")]
    ui.out.print(
        f"wrote {out / 'gpu-check.md'} and gpu-check.json"
        + (f"; failed checks: {', '.join(failed)}" if failed else "; all checks ran")
    )


def register(app: typer.Typer) -> None:
    app.command("gpu-check")(gpu_check)
