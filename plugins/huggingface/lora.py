"""LoRA that trains: peft adapters on modules the model really calls, proven by a gradient.

``add_lora`` wraps the targets; ``untrained_adapters`` runs one forward and backward pass and
names every adapted module whose LoRA weights got no gradient (a module the model reads the
weight of directly instead of calling, as Mamba does with ``in_proj``). ``parameter_groups``
counts trainable parameters per module group for the record.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from findna_bench.errors import ConfigError

from .source import INSTALL


def add_lora(net: nn.Module, *, rank: int, alpha: float, dropout: float, targets: Any) -> nn.Module:
    """Wrap ``net`` with peft LoRA adapters: base weights frozen, adapters trainable."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise ConfigError(INSTALL) from exc
    config = LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets, bias="none"
    )
    try:
        with warnings.catch_warnings():  # transformers' deprecation notes inside peft
            warnings.simplefilter("ignore", FutureWarning)
            return get_peft_model(net, config)
    except ValueError as exc:
        raise ConfigError(
            f"backbone.adapter=lora: {exc}; name modules the model calls with "
            "backbone.lora_targets=[...]"
        ) from exc


def adapted_modules(net: nn.Module) -> dict[str, list[nn.Parameter]]:
    """Adapted module name -> its LoRA parameters."""
    out: dict[str, list[nn.Parameter]] = {}
    for name, param in net.named_parameters():
        if ".lora_" in name:
            out.setdefault(name.split(".lora_")[0], []).append(param)
    return out


def untrained_adapters(net: nn.Module, loss_of: Callable[[], torch.Tensor]) -> list[str]:
    """Adapted modules whose LoRA weights get no non-zero gradient from one backward pass of
    ``loss_of()`` (the model in eval mode: no dropout, no randomness drawn); gradients are
    cleared after."""
    was_training = net.training
    net.eval()
    try:
        loss = loss_of()
        if not loss.requires_grad:  # no adapter is on the path the model runs
            return list(adapted_modules(net))
        loss.backward()
        dead = [
            name
            for name, params in adapted_modules(net).items()
            if not any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in params)
        ]
    finally:
        for param in net.parameters():
            param.grad = None
        net.train(was_training)
    return dead


def refuse_untrained(dead: list[str], targets: Any) -> None:
    if dead:
        names = sorted({d.rsplit(".", 1)[-1] for d in dead})
        raise ConfigError(
            f"backbone.lora_targets={targets}: the model never calls {', '.join(names)} as "
            f"modules ({len(dead)} adapted modules got no gradient, e.g. {dead[0]}); target "
            "modules on its forward path"
        )


def parameter_groups(net: nn.Module) -> dict[str, int]:
    """Trainable parameters per group: ``lora <target>`` for adapters, else the top module."""
    counts: Counter[str] = Counter()
    for name, param in net.named_parameters():
        if not param.requires_grad:
            continue
        parts = name.removeprefix("base_model.model.").split(".")
        if any(p.startswith("lora_") for p in parts):
            target = parts[next(i for i, p in enumerate(parts) if p.startswith("lora_")) - 1]
            counts[f"lora {target}"] += param.numel()
        else:
            counts[parts[0]] += param.numel()
    return dict(sorted(counts.items()))
