"""Composition of augmentation chains over the ``View`` (declared in ``findna_bench.types``).

A view is a batch of one-hot inputs together with what masked nucleotide modelling needs: the
target token at every position (aligned with the input, so a reverse complement moves and
complements it too) and which positions were masked. Augmentations are registered plugins
``fn(view, *, generator, **kw) -> View``; ``compose`` turns a registry list such as
``[{use: mask, rate: 0.3}, {use: noise, sigma: 0.2}]`` into one callable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from findna_bench.errors import ConfigError
from findna_bench.types import View

Augment = Callable[..., View]
__all__ = ["Augment", "View", "build_views", "compose", "make_views"]


def compose(catalog: Any, steps: Sequence[dict] | None, *, where: str = "views") -> Augment:
    """One callable applying the registered augmentations ``steps`` in order."""
    chain: list[tuple[Augment, dict]] = []
    for step in steps or []:
        args = dict(step)
        name = args.pop("use", None)
        if name is None:
            raise ConfigError(f"{where}: each augmentation needs use: <name> (got {step})")
        chain.append((catalog.get("augmentation", name).factory, args))

    def apply(view: View, *, generator: torch.Generator) -> View:
        for fn, args in chain:
            view = fn(view, generator=generator, **args)
        return view

    return apply


def build_views(catalog: Any, views: dict | None) -> dict[str, Augment]:
    """``{"student": [...], "teacher": [...]}`` from registry.yaml to composed callables."""
    return {
        name: compose(catalog, steps, where=f"pretrain.views.{name}")
        for name, steps in (views or {}).items()
    }


def make_views(batch: dict, fns: dict[str, Augment], *, static: bool = False) -> dict[str, View]:
    """The clean view and every named view of this rank's rows of a pretraining batch.

    ``batch`` holds ``tokens`` (the global batch; rows of other ranks are PAD), ``rows`` (this
    rank's slice), ``generator`` (seeded from the step) and ``ids`` (window ids). Views are
    drawn in name order from the per-step generator over the whole global batch, then sliced,
    so any number of ranks sees the draws of one process. With ``static`` each window's views
    come instead from a generator seeded by its id, so a window gets the same views every time
    it is seen (FinDNA's released code augments once per dataset).
    """
    rows = batch["rows"]
    clean = View.from_tokens(batch["tokens"])
    out = {"clean": clean.rows(rows)}
    if not static:
        for name in sorted(fns):
            out[name] = fns[name](clean, generator=batch["generator"]).rows(rows)
        return out
    ids = batch["ids"][rows].tolist()
    first = rows.start or 0
    for name in sorted(fns):
        parts = []
        for offset, window_id in enumerate(ids):
            generator = torch.Generator().manual_seed(
                (batch["seed"] * 1_000_003 + window_id) % 2**62
            )
            parts.append(
                fns[name](
                    clean.rows(slice(first + offset, first + offset + 1)), generator=generator
                )
            )
        out[name] = View(
            **{
                f: torch.cat([getattr(p, f) for p in parts])
                for f in ("x", "mask", "target", "masked")
            }
        )
    return out
