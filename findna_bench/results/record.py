"""The one place records are built: ok runs (the runner), failed runs (the suite) and
published reference rows (``references.py``), all through ``new``.

``new`` puts the identity first (run id, status, model, task) and keeps the other fields in the
order given, so the JSON a store writes is what it always was; a field the ``Record`` type
(``types.py``) does not declare is a bug and raises. The store adds ``schema_version``, the suite
adds ``code`` and ``predictions``.
"""

from __future__ import annotations

import time
import traceback
from typing import TYPE_CHECKING, Any

from findna_bench.results.predictions import PENDING
from findna_bench.results.protocol import declared
from findna_bench.types import Record

if TYPE_CHECKING:
    from findna_bench.runspec import RunSpec

STATUSES = ("ok", "failed")
FIELDS = frozenset(Record.__annotations__) | {PENDING}


def new(*, run_id: str, status: str, model: str, task: str, **fields: Any) -> Record:
    """A record: identity first, then ``fields`` in order, each one declared by ``Record``."""
    if status not in STATUSES:
        raise ValueError(f"record status {status!r}: use one of {STATUSES}")
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"record fields {sorted(unknown)} are not declared by types.Record")
    return Record(run_id=run_id, status=status, model=model, task=task, **fields)  # type: ignore[typeddict-item]


def finetune_mode(cfg: dict[str, Any]) -> str:
    """``full``, ``lora`` (a backbone with a LoRA adapter, fully fine-tuned otherwise) or
    ``linear-probe``, with `` + rc-tta`` when test-time RC averaging is on."""
    ft = cfg["finetune"]
    mode = ft["mode"]
    if mode == "full" and (cfg.get("backbone") or {}).get("adapter") == "lora":
        mode = "lora"
    return mode + (" + rc-tta" if ft["rc_tta"] else "")


def stamp(started: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))


def ok(
    spec: RunSpec, *, benchmark: str, main_metric: str, higher_is_better: bool, **fields: Any
) -> Record:
    """A successful run's record; ``fields`` (metrics, curve, data, ...) follow the identity."""
    return new(
        run_id=spec.run_id,
        status="ok",
        model=spec.model,
        task=spec.task,
        benchmark=benchmark,
        seed=spec.seed,
        profile=spec.profile,
        config=spec.config,
        config_hash=spec.hash,
        main_metric=main_metric,
        higher_is_better=higher_is_better,
        **fields,
    )


def failed(spec: RunSpec, exc: BaseException, started: float) -> Record:
    """The record of a run that raised (``sys.exit`` included): the reason and a traceback."""
    error = (
        f"SystemExit: code called sys.exit({exc.code!r})"
        if isinstance(exc, SystemExit)
        else f"{type(exc).__name__}: {exc}"
    )
    return new(
        run_id=spec.run_id,
        status="failed",
        model=spec.model,
        task=spec.task,
        seed=spec.seed,
        profile=spec.profile,
        config=spec.config,
        config_hash=spec.hash,
        finetune_mode=finetune_mode(spec.config),
        protocol=declared(spec.config),
        error=error,
        traceback=traceback.format_exc(limit=8),
        wall_seconds=round(time.time() - started, 3),
        started_at=stamp(started),
    )


def published(
    *,
    source: str,
    model: str,
    label: str,
    task: str,
    metric: str,
    value: float,
    higher_is_better: bool,
    profile: str | None,
) -> Record:
    """A published number (``model`` per ``source``) as a single-seed row shown as ``label``,
    so it can take part in per-task ranks."""
    return new(
        run_id=f"published:{source}:{model}:{task}",
        status="ok",
        model=label,
        task=task,
        seed=0,
        profile=profile,
        main_metric=metric,
        higher_is_better=higher_is_better,
        metrics={"test": {metric: value}},
        finetune_mode="full",
    )
