"""Optimisation pieces shared by fine-tuning (``run/train.py``) and pretraining (``pretrain/``).

The learning-rate schedule (linear warm-up, then half-cosine decay to zero), bf16 autocast (on
CUDA, and on a CPU when asked), and the error a non-finite training loss raises. Part of the
training path: a change here changes numbers (``fingerprint.ENGINE``, the golden probes).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


class NonFiniteLoss(RuntimeError):
    """The training loss became NaN or infinite."""


def lr_lambda(total: int, warmup: float) -> Callable[[int], float]:
    """Linear warm-up over a fraction of steps, then half-cosine decay to zero."""
    warm = max(1, round(total * warmup)) if warmup > 0 else 0

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, total - warm)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def autocast(device: torch.device, enabled: bool, *, cpu: bool = False):
    """bf16 autocast on CUDA when ``enabled``, on a CPU when ``cpu`` (``finetune.cpu_amp``);
    a no-op context elsewhere. Weights, optimiser state and the loss stay fp32 either way."""
    if device.type == "cpu":
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu)
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=enabled and device.type == "cuda")
