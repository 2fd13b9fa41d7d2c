"""One pretraining step: its generator and batch, micro-batches with gradient accumulation
(see ``loop``'s docstring), the optimiser update and the deferred NaN check."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler

from findna_bench.errors import ConfigError
from findna_bench.optim import NonFiniteLoss, autocast
from findna_bench.pretrain import ddp
from findna_bench.types import Accumulating, EndAccumulation


def step_generator(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed((seed * 1_000_003 + step) % 2**62)


def batch_maker(
    tokens: torch.Tensor, ids: torch.Tensor, seed: int, step: int
) -> Callable[[slice], dict]:
    """``rows -> batch`` of one step; every call gets a fresh generator seeded by the step, so
    the views of any rows equal those drawn for the whole batch."""

    def make(rows: slice) -> dict:
        return {
            "tokens": tokens,
            "ids": ids,
            "rows": rows,
            "seed": seed,
            "generator": step_generator(seed, step),
        }

    return make


def micro_slices(rows: slice, micro: int | None) -> list[slice]:
    """This rank's ``rows`` cut into consecutive slices of at most ``micro`` rows."""
    if not micro or micro >= rows.stop - rows.start:
        return [rows]
    if micro < 1:
        raise ConfigError(
            f"pretrain.micro_batch_size {micro}: give a positive number of rows or null"
        )
    return [slice(s, min(s + micro, rows.stop)) for s in range(rows.start, rows.stop, micro)]


def forward_backward(
    model: nn.Module,
    objective: nn.Module,
    make_batch: Callable[[slice], dict],
    parts: list[slice],
    *,
    device: torch.device,
    amp: bool,
) -> dict[str, torch.Tensor]:
    """Forward and backward of one step over ``parts`` (micro-batches of this rank's rows);
    returns the step's detached outputs, summed over micro-batches (see the module docstring)."""
    if len(parts) == 1:
        with autocast(device, amp):
            out = model(make_batch(parts[0]))
        out["loss"].backward()
        return {k: v.detach() for k, v in out.items()}
    if not isinstance(objective, Accumulating):
        raise ConfigError(
            f"pretrain.micro_batch_size: objective {type(objective).__name__} cannot "
            "run in micro-batches (it has no totals()); set micro_batch_size: null"
        )
    whole = slice(parts[0].start, parts[-1].stop)
    totals = {k: ddp.total(v) for k, v in objective.totals(make_batch(whole)).items()}
    summed: dict[str, torch.Tensor] = {}
    for i, part in enumerate(parts):
        sync = (
            model.no_sync()
            if isinstance(model, nn.parallel.DistributedDataParallel)
            and ddp.active()
            and i < len(parts) - 1
            else contextlib.nullcontext()
        )
        with sync:
            with autocast(device, amp):
                out = model({**make_batch(part), "totals": totals})
            out["loss"].backward()
        for key, value in out.items():
            summed[key] = summed.get(key, 0) + value.detach()
    if isinstance(objective, EndAccumulation):
        objective.end_accumulation()
    return summed


def apply_update(
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler,
    params: Sequence[torch.Tensor],
    grad_clip: float | None,
) -> None:
    """Clip, step the optimiser and the schedule, clear the gradients."""
    if grad_clip:
        nn.utils.clip_grad_norm_(params, grad_clip)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def check_finite(bad: torch.Tensor, since: int, step: int) -> None:
    """Raise if a loss of steps ``since+1 .. step`` was NaN or infinite (one host sync)."""
    if bool(bad):
        raise NonFiniteLoss(
            f"pretraining loss became non-finite between steps {since + 1} and {step}"
        )
