"""What a pretraining run leaves and resumes from: its result, ``last.pt`` (everything needed to
continue exactly where it stopped) and ``final.pt`` (the weights fine-tuning starts from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from findna_bench.errors import ConfigError
from findna_bench.pretrain import checkpoint
from findna_bench.pretrain.genome import GenomeSampler
from findna_bench.types import transfer_module


@dataclass(kw_only=True)
class PretrainResult:
    steps: int
    seconds: float
    curve: list[dict] = field(default_factory=list)
    checkpoint: Path | None = None
    resumed_from: int = 0


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
