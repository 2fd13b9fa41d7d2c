"""Checks registry.yaml against the catalog without building anything.

Every model's config must resolve under every profile and pass ``config_schema`` (engine keys
by type and range, backbone, task and pretraining keyword arguments bound to the registered
factories' signatures); every suite's tasks must exist; every profile must refer to known
models and tasks.
"""

from __future__ import annotations

import fnmatch

from findna_bench.catalog import Catalog
from findna_bench.errors import FindnaError
from findna_bench.registry import Registry
from findna_bench.run import config_schema
from findna_bench.run.config import resolve


def _references(registry: Registry, tasks: list[str]) -> list[str]:
    errors: list[str] = []
    for suite, body in registry.suites.items():
        for pattern in (body or {}).get("tasks") or []:
            if not any(fnmatch.fnmatchcase(t, pattern) for t in tasks):
                errors.append(f"suite '{suite}': task '{pattern}' matches no registered task")
    for profile, body in registry.profiles.items():
        for model in (body or {}).get("models") or {}:
            if model not in registry.models:
                errors.append(f"profile '{profile}': model '{model}' is not in models:")
        for pattern in (body or {}).get("tasks") or {}:
            if not any(fnmatch.fnmatchcase(t, pattern) for t in tasks):
                errors.append(f"profile '{profile}': task pattern '{pattern}' matches no task")
    return errors


def _targets(registry: Registry, profile: str, tasks: list[str]) -> list[str]:
    """The tasks a profile configures specially, or one probe task when it configures none."""
    patterns = (registry.profiles[profile] or {}).get("tasks") or {}
    hits = [t for t in tasks if any(fnmatch.fnmatchcase(t, p) for p in patterns)]
    return hits or tasks[:1] or ["none"]


def validate(registry: Registry, catalog: Catalog) -> list[str]:
    """Every problem found, one line each (empty when the registry is sound)."""
    tasks = catalog.names("task")
    errors = _references(registry, tasks)
    for model in registry.models:
        for profile in registry.profiles:
            for task in _targets(registry, profile, tasks):
                where = f"model '{model}' under profile '{profile}' on {task}"
                try:
                    cfg = resolve(registry, model, task, profile)
                except FindnaError as exc:
                    errors.append(f"{where}: {exc}")
                    continue
                errors += [
                    f"{where}: {line}"
                    for line in config_schema.catalog_problems(cfg, catalog, task)
                ]
    return list(dict.fromkeys(errors))


def unavailable(registry: Registry, catalog: Catalog) -> list[str]:
    """Models this machine cannot build now (weights absent from the local cache, an optional
    dependency missing): notes, not errors; ``run`` with one of them stops before any run."""
    out = []
    for model, spec in registry.models.items():
        backbone = (spec or {}).get("backbone")
        if not isinstance(backbone, dict) or backbone.get("use") not in catalog.tables["backbone"]:
            continue
        lines = config_schema.unavailable({"backbone": backbone}, catalog)
        out += [f"model '{model}': {lines[0]}"] if lines else []
    return out
