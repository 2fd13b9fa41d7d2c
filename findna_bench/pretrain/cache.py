"""Pretrained-checkpoint cache: one pretraining per recipe, reused by every task and seed.

A recipe's checkpoints live in ``<cache_dir>/pretrained/<recipe hash>/`` (``last.pt`` while it
runs, ``final.pt`` when done). ``findna-bench pretrain`` writes there by default, and
``findna-bench run`` pretrains there on a miss (resuming a partial run) and loads ``final.pt``
on a hit. The hash covers everything the weights depend on (backbone, objective, views, data,
optimiser, steps, seed), so changing any of them pretrains anew.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from findna_bench.pretrain import checkpoint
from findna_bench.pretrain.loop import pretrain
from findna_bench.pretrain.recipe import recipe_hash, recipe_of


def recipe_dir(cache_dir: Path, pretrain_cfg: dict) -> Path:
    return Path(cache_dir) / "pretrained" / recipe_hash(recipe_of(pretrain_cfg))


def ensure(
    pretrain_cfg: dict,
    *,
    catalog: Any,
    data_root: Path,
    device: torch.device,
    cache_dir: Path,
    on_step: Callable[[int, int, dict], None] = lambda *a: None,
) -> tuple[Path, bool]:
    """``(final.pt path, cache hit)``; pretrains (resuming a partial run) on a miss."""
    folder = recipe_dir(cache_dir, pretrain_cfg)
    final = folder / checkpoint.FINAL
    if final.exists():
        return final, True
    result = pretrain(
        pretrain_cfg,
        catalog=catalog,
        data_root=data_root,
        device=device,
        checkpoint_dir=folder,
        cache_dir=cache_dir,
        resume=True,
        on_step=on_step,
    )
    return result.checkpoint or final, False
