"""Analytic training-memory estimate of ChordMixer fine-tuning, per ``paper`` task.

Per layer and token, the backward pass keeps (``tests/test_memory.py`` checks this against the
tensors autograd actually saves): the matmul input of fc1 (``d`` values in the autocast dtype),
GELU's input and fc2's input (``h`` each), and one byte per element of every dropout mask
(``h + d`` with MLP dropout, ``d`` more with layer dropout). The residual additions and the
rotations save nothing. So activations = batch x length x layers x that, plus fp32 weights,
gradients and two AdamW moments (16 bytes per parameter). With ``checkpointing`` only each
encoder's fp32 input is kept, plus one encoder's activations during its recompute. Allocator
fragmentation, the CUDA context (~0.5-1 GB) and evaluation are not included; ``min_gpu`` leaves
10% and 1 GB of headroom.
"""

from __future__ import annotations

import math
from typing import Any

GB = 1e9
GPUS = (24, 40, 48, 80, 141)  # common card sizes in GB (RTX 4090/A10 ... H200)


def layer_bytes_per_token(
    *, dim: int, hidden: int, dropout: float, layer_dropout: float, amp: bool
) -> int:
    """Bytes one ChordMixer layer keeps for backward per token."""
    act = 2 if amp else 4
    masks = (hidden + dim if dropout > 0 else 0) + (dim if layer_dropout > 0 else 0)
    return act * (dim + 2 * hidden) + masks


def chordmixer_params(*, dim: int, hidden: int, layers: int, classes: int = 2) -> int:
    return 6 * dim + layers * (2 * dim * hidden + hidden + dim) + dim * classes + classes


def estimate(
    *,
    batch: int,
    length: int,
    dim: int,
    hidden: int,
    blocks: int,
    dropout: float = 0.0,
    layer_dropout: float = 0.0,
    amp: bool = True,
    checkpointing: bool = False,
) -> dict[str, float]:
    """Bytes of activations, of parameter/optimiser state, and their total, for one step."""
    per_encoder = max(1, math.ceil(math.log2(max(length, 1))))
    per_token = layer_bytes_per_token(
        dim=dim, hidden=hidden, dropout=dropout, layer_dropout=layer_dropout, amp=amp
    )
    tokens = batch * length
    if checkpointing:
        activations = tokens * (blocks * 4 * dim + per_encoder * per_token)
    else:
        activations = tokens * blocks * per_encoder * per_token
    states = 16 * chordmixer_params(dim=dim, hidden=hidden, layers=blocks * per_encoder)
    return {
        "layers": blocks * per_encoder,
        "activations": activations,
        "states": states,
        "total": activations + states,
    }


def fits(total_bytes: float, gpu_gb: float) -> bool:
    return total_bytes <= 0.9 * gpu_gb * GB - GB


def min_gpu(total_bytes: float) -> int | None:
    return next((g for g in GPUS if fits(total_bytes, g)), None)


def micro_batch_for(gpu_gb: float, *, batch: int, **shape: Any) -> int | None:
    """Largest micro-batch (batch / 2**k) whose step fits ``gpu_gb``; None if even 1 row does not."""
    micro = batch
    while micro >= 1:
        if fits(estimate(batch=micro, **shape)["total"], gpu_gb):
            return micro
        micro = micro // 2 if micro > 1 else 0
    return None


def task_row(registry: Any, catalog: Any, task: str, model: str = "chordmixer") -> dict[str, Any]:
    """The estimate of one task under the ``paper`` profile (the model's resolved config)."""
    from findna_bench.run.config import resolve

    cfg = resolve(registry, model, task, "paper")
    bb, ft = cfg["backbone"], cfg["finetune"]
    length = catalog.get("task", task).factory(**cfg["task"]).max_len
    shape = {
        "length": length,
        "dim": bb.get("dim") or 308,
        "hidden": bb.get("hidden", 512),
        "blocks": bb.get("blocks", 4),
        "dropout": bb.get("dropout", 0.0),
        "layer_dropout": bb.get("layer_dropout", 0.0),
        "amp": bool(ft["amp"]),
    }
    est = estimate(batch=ft["batch_size"], **shape)
    fp32 = estimate(batch=ft["batch_size"], **{**shape, "amp": False})
    ckpt = estimate(batch=ft["batch_size"], checkpointing=True, **shape)
    return {
        "task": task,
        "batch_size": ft["batch_size"],
        "length": length,
        "layers": est["layers"],
        "activations_gb": est["activations"] / GB,
        "total_gb": est["total"] / GB,
        "total_fp32_gb": fp32["total"] / GB,
        "checkpointing_gb": ckpt["total"] / GB,
        "min_gpu_gb": min_gpu(est["total"]),
        "micro_batch_40gb": micro_batch_for(40, batch=ft["batch_size"], **shape),
        "micro_batch_24gb": micro_batch_for(24, batch=ft["batch_size"], **shape),
    }


def paper_table(registry: Any, catalog: Any) -> list[dict[str, Any]]:
    """Every task the ``paper`` profile tunes, largest estimate first."""
    import fnmatch

    patterns = list(registry.profile("paper").get("tasks") or {})
    tasks = [t for t in catalog.names("task") if any(fnmatch.fnmatchcase(t, p) for p in patterns)]
    return sorted((task_row(registry, catalog, t) for t in tasks), key=lambda r: -r["total_gb"])


def render_md(rows: list | dict | None) -> list[str]:
    out = ["## Memory per paper task (chordmixer / findna, analytic, bf16 autocast)", ""]
    if not isinstance(rows, list):
        return [*out, f"error: {(rows or {}).get('error')}", ""]
    out += [
        (
            "| task | batch | L | layers | activations GB | total GB | fp32 GB | checkpointing GB | "
            "smallest GPU | micro-batch @40 GB | @24 GB |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['task']} | {r['batch_size']} | {r['length']} | {r['layers']} | "
            f"{r['activations_gb']:.1f} | {r['total_gb']:.1f} | {r['total_fp32_gb']:.1f} | "
            f"{r['checkpointing_gb']:.1f} | {r['min_gpu_gb'] or '>141'} GB | "
            f"{r['micro_batch_40gb'] or '-'} | {r['micro_batch_24gb'] or '-'} |"
        )
    return [*out, ""]
