"""The pretraining loop: recipe -> objective on streamed genome windows -> checkpoints.

It reads top to bottom: ``open_session`` builds what a run holds, ``run_steps`` is the loop,
``pretrain`` runs (or resumes) it. The recipe lives in ``recipe``, one step in ``step``, the
checkpoints in ``state``.

AdamW, linear warm-up then half-cosine decay, gradient clipping, bf16 autocast on CUDA, the
objective's ``after_step`` (EMA teacher) after every optimiser step, and progress through a
callback; never prints. All randomness is a function of ``(seed, step)`` or lives in the
checkpoint (model, optimiser, scheduler, centre, global RNG), so a run killed at any point and
resumed from ``last.pt`` reaches the same step count with the same loss curve. Under
``torchrun`` it runs data-parallel (see ``ddp``); rank 0 writes the checkpoints.

Gradient accumulation: with ``micro_batch_size`` set, each rank's rows of a step run in
micro-batches of at most that many rows, forward and backward one after another (DDP's
gradient all-reduce only on the last). The objective first counts the step's loss
denominators from the views alone (``objective.totals(batch)``, summed over ranks); each
micro-batch then returns its share of the whole batch's mean, so the summed gradient equals the
full batch's (``tests/pretrain/test_accumulation.py``); ``end_accumulation`` then applies
batch-level state such as the DINO centre once. ``micro_batch_size`` is not part of the recipe
hash: it changes memory, not the result.

The loss is checked for NaN/inf at log and checkpoint steps only (no host sync every step); a
non-finite loss stops the run before a checkpoint could store its weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from findna_bench.optim import lr_lambda
from findna_bench.pretrain import checkpoint, ddp
from findna_bench.pretrain.genome import GenomeSampler
from findna_bench.pretrain.recipe import build_objective, build_sampler, recipe_hash, recipe_of
from findna_bench.pretrain.state import PretrainResult, resume_state, save_final, save_last
from findna_bench.pretrain.step import (
    apply_update,
    batch_maker,
    check_finite,
    forward_backward,
    micro_slices,
)
from findna_bench.types import AfterStep


@dataclass(kw_only=True)
class Session:
    """One pretraining's working set: the recipe, the objective and what updates it."""

    recipe: dict
    digest: str
    objective: nn.Module
    sampler: GenomeSampler
    params: list[nn.Parameter]
    optimizer: torch.optim.Optimizer
    scheduler: Any
    result: PretrainResult
    last: Path | None

    def resume(self) -> tuple[int, float]:
        """(steps done, seconds spent) from ``last.pt``, or (0, 0.0) when there is none."""
        if self.last is None or not self.last.exists():
            return 0, 0.0
        return resume_state(
            self.last,
            self.digest,
            self.sampler,
            self.objective,
            self.optimizer,
            self.scheduler,
            self.result,
        )

    def save(self, step: int, seconds: float) -> None:
        if self.last is not None and ddp.rank() == 0:
            save_last(
                self.last,
                self.digest,
                self.recipe,
                step,
                seconds,
                self.result.curve,
                self.objective,
                self.optimizer,
                self.scheduler,
                self.sampler,
            )


def open_session(
    pretrain_cfg: dict,
    *,
    catalog: Any,
    data_root: Path,
    device: torch.device,
    checkpoint_dir: Path | None,
    cache_dir: Path,
) -> Session:
    """Seed, build the objective and the genome sampler, and the optimiser with its schedule."""
    recipe = recipe_of(pretrain_cfg)
    total = int(recipe["steps"])
    torch.manual_seed(int(recipe["seed"]))
    objective = build_objective(catalog, recipe).to(device)
    sampler = build_sampler(recipe, data_root, cache_dir)
    params = [p for p in objective.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    return Session(
        recipe=recipe,
        digest=recipe_hash(recipe),
        objective=objective,
        sampler=sampler,
        params=params,
        optimizer=optimizer,
        scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(total, recipe["warmup"])),
        result=PretrainResult(steps=total, seconds=0.0),
        last=Path(checkpoint_dir) / checkpoint.LAST if checkpoint_dir else None,
    )


def run_steps(
    session: Session,
    model: nn.Module,
    step: int,
    end: int,
    *,
    device: torch.device,
    started: float,
    on_step: Callable[[int, int, dict], None],
) -> int:
    """Optimiser steps ``step .. end``: log, check finiteness and checkpoint on schedule."""
    recipe, objective, result = session.recipe, session.objective, session.result
    total, batch_size, seed = int(recipe["steps"]), int(recipe["batch_size"]), int(recipe["seed"])
    rows = ddp.shard(batch_size)
    parts = micro_slices(rows, recipe["micro_batch_size"])
    bad, checked = torch.zeros((), dtype=torch.bool, device=device), step
    session.optimizer.zero_grad(set_to_none=True)
    while step < end:
        tokens, ids = session.sampler.batch(step, batch_size, rows)
        make_batch = batch_maker(tokens.to(device), ids, seed, step)
        out = forward_backward(
            model, objective, make_batch, parts, device=device, amp=recipe["amp"]
        )
        bad |= ~torch.isfinite(out["loss"])
        apply_update(session.optimizer, session.scheduler, session.params, recipe["grad_clip"])
        extra = objective.after_step(step, total) if isinstance(objective, AfterStep) else None
        step += 1
        log = step % recipe["log_every"] == 0 or step == end
        if log or step % recipe["checkpoint_every"] == 0:
            check_finite(bad, checked, step)
            checked = step
        if log:
            metrics = ddp.average({k: float(v) for k, v in out.items()} | (extra or {}))
            metrics["lr"] = session.scheduler.get_last_lr()[0]
            result.curve.append({"step": step, **metrics})
            if ddp.rank() == 0:
                on_step(step, total, metrics)
        if step % recipe["checkpoint_every"] == 0 or step == end:
            session.save(step, time.perf_counter() - started)
    return step


def pretrain(
    pretrain_cfg: dict,
    *,
    catalog: Any,
    data_root: Path,
    device: torch.device,
    checkpoint_dir: Path | None = None,
    cache_dir: Path = Path(".findna-cache"),
    resume: bool = True,
    on_step: Callable[[int, int, dict], None] = lambda *a: None,
    stop_at: int | None = None,
) -> PretrainResult:
    """Run (or resume) the recipe; returns the result, with ``final.pt`` when it completes.

    ``stop_at`` ends the loop early after that many steps (tests); the schedule still spans the
    recipe's ``steps``.
    """
    device = ddp.local_device(device)  # cuda:LOCAL_RANK under torchrun
    session = open_session(
        pretrain_cfg,
        catalog=catalog,
        data_root=data_root,
        device=device,
        checkpoint_dir=checkpoint_dir,
        cache_dir=cache_dir,
    )
    step, elapsed = session.resume() if resume else (0, 0.0)
    objective, result = session.objective, session.result
    model = ddp.wrap(objective, device) if ddp.active() else objective
    started = time.perf_counter() - elapsed
    objective.train()
    end = min(result.steps, stop_at) if stop_at is not None else result.steps
    step = run_steps(session, model, step, end, device=device, started=started, on_step=on_step)
    result.seconds = time.perf_counter() - started
    if step == result.steps and checkpoint_dir is not None and ddp.rank() == 0:
        result.checkpoint = save_final(
            Path(checkpoint_dir), session.digest, session.recipe, result, objective
        )
    if ddp.active():
        torch.distributed.barrier()
    return result
