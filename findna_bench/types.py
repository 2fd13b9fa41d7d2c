"""The plugin contract's types, in one file: what each hook's ``register`` accepts and what the
registered factories return. ``hookspecs.py`` names the hooks; this file says what flows
through them. Plugins import these from ``findna_bench`` (see its ``__all__``).

* ``Backbone``: ``factory(**kw)`` -> an ``nn.Module`` mapping one-hot ``x`` ``[B, L, 5]`` and
  ``mask`` ``[B, L]`` to features ``[B, L, dim]`` (or ``(hidden [B, T, dim], token_mask)`` over
  its own tokens); optional ``padding_invariant``, ``describe``, ``check_available``.
* ``Task`` (+ the optional ``SourcesTask``, ``DescribedTask``, ``SplitReaderTask``).
* ``View`` and ``Augmentation``: pure ``fn(view, *, generator, **kw) -> View``.
* ``Objective`` (+ the optional ``AfterStep``, ``Transfer``, ``Accumulating``,
  ``EndAccumulation``).
* ``MetricFn`` and ``MetricSpec``: ``higher_is_better`` is required at registration.
* ``Record``: one run's JSON record (ok, failed or a published reference row).

No torch at import time (``findna-bench --help`` stays fast): tensors are annotations only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import nn

    from findna_bench.data.policy import Policy

# ---------------------------------------------------------------------------------------------
# Registration: the ``register`` callables the register_* hooks receive
# ---------------------------------------------------------------------------------------------


class Register(Protocol):
    """``register(name, factory, *, description="", version=None)`` for backbones,
    augmentations, objectives and tasks. ``version`` names the component's numerics: bump it
    whenever a change alters what it computes (a run's identity holds it; see identity.py)."""

    def __call__(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        description: str = "",
        version: str | None = None,
    ) -> None: ...


class RegisterMetric(Protocol):
    """``register(name, fn, *, higher_is_better, description="", version=None)``: the
    direction is required."""

    def __call__(
        self,
        name: str,
        fn: MetricFn,
        *,
        higher_is_better: bool,
        description: str = "",
        version: str | None = None,
    ) -> None: ...


# ---------------------------------------------------------------------------------------------
# Backbones
# ---------------------------------------------------------------------------------------------


@runtime_checkable
class Backbone(Protocol):
    """What a backbone factory returns (an ``nn.Module``).

    ``forward(x, mask)``: ``x`` float one-hot ``[B, L, 5]`` (A, C, G, N, T; padding all zero),
    ``mask`` bool ``[B, L]`` True on real positions; returns features ``[B, L, dim]``.
    Optional class attribute ``padding_invariant = True``: features of real positions do not
    depend on right padding (the contract test then checks it); see ``padding_invariant()``.

    A backbone with its own tokenizer (``hf``) may instead return ``(hidden [B, T, dim],
    token_mask [B, T])``: the classifier pools over ``token_mask`` (one-hot backbones are
    untouched). Optional: ``describe() -> dict`` (facts a record should hold), and on the
    factory ``check_available(**kwargs) -> list[str]`` (why it cannot be built here, before
    any run; e.g. weights absent from the local cache).
    """

    dim: int

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]: ...


def padding_invariant(backbone: object) -> bool:
    """Whether a backbone declares ``padding_invariant`` (an optional member, default False)."""
    return bool(getattr(backbone, "padding_invariant", False))


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Split:
    """One split's validated rows: sequences, integer labels, and the file they came from."""

    sequences: list[str]
    labels: np.ndarray
    source: str


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class TaskData:
    """What ``Task.load`` returns (``findna_bench.load_splits`` builds it from split files): the
    splits, class names, the declared protocol, file checksums and the validation summary."""

    splits: dict[str, Split]
    classes: list[str]
    protocol: dict
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    validation: dict = dataclasses.field(default_factory=dict)


class Task(Protocol):
    """What a task plugin's factory returns. Names are ``<benchmark>/<task>``."""

    name: str
    benchmark: str
    max_len: int
    classes: tuple[str, ...]  # label id -> class name
    metrics: tuple[str, ...]  # first is the main metric

    def split_files(self, root: Path) -> dict[str, Path | None]:
        """Files per split under the data root (None where missing); 'valid' may be absent."""
        ...

    def load(
        self, root: Path, *, policy: Policy, valid_fraction: float, carve_seed: int
    ) -> TaskData:
        """Validated splits ready for training."""
        ...


@runtime_checkable
class SourcesTask(Protocol):
    """Optional: ``sources``, the downloadable files (``findna_bench.data.download.Source``)
    that ``findna-bench data download`` fetches for this task."""

    sources: tuple[Any, ...]


@runtime_checkable
class DescribedTask(Protocol):
    """Optional: ``describe(root, refs)`` -> ``SplitStatus`` rows, for tasks whose data is not
    one file per split (``findna-bench data status``)."""

    def describe(self, root: Path, refs: Mapping[str, Any]) -> list[Any]: ...


@runtime_checkable
class SplitReaderTask(Protocol):
    """Optional: ``read_split(path)`` -> ``[(row id, sequence, label)]`` for a split file that
    is not a plain table (default ``findna_bench.data.tables.read_rows``)."""

    def read_split(self, path: Path) -> list[tuple[int | str, str, int]]: ...


def task_sources(task: object) -> tuple[Any, ...]:
    return tuple(task.sources) if isinstance(task, SourcesTask) else ()


# ---------------------------------------------------------------------------------------------
# Augmentations
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class View:
    """One augmented batch.

    Attributes:
        x: float one-hot ``[B, L, 5]`` (A, C, G, N, T); padding, mask token and CLS are zero.
        mask: bool ``[B, L]``, True on real positions (padding on the right).
        target: long ``[B, L]`` MNM target tokens 0-4 aligned with ``x`` (PAD=5 on padding).
        masked: bool ``[B, L]``, True where the MNM loss applies.
    """

    x: torch.Tensor
    mask: torch.Tensor
    target: torch.Tensor
    masked: torch.Tensor

    @classmethod
    def from_tokens(cls, tokens: torch.Tensor) -> View:
        """A clean view of ``[B, L]`` tokens (PAD=5 on the right)."""
        import torch

        from findna_bench import dna

        tokens = tokens.long()
        return cls(
            x=dna.one_hot(tokens),
            mask=tokens != dna.PAD,
            target=tokens,
            masked=torch.zeros_like(tokens, dtype=torch.bool),
        )

    def replace(self, **changes: torch.Tensor) -> View:
        return dataclasses.replace(self, **changes)

    def rows(self, index: slice | torch.Tensor) -> View:
        """The sub-batch ``index`` (a data-parallel rank's share)."""
        return View(
            x=self.x[index],
            mask=self.mask[index],
            target=self.target[index],
            masked=self.masked[index],
        )

    @property
    def lengths(self) -> torch.Tensor:
        return self.mask.sum(1)


class Augmentation(Protocol):
    """``fn(view, *, generator, **kw) -> View``: pure, same shape; its only randomness is the
    ``torch.Generator`` passed in, drawn the same number of times whatever the content."""

    def __call__(self, view: View, *, generator: torch.Generator, **kw: Any) -> View: ...


# ---------------------------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------------------------


class Objective(Protocol):
    """What ``factory(backbone, *, views, **kw)`` returns (an ``nn.Module``).

    ``forward(batch)`` returns a dict of scalar tensors with ``"loss"``; any other keys are
    shown and logged as they are. ``batch`` holds ``tokens``, ``ids``, ``rows``, ``seed`` and a
    per-step ``generator`` (see ``findna_bench.pretrain.view.make_views``).
    """

    def forward(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]: ...


@runtime_checkable
class AfterStep(Protocol):
    """Optional: runs after every optimiser step (EMA teachers); may return extra metrics."""

    def after_step(self, step: int, total_steps: int) -> dict[str, float] | None: ...


@runtime_checkable
class Transfer(Protocol):
    """Optional: the module whose weights fine-tuning starts from (an EMA teacher's backbone,
    say); without it, the objective's ``backbone`` attribute (see ``transfer_module``)."""

    def transfer_module(self) -> nn.Module: ...


def transfer_module(objective: object) -> nn.Module:
    """The module a pretraining checkpoint stores for fine-tuning."""
    if isinstance(objective, Transfer):
        return objective.transfer_module()
    return objective.backbone  # type: ignore[attr-defined]


@runtime_checkable
class Accumulating(Protocol):
    """Optional, needed for ``pretrain.micro_batch_size``: ``totals(batch)`` gives the whole
    batch's loss denominators before its micro-batches run."""

    def totals(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]: ...


@runtime_checkable
class EndAccumulation(Protocol):
    """Optional: ``end_accumulation()`` runs after a step's micro-batches (deferred updates)."""

    def end_accumulation(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------

MetricFn = Callable[["np.ndarray", "np.ndarray", "np.ndarray"], float]
"""``fn(y_true, y_pred, y_score) -> float`` on numpy arrays."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MetricSpec:
    """A registered metric and its direction (required: the leaderboard ranks by it)."""

    name: str
    fn: MetricFn
    higher_is_better: bool
    description: str = ""


# ---------------------------------------------------------------------------------------------
# The record
# ---------------------------------------------------------------------------------------------


class Record(TypedDict, total=False):
    """One run's record as written to ``results/<key>.json`` (built only in ``record.py``).

    Every record has the identity fields; ``status`` is ``"ok"`` (with metrics and what made
    them) or ``"failed"`` (with ``error`` and ``traceback``). Published reference rows use the
    same shape with ``run_id`` ``published:<source>:<model>:<task>``.
    """

    run_id: str
    status: str  # "ok" | "failed"
    model: str
    task: str
    benchmark: str
    seed: int
    profile: str | None
    config: dict[str, Any]
    config_hash: str
    main_metric: str
    higher_is_better: bool
    metrics: dict[str, dict[str, float]]  # split -> metric -> value
    best_epoch: float
    best_step: int
    curve: list[dict[str, Any]]
    steps: int
    planned_steps: int
    stop_reason: str
    finetune_mode: str
    protocol: dict[str, Any]
    schema_version: int  # added by the store
    parameters: int
    trainable_parameters: int
    pretrained: dict[str, Any] | None
    backbone: dict[str, Any] | None  # facts a backbone describes (hub id, revision, tokenizer)
    data: dict[str, Any]
    plugins: dict[str, str]
    train_seconds: float
    wall_seconds: float
    time_profile: dict[str, dict[str, float]]  # seconds and share of wall per phase (run/timing.py)
    started_at: str
    environment: dict[str, Any]
    code: dict[str, Any]  # the run's identity and provenance (added by the suite; identity.py)
    predictions: dict[str, Any]  # stored test predictions (added by the suite)
    sealed_test: bool | str  # True: run --sealed-test, no test metric yet; "unsealed <time>"
    sealed_metrics: dict[str, float]  # a sealed run's test metrics, moved to metrics by unseal
    config_sources: dict[str, str]  # dotted config key -> the registry layer that set it
    error: str
    traceback: str
