"""Pretrained weights into a task backbone (findna-method.md §3.0), with a record of what moved.

Rule, applied by tensor name and shape: every tensor of the pretrained transfer network (the
teacher's backbone for self-distillation, the student's for MNM) whose name exists in the task
backbone with the same shape is copied: the embedding and the encoder layers. Pretrained tensors
the task backbone lacks (e.g. layers 8-10 of an encoder when the task needs 8 layers, or
encoders beyond the task's ``blocks``) are dropped; task tensors pretraining lacks (extra
layers for longer inputs) keep their random initialisation. The 5-way pretraining head is never
transferred. Backbone settings that differ from pretraining (e.g. a task preset's track size)
are kept as the task asks, with a warning in the record.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from torch import nn

from findna_bench.data import checksums
from findna_bench.errors import ConfigError
from findna_bench.pretrain import cache, checkpoint

RULE = (
    "copy pretrained embedding/encoder tensors whose name and shape match the task backbone; "
    "drop pretrained layers the task lacks; task layers pretraining lacks stay random; "
    "the pretraining output head is not transferred"
)


def _modules(keys: list[str]) -> list[str]:
    """Tensor names to module names, ``encoders.0.layers.9.mlp.fc1.weight`` -> ``encoders.0.layers.9``."""
    out = []
    for key in keys:
        match = re.match(r"(.*?\.\d+(?:\.\w+\.\d+)?)\.", key)
        name = match.group(1) if match else key.rsplit(".", 1)[0]
        if name not in out:
            out.append(name)
    return out


def copy_weights(backbone: nn.Module, source: dict) -> dict[str, Any]:
    """Copy matching tensors of ``source`` into ``backbone``; returns what was copied/dropped."""
    target = backbone.state_dict()
    copied = [k for k, v in source.items() if k in target and target[k].shape == v.shape]
    mismatched = [k for k, v in source.items() if k in target and target[k].shape != v.shape]
    dropped = [k for k in source if k not in target]
    kept_random = [k for k in target if k not in source or k in mismatched]
    backbone.load_state_dict({**target, **{k: source[k] for k in copied}})
    return {
        "copied": len(copied),
        "copied_modules": _modules(copied),
        "dropped_modules": _modules(dropped),
        "shape_mismatch": mismatched,
        "kept_random_modules": _modules(kept_random),
    }


def backbone_warnings(pretrained: dict, task: dict) -> list[str]:
    """One line per backbone setting where the task differs from pretraining (max_len aside)."""
    keys = (set(pretrained) | set(task)) - {"max_len"}
    return [
        f"backbone.{k}: task uses {task.get(k)!r}, pretraining used {pretrained.get(k)!r} "
        "(a task or profile preset overrides it; weights load, behaviour may differ)"
        for k in sorted(keys)
        if pretrained.get(k) != task.get(k)
    ]


def checkpoint_path(cfg: dict, ctx: Any, spec: Any) -> tuple[Path, bool]:
    """(final.pt, cache hit): ``pretrain.checkpoint`` when given, else the cache's (pretraining
    on a miss without touching the fine-tuning's random state)."""
    pretrain_cfg = dict(cfg["pretrain"])
    given = pretrain_cfg.pop("checkpoint", None)
    if given:
        if not Path(given).exists():
            raise ConfigError(
                f"--checkpoint {given} does not exist; pass a final.pt written by "
                "`findna-bench pretrain`"
            )
        return Path(given), True

    def progress(step: int, total: int, metrics: dict) -> None:
        ctx.hook.on_train_step(
            spec=spec, stage="pretrain", step=step, total_steps=total, metrics=metrics
        )

    rng = checkpoint.rng_state()  # a cache miss must not change the fine-tuning's randomness
    found = cache.ensure(
        pretrain_cfg,
        catalog=ctx.catalog,
        data_root=ctx.data_root,
        device=ctx.device,
        cache_dir=ctx.cache_dir,
        on_step=progress,
    )
    checkpoint.set_rng_state(rng)
    return found


def transfer_warnings(state: dict, cfg: dict, moved: dict) -> list[str]:
    """Settings that differ from pretraining, then modules kept random or dropped."""
    warnings = backbone_warnings(state["backbone"], cfg["backbone"])
    if moved["kept_random_modules"]:
        warnings.append(
            f"{len(moved['kept_random_modules'])} task module(s) not pretrained, kept random: "
            + ", ".join(moved["kept_random_modules"][:8])
        )
    if moved["dropped_modules"]:
        warnings.append(
            f"{len(moved['dropped_modules'])} pretrained module(s) not in the task model, "
            "dropped: " + ", ".join(moved["dropped_modules"][:8])
        )
    return warnings


def _portable(path: Path, cache_dir: Path) -> str:
    """``<cache>/pretrained/...`` relative to the cache, so records hold no machine's paths;
    a checkpoint elsewhere (``--checkpoint``) keeps its own path."""
    try:
        return "<cache>/" + path.resolve().relative_to(cache_dir.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def load_pretrained(backbone: nn.Module, cfg: dict, ctx: Any, spec: Any) -> dict[str, Any]:
    """Load the pretrained transfer network into ``backbone``; returns the record's entry."""
    path, hit = checkpoint_path(cfg, ctx, spec)
    state = checkpoint.load(path)
    if "transfer" not in state:
        raise ConfigError(
            f"{path} holds no transfer weights; pass the final.pt of a finished pretraining"
        )
    moved = copy_weights(backbone, state["transfer"])
    if moved["copied"] == 0:
        raise ConfigError(
            f"{path}: no pretrained tensor matches the task backbone "
            f"({cfg['backbone'].get('use')}); check the model's backbone against pretrain.backbone"
        )
    last = state["curve"][-1] if state.get("curve") else {}
    return {
        "checkpoint": _portable(Path(path), Path(ctx.cache_dir)),
        "weights_sha256": checksums.sha256(Path(path)),  # cells split on it (results/rows.py)
        "recipe_hash": state["recipe_hash"],
        "cache_hit": hit,
        "steps": state["steps"],
        "pretrain_seconds": round(state["seconds"], 1),
        "budget": {
            "steps": state["steps"],
            "batch_size": state["recipe"]["batch_size"],
            "window": state["recipe"]["data"].get("length"),
            "objective": state["recipe"]["objective"]["use"],
        },
        "final_metrics": last,
        "rule": RULE,
        **moved,
        "warnings": transfer_warnings(state, cfg, moved),
    }
