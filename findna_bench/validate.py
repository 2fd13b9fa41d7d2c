"""Checks registry.yaml against the catalog without building anything.

Every model's backbone and objective must be registered and its keyword arguments must bind to
the factory's signature; every suite's tasks must exist; every profile must refer to known
models and tasks, and its overrides must bind too.
"""

from __future__ import annotations

import fnmatch
import inspect

from findna_bench.catalog import Catalog
from findna_bench.config import Registry, resolve
from findna_bench.errors import FindnaError


def _bind(catalog: Catalog, kind: str, name: str, kwargs: dict, where: str, leading: tuple = ()) -> list[str]:
    if name not in catalog.tables[kind]:
        return [f"{where}: unknown {kind} '{name}' (registered: {', '.join(catalog.names(kind))})"]
    signature = catalog.get(kind, name).signature()
    try:
        signature.bind(*leading, **kwargs)
    except TypeError as exc:
        params = [p for p in signature.parameters if p not in ("self",)]
        return [f"{where}: {exc} (accepted: {', '.join(params)})"]
    return []


def _check_run_config(catalog: Catalog, cfg: dict, where: str) -> list[str]:
    backbone = dict(cfg["backbone"])
    use = backbone.pop("use")
    errors = _bind(catalog, "backbone", use, backbone, f"{where} backbone")
    pretrain = cfg.get("pretrain")
    if pretrain:
        objective = dict(pretrain.get("objective") or {})
        name = objective.pop("use", None)
        if name is None:
            errors.append(f"{where} pretrain: needs objective: {{use: <name>}}")
        else:
            errors += _bind(catalog, "objective", name, objective, f"{where} pretrain objective",
                            leading=(None,))
        for aug in pretrain.get("augmentations") or []:
            args = dict(aug)
            aug_name = args.pop("use", None)
            errors += _bind(catalog, "augmentation", aug_name, args, f"{where} augmentation",
                            leading=(None,)) if aug_name else [f"{where} augmentation: needs use:"]
    return errors


def validate(registry: Registry, catalog: Catalog) -> list[str]:
    """Every problem found, one line each (empty when the registry is sound)."""
    errors: list[str] = []
    tasks = catalog.names("task")
    for suite, body in registry.suites.items():
        for pattern in (body or {}).get("tasks") or []:
            if not any(fnmatch.fnmatchcase(t, pattern) for t in tasks):
                errors.append(f"suite '{suite}': task '{pattern}' matches no registered task")
    probe = tasks[0] if tasks else "none"
    for profile, body in registry.profiles.items():
        for model in (body or {}).get("models") or {}:
            if model not in registry.models:
                errors.append(f"profile '{profile}': model '{model}' is not in models:")
        for pattern in (body or {}).get("tasks") or {}:
            if not any(fnmatch.fnmatchcase(t, pattern) for t in tasks):
                errors.append(f"profile '{profile}': task pattern '{pattern}' matches no task")
    for model in registry.models:
        for profile in registry.profiles:
            targets = [t for t in tasks if any(fnmatch.fnmatchcase(t, p) for p in
                                                (registry.profiles[profile] or {}).get("tasks") or {})]
            for task in targets or [probe]:
                where = f"model '{model}' under profile '{profile}' on {task}"
                try:
                    cfg = resolve(registry, model, task, profile)
                except FindnaError as exc:
                    errors.append(f"{where}: {exc}")
                    continue
                errors += _check_run_config(catalog, cfg, where)
                if task in catalog.tables["task"]:
                    errors += _bind(catalog, "task", task, cfg["task"], f"{where} task")
    return list(dict.fromkeys(errors))


def signature_text(factory) -> str:  # noqa: ANN001
    return str(inspect.signature(factory))
