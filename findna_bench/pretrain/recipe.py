"""The pretraining recipe: its keys and defaults (declared in ``config_keys.PRETRAIN``), its hash
(the cache key of its weights), and what it builds: the objective around its backbone, and the
genome sampler."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from torch import nn

from findna_bench.config_keys import PRETRAIN, Missing, defaults, recipe_identity_view
from findna_bench.config_tree import config_hash
from findna_bench.errors import ConfigError
from findna_bench.pretrain.genome import GenomeSampler
from findna_bench.pretrain.view import build_views

# Each recipe key is declared once, with its default and rule, in config_keys.PRETRAIN.
RECIPE_KEYS = {k.name for k in PRETRAIN if k.recipe}
REQUIRED = tuple(k.name for k in PRETRAIN if k.default is Missing.REQUIRED)
NOT_HASHED = tuple(k.name for k in PRETRAIN if not k.hashed)
DEFAULTS: dict[str, Any] = defaults(k for k in PRETRAIN if k.recipe)


def recipe_of(pretrain: dict) -> dict:
    """The recipe with defaults filled in; unknown keys are an error."""
    unknown = set(pretrain) - RECIPE_KEYS
    if unknown:
        raise ConfigError(
            f"pretrain: unknown key(s) {sorted(unknown)}; allowed: {sorted(RECIPE_KEYS)}"
        )
    for key in REQUIRED:
        if not pretrain.get(key):
            raise ConfigError(f"pretrain: needs {key}: (see the findna model in registry.yaml)")
    return {**DEFAULTS, **pretrain}


def recipe_hash(recipe: dict) -> str:
    """What the pretrained weights depend on (not checkpoint or logging frequency, nor the
    micro-batch size; nor a key added later, at its default: ``config_keys.Key.added``)."""
    kept = recipe_identity_view(recipe)
    return config_hash({k: v for k, v in kept.items() if k not in NOT_HASHED})


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
