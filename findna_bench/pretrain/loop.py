"""The pretraining loop: recipe -> objective on streamed genome windows -> checkpoints.

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

import contextlib
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from findna_bench.errors import ConfigError
from findna_bench.pretrain import checkpoint, ddp
from findna_bench.pretrain.genome import GenomeSampler
from findna_bench.pretrain.view import build_views
from findna_bench.run.config import config_hash
from findna_bench.run.train import NonFiniteLoss, autocast, lr_lambda
from findna_bench.types import Accumulating, AfterStep, EndAccumulation, transfer_module

RECIPE_KEYS = {
    "backbone",
    "objective",
    "views",
    "data",
    "steps",
    "batch_size",
    "lr",
    "weight_decay",
    "warmup",
    "grad_clip",
    "amp",
    "seed",
    "checkpoint_every",
    "log_every",
    "micro_batch_size",
}
NOT_HASHED = ("checkpoint_every", "log_every", "micro_batch_size")
DEFAULTS: dict[str, Any] = {
    "steps": 100,
    "batch_size": 8,
    "lr": 3e-4,
    "weight_decay": 3e-4,
    "warmup": 0.3,
    "grad_clip": 0.5,
    "amp": True,
    "seed": 0,
    "checkpoint_every": 100,
    "log_every": 10,
    "views": {},
    "micro_batch_size": None,
}


@dataclass(kw_only=True)
class PretrainResult:
    steps: int
    seconds: float
    curve: list[dict] = field(default_factory=list)
    checkpoint: Path | None = None
    resumed_from: int = 0


def recipe_of(pretrain: dict) -> dict:
    """The recipe with defaults filled in; unknown keys are an error."""
    unknown = set(pretrain) - RECIPE_KEYS
    if unknown:
        raise ConfigError(
            f"pretrain: unknown key(s) {sorted(unknown)}; allowed: {sorted(RECIPE_KEYS)}"
        )
    for key in ("backbone", "objective", "data"):
        if not pretrain.get(key):
            raise ConfigError(f"pretrain: needs {key}: (see the findna model in registry.yaml)")
    return {**DEFAULTS, **pretrain}


def recipe_hash(recipe: dict) -> str:
    """What the pretrained weights depend on (not checkpoint or logging frequency, nor the
    micro-batch size)."""
    return config_hash({k: v for k, v in recipe.items() if k not in NOT_HASHED})


def build_objective(catalog: Any, recipe: dict) -> nn.Module:
    """Backbone (sized for window length + CLS slots) wrapped by the registered objective."""
    objective_cfg = dict(recipe["objective"])
    entry = catalog.get("objective", objective_cfg.pop("use"))
    slots = objective_cfg.get("cls_slots", entry.signature().parameters.get("cls_slots"))
    slots = slots.default if isinstance(slots, inspect.Parameter) else (slots or 0)
    backbone = catalog.build_backbone(
        recipe["backbone"], recipe["data"].get("length", 1000) + int(slots)
    )
    return entry.factory(backbone, views=build_views(catalog, recipe["views"]), **objective_cfg)


def build_sampler(recipe: dict, data_root: Path, cache_dir: Path) -> GenomeSampler:
    data = dict(recipe["data"])
    fasta = [Path(data_root) / p for p in data.pop("fasta", None) or []]
    index_cache = Path(cache_dir) if data.pop("index_cache", False) else None
    try:
        return GenomeSampler(fasta, seed=recipe["seed"], index_cache=index_cache, **data)
    except TypeError as exc:
        raise ConfigError(f"pretrain.data: {exc}") from exc


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
        sync = model.no_sync() if ddp.active() and i < len(parts) - 1 else contextlib.nullcontext()
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
    scheduler: object,
    params: list[torch.Tensor],
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


def resume_state(
    last: Path,
    digest: str,
    sampler: GenomeSampler,
    objective: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    result: PretrainResult,
) -> tuple[int, float]:
    """Load ``last.pt`` into the objective, optimiser, scheduler and RNGs (refusing another
    recipe's); returns (steps done, seconds spent) and restores the curve so far."""
    state = checkpoint.load(last)  # on the CPU: RNG states must stay there
    if state["recipe_hash"] != digest or state["sampler"]["fingerprint"] != sampler.fingerprint():
        raise ConfigError(
            f"{last} was written by a different pretraining recipe; pass a fresh "
            "--checkpoint-dir or drop --resume"
        )
    objective.load_state_dict(state["objective"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    checkpoint.set_rng_state(state["rng"])
    result.curve = state["curve"]
    result.resumed_from = state["step"]
    return state["step"], state["seconds"]


def save_last(
    last: Path,
    digest: str,
    recipe: dict,
    step: int,
    seconds: float,
    curve: list[dict],
    objective: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    sampler: GenomeSampler,
) -> None:
    """``last.pt``: everything ``resume_state`` needs to continue exactly where this stopped."""
    checkpoint.save(
        last,
        {
            "recipe_hash": digest,
            "recipe": recipe,
            "step": step,
            "curve": curve,
            "seconds": seconds,
            "objective": objective.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "sampler": {
                "fingerprint": sampler.fingerprint(),
                "windows": step * int(recipe["batch_size"]),
            },
            "rng": checkpoint.rng_state(),
        },
    )


def save_final(
    folder: Path, digest: str, recipe: dict, result: PretrainResult, objective: nn.Module
) -> Path:
    """``final.pt``: the recipe, the curve and the weights fine-tuning starts from."""
    return checkpoint.save(
        folder / checkpoint.FINAL,
        {
            "recipe_hash": digest,
            "recipe": recipe,
            "steps": int(recipe["steps"]),
            "curve": result.curve,
            "seconds": result.seconds,
            "backbone": recipe["backbone"],
            "transfer": {
                k: v.detach().cpu() for k, v in transfer_module(objective).state_dict().items()
            },
        },
    )


@dataclass(kw_only=True)
class Session:
    """One pretraining's working set: the recipe, the objective and what updates it."""

    recipe: dict
    digest: str
    objective: nn.Module
    sampler: GenomeSampler
    params: list[torch.Tensor]
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
