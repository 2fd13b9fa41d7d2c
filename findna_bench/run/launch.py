"""Cluster launch: one submitit job per (model, task, seed), each writing its own record.

``launcher="slurm"`` submits to SLURM through submitit (the optional ``slurm`` extra);
``"submitit-local"`` runs the very same jobs as local processes (submitit's local executor), to
try a cluster setup on a workstation. The in-process launcher is the suite itself (``suite.py``).

A job (``engine.run_job``) rebuilds its ``Engine`` (registry, plugins, catalog) from the registry path, then runs its single
spec through ``run_suite``, so it gets the same resume and failure isolation as a local suite:
if SLURM requeues a preempted or timed-out job (``checkpoint``), the re-run skips a record of the
same code that already exists, two jobs of one run never train it twice (the suite's claim), and
a failed run leaves a 'failed' record instead of a crashed array. Never prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from findna_bench.errors import ConfigError
from findna_bench.run.settings import SuiteSettings
from findna_bench.runspec import RunSpec

LAUNCHERS = ("local", "slurm", "submitit-local")


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """Everything a job needs, as plain picklable data."""

    spec: RunSpec
    registry: str
    settings: SuiteSettings  # absolute paths: the job may start in another folder
    device: str = "auto"


class RunJob:
    """The callable a cluster job executes: ``run(job)``, requeue-safe through the store's resume.
    ``run`` is a module-level function (pickled by reference): ``engine.run_job``, which rebuilds
    the engine in the job's process."""

    def __init__(self, job: JobSpec, run: Callable[[JobSpec], dict]) -> None:
        self.job = job
        self.run = run

    def __call__(self) -> dict:
        return self.run(self.job)

    def checkpoint(self) -> Any:
        """Called by submitit on preemption or timeout: requeue the same job (resume skips done work)."""
        from submitit.helpers import DelayedSubmission

        return DelayedSubmission(RunJob(self.job, self.run))


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["timeout_min=240", "slurm_partition=gpu"]`` -> executor parameters (YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--slurm {item!r}: give key=value, e.g. --slurm slurm_partition=gpu")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def make_executor(launcher: str, folder: Path, options: dict[str, Any]) -> Any:
    """A submitit executor for ``launcher`` with ``options`` applied."""
    if launcher not in LAUNCHERS[1:]:
        raise ConfigError(f"--launcher {launcher}: use one of {', '.join(LAUNCHERS)}")
    try:
        import submitit
    except ImportError:
        raise ConfigError(
            f"--launcher {launcher} needs submitit: pip install 'findna-bench[slurm]'"
        ) from None
    cluster = "slurm" if launcher == "slurm" else "local"
    try:
        executor = submitit.AutoExecutor(folder=str(folder), cluster=cluster)
        executor.update_parameters(**{"name": "findna-bench", **options})
    except (RuntimeError, ValueError, TypeError, NameError) as exc:  # submitit: bad name or no srun
        raise ConfigError(f"--launcher {launcher}: {exc}".splitlines()[0]) from None
    return executor


def submit(
    jobs: list[JobSpec],
    *,
    run: Callable[[JobSpec], dict],
    launcher: str,
    folder: Path,
    options: dict[str, Any] | None = None,
) -> list[Any]:
    """Submit one job per spec (a job array on SLURM), each executing ``run(job)``; returns
    submitit Job handles."""
    if not jobs:
        return []
    executor = make_executor(launcher, Path(folder), options or {})
    with executor.batch():
        handles = [executor.submit(RunJob(job, run)) for job in jobs]
    return handles
