"""Runs a list of specs with resume, availability checks, claims and failure isolation.

* Identical specs (``--seeds 0,0``, ``-m cnn,cnn``) run once; the plan says how many were dropped.
* A run is identified by its run id (model, task, seed, config hash) and its identity
  (``identity.py``: component versions, data and weights digests): a spec whose success record
  of the same identity exists is skipped (resume).
  ``rerun`` runs it again (the new record goes beside the old one); ``reuse="any-code"`` accepts
  a record made by other code. Records are never modified.
* Before training, a run is claimed with a lock file beside its record, so several processes
  sharing a results folder never train or write the same run twice; a stale claim is taken over.
* A task whose data is missing is reported as unavailable, with the reason, and not run.
* A run that raises (out of memory, NaN loss, a model bug) gets a 'failed' record with the
  reason and the suite goes on. Bad input data (DataError), bad config and a broken plugin hook
  stop the suite: those would fail every run the same way. Records written so far stay.
Never prints: messages go to the ``notify`` callback the caller passes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from findna_bench.errors import ConfigError, DataUnavailable, FindnaError, StoreError
from findna_bench.identity import Identifier
from findna_bench.plugins import GuardedHooks
from findna_bench.results import predictions
from findna_bench.results import record as record_mod
from findna_bench.results.locks import Claim
from findna_bench.results.locks import lock_max_age as store_max_age
from findna_bench.results.store import ResultsStore, record_key
from findna_bench.run.config import RunSpec
from findna_bench.run.runner import RunContext, run_one

REUSE = ("same-code", "any-code")
Notify = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default ``notify``: the engine never prints."""


@dataclass(kw_only=True)
class Plan:
    """What a suite will do, decided before any training."""

    specs: list[RunSpec] = field(default_factory=list)  # de-duplicated, in order
    todo: list[RunSpec] = field(default_factory=list)
    skipped: list[RunSpec] = field(default_factory=list)
    other_code: list[RunSpec] = field(default_factory=list)
    duplicates: int = 0
    codes: dict[str, dict] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    rerun: bool = False
    reuse: str = "same-code"

    def key(self, spec: RunSpec) -> str:
        return record_key(spec.run_id, self.codes[spec.run_id]["fingerprint"])

    def selects(self, record: dict) -> bool:
        """Whether a stored record belongs to this plan (its specs, its code unless any-code)."""
        code = self.codes.get(record.get("run_id"))
        if code is None:
            return False
        return (
            self.reuse == "any-code"
            or (record.get("code") or {}).get("fingerprint") == code["fingerprint"]
        )

    def state(self, spec: RunSpec) -> str:
        """``to run``, ``recorded`` (resume skips it) or ``unavailable`` (no data)."""
        if spec.task in self.unavailable:
            return "unavailable"
        return "recorded" if spec.run_id in {s.run_id for s in self.skipped} else "to run"

    def line(self) -> str:
        """The one-line plan: counts, duplicates, run identities and the reuse policy."""
        fps = sorted({c["fingerprint"] for c in self.codes.values()})
        code = f"identity {fps[0]}" if len(fps) == 1 else f"{len(fps)} identities"
        parts = [f"plan: {len(self.todo)} to run, {len(self.skipped)} already recorded"]
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate spec(s) dropped")
        parts.append(f"{code}; records reused: {'none (--rerun)' if self.rerun else self.reuse}")
        if self.other_code:
            parts.append(
                f"{len(self.other_code)} recorded only by other code or config, not reused "
                "(--reuse-records any-code accepts them)"
            )
        return "; ".join(parts)


@dataclass(kw_only=True)
class SuiteOutcome:
    records: list[dict] = field(default_factory=list)
    skipped: list[RunSpec] = field(default_factory=list)
    busy: list[RunSpec] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    plan: Plan | None = None


def dedupe(specs: list[RunSpec]) -> tuple[list[RunSpec], int]:
    """Specs with the same run id (same model, task, seed and config) kept once, in order."""
    unique = list({s.run_id: s for s in reversed(specs)}.values())[::-1]
    return unique, len(specs) - len(unique)


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


def _recorded(
    store: ResultsStore, run_id: str, fingerprint: str, reuse: str, notify: Notify
) -> bool:
    if store.done(run_id, fingerprint, notify):
        return True
    return reuse == "any-code" and store.done(run_id, None, notify)


def plan_suite(
    specs: list[RunSpec],
    ctx: RunContext,
    store: ResultsStore,
    *,
    rerun: bool = False,
    reuse: str = "same-code",
    notify: Notify = _quiet,
) -> Plan:
    """De-duplicate, check data, fingerprint, and split the specs into to-run and recorded."""
    if reuse not in REUSE:
        raise ConfigError(f"--reuse-records {reuse}: use {' or '.join(REUSE)}")
    unique, duplicates = dedupe(specs)
    plan = Plan(
        specs=unique,
        duplicates=duplicates,
        unavailable=availability(unique, ctx),
        rerun=rerun,
        reuse=reuse,
    )
    identities = Identifier(ctx.catalog, ctx.data_root)
    for spec in unique:
        if spec.task in plan.unavailable:
            continue
        code = plan.codes[spec.run_id] = identities.for_spec(spec)
        if not rerun and _recorded(store, spec.run_id, code["fingerprint"], reuse, notify):
            plan.skipped.append(spec)
        else:
            plan.todo.append(spec)
            if not rerun and store.other_code(spec.run_id, code["fingerprint"]):
                plan.other_code.append(spec)
    return plan


def _execute(spec: RunSpec, ctx: RunContext, outcome: SuiteOutcome) -> dict | None:
    """The run's record (ok or failed), or None when its data turned out to be unavailable."""
    started = time.time()
    try:
        return run_one(spec, ctx)
    except DataUnavailable as exc:
        outcome.unavailable[spec.task] = str(exc)
        return None
    except (FindnaError, KeyboardInterrupt):  # DataError, ConfigError, PluginError stop the suite
        raise
    except (Exception, SystemExit) as exc:  # failure isolation: record it, go on
        return record_mod.failed(spec, exc, started)


def _holder(lock: dict, path: Path, max_age: float) -> str:
    """Who holds a run (from its lock file) and how the lock is cleared if that is wrong."""
    try:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(lock["time"])))
    except (KeyError, TypeError, ValueError):
        since = "?"
    return (
        f"process {lock.get('pid', '?')} on {lock.get('host', '?')} since {since} (lock {path}; "
        f"taken over once it has no heartbeat for {max_age:g}s or its process is gone from its "
        "host; delete it only if that process no longer runs)"
    )


def _unwritten(
    spec: RunSpec, record: dict, error: StoreError, store: ResultsStore, key: str
) -> StoreError:
    """A run trained but its record or predictions could not be written (disk full): a failed
    record in its place where even that can be written, and the error that stops the suite."""
    kept = (record.get("predictions") or {}).get("file")
    if kept:  # written before the record failed: nothing would point at it
        (store.root / kept).unlink(missing_ok=True)
    with contextlib.suppress(StoreError):
        started = time.time() - float(record.get("wall_seconds") or 0)
        store.write(record_mod.failed(spec, error, started), key=key)
    return error


def _claimed_run(
    spec: RunSpec,
    ctx: RunContext,
    store: ResultsStore,
    outcome: SuiteOutcome,
    notify: Notify,
    lock_max_age: float,
) -> dict | None:
    """Claim, (re-)check, run and write one spec; None when another process has it."""
    plan = outcome.plan
    key = plan.key(spec)
    claim = store.claim(key, max_age=lock_max_age, notify=notify)
    if not isinstance(claim, Claim):
        outcome.busy.append(spec)
        lock = store.root / f"{key}.lock"
        notify(f"{spec.run_id}: being run by {_holder(claim, lock, lock_max_age)}; not run here")
        return None
    try:
        if not plan.rerun and store.done(
            spec.run_id, plan.codes[spec.run_id]["fingerprint"], notify
        ):
            outcome.skipped.append(spec)
            notify(f"{spec.run_id}: recorded by another process meanwhile; not run again")
            return None
        record = _execute(spec, ctx, outcome)
        if record is None:
            return None
        record["code"] = plan.codes[spec.run_id]
        try:
            predictions.attach(record, store.root, key)  # test predictions beside the record
            written = store.write(record, key=key, rerun=plan.rerun).written
        except StoreError as exc:  # disk full: stop the suite, keep a failed record if possible
            raise _unwritten(spec, record, exc, store, key) from None
        if not written:
            notify(f"{spec.run_id}: another process recorded it first; its record is kept")
        return record
    finally:
        claim.release()


def run_suite(
    specs: list[RunSpec],
    ctx: RunContext,
    store: ResultsStore,
    *,
    rerun: bool = False,
    reuse: str = "same-code",
    notify: Notify = _quiet,
    plan: Plan | None = None,
    lock_max_age: float | None = None,
) -> SuiteOutcome:
    """Run what the plan says (computed here unless given) and return the outcome; first sweep
    the temp files and stale locks killed processes left in the store."""
    ctx.hook = GuardedHooks(ctx.hook)
    lock_max_age = store_max_age() if lock_max_age is None else lock_max_age
    store.sweep(max_age=lock_max_age, notify=notify)
    plan = plan or plan_suite(specs, ctx, store, rerun=rerun, reuse=reuse, notify=notify)
    outcome = SuiteOutcome(
        unavailable=dict(plan.unavailable), skipped=list(plan.skipped), plan=plan
    )
    ctx.hook.on_suite_start(specs=plan.todo, skipped=plan.skipped)
    for spec in plan.todo:
        if spec.task in outcome.unavailable:
            continue
        record = _claimed_run(spec, ctx, store, outcome, notify, lock_max_age)
        if record is not None:
            outcome.records.append(record)
            ctx.hook.on_run_end(spec=spec, record=record)
    ctx.hook.on_suite_end(records=outcome.records)
    return outcome
