"""findna-bench: a plugin-based benchmarking harness for DNA sequence models.

The public surface for plugin authors, all importable from ``findna_bench``:

* ``hookimpl``, the marker for hook implementations, and ``__version__``;
* the contract types of ``findna_bench.types`` (``Backbone``, ``Task``, ``View``,
  ``Augmentation``, ``Objective`` and its optional extras, ``MetricSpec``, ``Record``...);
* helpers plugins build on: task loading (``TaskData``, ``Split``, ``load_splits``,
  ``handle_leakage``, ``Policy``, ``check_rows``, ``Source``), objectives (``make_views``,
  ``PretrainNet`` and the MNM/DINO loss helpers of ``pretrain.network``) and the errors to raise.

Everything but ``hookimpl`` is imported on first use, so ``findna-bench --help`` imports no torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from findna_bench.hookspecs import hookimpl

__version__ = "0.1.0"

_LAZY = {
    "findna_bench.types": (
        "Accumulating", "AfterStep", "Augmentation", "Backbone", "DescribedTask",
        "EndAccumulation", "MetricFn", "MetricSpec", "Objective", "Record", "Register",
        "RegisterMetric", "SourcesTask", "Split", "SplitReaderTask", "Task", "TaskData",
        "Transfer", "View", "padding_invariant",
    ),
    "findna_bench.tasks": ("handle_leakage", "load_splits"),
    "findna_bench.data.policy": ("Policy", "check_rows"),
    "findna_bench.data.download": ("Source",),
    "findna_bench.errors": ("ConfigError", "DataError", "DataUnavailable"),
    "findna_bench.pretrain.view": ("make_views",),
    "findna_bench.pretrain.network": (
        "PretrainNet", "append_cls", "dino_loss", "ema_momentum", "ema_update",
        "mnm_bce_scrambled", "mnm_categorical", "mnm_count", "update_center",
        "update_center_from_sum",
    ),
}  # fmt: skip
_WHERE = {name: module for module, names in _LAZY.items() for name in names}
__all__ = ["__version__", "hookimpl", *sorted(_WHERE)]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'findna_bench' has no attribute {name!r}")
