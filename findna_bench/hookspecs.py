"""The plugin contract: every hook findna-bench calls, and nothing else.

Plugins implement these with ``@findna_bench.hookimpl``. All hooks are called with keyword
arguments, and an implementation may accept any subset of them. Registration hooks are called
once when the catalog is built; lifecycle observers are called by the runner and their return
values are ignored. The types named here (``Backbone``, ``Task``, ``View``, ``Objective``,
``MetricSpec``, ``Record``...) are declared in ``findna_bench/types.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import typer

    from findna_bench.runspec import RunSpec
    from findna_bench.types import Record, Register, RegisterMetric

PROJECT = "findna_bench"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


@hookspec
def register_backbones(register: Register) -> None:
    """Register sequence backbones.

    Args:
        register: ``register(name, factory, *, description="")``. ``factory(**kwargs)`` returns
            a ``Backbone``: an ``nn.Module`` with an integer ``dim`` and
            ``forward(x, mask) -> [B, L, dim]``,
            where ``x`` is a float one-hot ``[B, L, 5]`` (A, C, G, N, T; padding all zero) and
            ``mask`` is a bool ``[B, L]`` that is True on real positions. Every factory argument
            is keyword-only with a small default; real sizes live in registry.yaml.
    """


@hookspec
def register_augmentations(register: Register) -> None:
    """Register augmentations.

    Args:
        register: ``register(name, fn, *, description="")``. ``fn(view, *, generator, **kw)``
            (an ``Augmentation``) is a pure function of a ``View`` (one-hot ``x``, ``mask``,
            MNM ``target`` tokens and ``masked`` flags) returning a new ``View`` of the same
            shape; its only randomness is the ``torch.Generator`` passed in, and it should draw
            the same number of values whatever the content (data-parallel ranks rely on it).
            Registry recipes chain them per view: ``views: {student: [{use: mask, rate: 0.3}]}``.
    """


@hookspec
def register_objectives(register: Register) -> None:
    """Register pretraining objectives.

    Args:
        register: ``register(name, factory, *, description="")``.
            ``factory(backbone, *, views, **kw)`` gets the backbone and ``views``, a dict of
            composed augmentation chains by view name (``"student"``, ``"teacher"``), and returns
            an ``Objective`` (an ``nn.Module``). Its ``forward(batch)`` returns a dict of
            scalars with ``"loss"`` (and e.g. ``"mnm_loss"``, ``"mnm_acc"``); ``batch`` holds
            ``tokens``, ``ids``, ``rows``, ``seed`` and a per-step ``generator`` (see
            ``findna_bench.pretrain.view.make_views``). Optional members: ``after_step(step,
            total_steps)`` runs after every optimiser step (EMA teachers) and may return extra
            metrics (``AfterStep``); ``transfer_module()`` returns the backbone fine-tuning
            starts from (``Transfer``); ``totals``/``end_accumulation`` (``Accumulating``).
    """


@hookspec
def register_tasks(register: Register) -> None:
    """Register downstream tasks.

    Args:
        register: ``register(name, factory, *, description="")``. ``factory(**kw)`` returns a
            ``Task`` (optional members: ``sources``, ``describe``, ``read_split``). Names are
            ``<benchmark>/<task>``.
    """


@hookspec
def register_metrics(register: RegisterMetric) -> None:
    """Register metrics.

    Args:
        register: ``register(name, fn, *, higher_is_better, description="")`` where
            ``fn(y_true, y_pred, y_score) -> float`` on numpy arrays. Registering a metric
            without ``higher_is_better`` is an error (the leaderboard ranks by it).
    """


@hookspec
def register_commands(app: typer.Typer) -> None:
    """Add commands to the CLI.

    Called the first time the CLI is asked for a command it does not know.

    Args:
        app: the Typer app to add commands to.
    """


# ---------------------------------------------------------------------------------------------
# Lifecycle observers (return values ignored)
# ---------------------------------------------------------------------------------------------


@hookspec
def on_suite_start(specs: list[RunSpec], skipped: list[RunSpec]) -> None:
    """Called before a suite runs.

    Args:
        specs: the ``RunSpec`` list that will run.
        skipped: the ``RunSpec`` list already recorded (resume) and not run again.
    """


@hookspec
def on_run_start(spec: RunSpec) -> None:
    """Called when one (model, task, seed) run starts.

    Args:
        spec: its ``RunSpec``.
    """


@hookspec
def on_train_step(
    spec: RunSpec | None, stage: str, step: int, total_steps: int, metrics: dict[str, float]
) -> None:
    """Called every few optimiser steps.

    Args:
        spec: the ``RunSpec``; None under ``findna-bench pretrain`` (no run, only a recipe).
        stage: ``"pretrain"`` or ``"finetune"``.
        step: steps done so far.
        total_steps: steps planned.
        metrics: running values such as ``loss`` and ``lr``; in pretraining, whatever the
            objective's ``forward`` and ``after_step`` return.
    """


@hookspec
def on_evaluate(spec: RunSpec, stage: str, split: str, metrics: dict[str, float]) -> None:
    """Called after a split is evaluated.

    Args:
        spec: the ``RunSpec``.
        stage: ``"finetune"`` or ``"pretrain"``.
        split: ``"valid"`` or ``"test"``.
        metrics: metric name to value.
    """


@hookspec
def on_run_end(spec: RunSpec, record: Record) -> None:
    """Called when a run has finished (or failed) and its record is written.

    Args:
        spec: the ``RunSpec``.
        record: the record as written to the results store.
    """


@hookspec
def on_suite_end(records: list[Record]) -> None:
    """Called after the last run of a suite.

    Args:
        records: the records written by this invocation.
    """
