"""Runs a list of specs with resume, availability checks and failure isolation.

* A spec whose success record exists is skipped (resume).
* A task whose data is missing is reported as unavailable, with the reason, and not run.
* A run that raises (out of memory, NaN loss, a model bug) gets a 'failed' record with the
  reason and the suite goes on. Bad input data (DataError) and bad config stop the suite: those
  would fail every run the same way, and the user must fix them. Records written so far stay.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

from findna_bench.config import RunSpec
from findna_bench.errors import ConfigError, DataError, DataUnavailable
from findna_bench.protocol import declared
from findna_bench.runner import RunContext, run_one
from findna_bench.store import ResultsStore


@dataclass(kw_only=True)
class SuiteOutcome:
    records: list[dict] = field(default_factory=list)
    skipped: list[RunSpec] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def availability(specs: list[RunSpec], ctx: RunContext) -> dict[str, str]:
    """Task name -> reason, for tasks whose train or test split is missing."""
    missing: dict[str, str] = {}
    for name in dict.fromkeys(s.task for s in specs):
        spec = next(s for s in specs if s.task == name)
        task = ctx.catalog.get("task", name).factory(**spec.config["task"])
        files = task.split_files(ctx.data_root)
        absent = [split for split in ("train", "test") if files.get(split) is None]
        if absent:
            missing[name] = f"no {' and no '.join(absent)} split under {ctx.data_root}"
    return missing


def failed_record(spec: RunSpec, exc: BaseException, started: float) -> dict:
    return {
        "run_id": spec.run_id, "status": "failed", "model": spec.model, "task": spec.task,
        "seed": spec.seed, "profile": spec.profile, "config": spec.config, "config_hash": spec.hash,
        "finetune_mode": spec.config["finetune"]["mode"]
        + (" + rc-tta" if spec.config["finetune"]["rc_tta"] else ""),
        "protocol": declared(spec.config),
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(limit=8),
        "wall_seconds": round(time.time() - started, 3),
    }


def run_suite(specs: list[RunSpec], ctx: RunContext, store: ResultsStore) -> SuiteOutcome:
    outcome = SuiteOutcome(unavailable=availability(specs, ctx))
    todo = []
    for spec in specs:
        if spec.task in outcome.unavailable:
            continue
        (outcome.skipped if store.has(spec.run_id) else todo).append(spec)
    ctx.hook.on_suite_start(specs=todo, skipped=outcome.skipped)
    for spec in todo:
        if spec.task in outcome.unavailable:
            continue
        started = time.time()
        try:
            record = run_one(spec, ctx)
        except DataUnavailable as exc:
            outcome.unavailable[spec.task] = str(exc)
            continue
        except (DataError, ConfigError, KeyboardInterrupt):
            raise
        except Exception as exc:  # failure isolation: record it and go on
            record = failed_record(spec, exc, started)
        store.write(record)
        outcome.records.append(record)
        ctx.hook.on_run_end(spec=spec, record=record)
    ctx.hook.on_suite_end(records=outcome.records)
    return outcome
