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


def _check_pretrain(catalog: Catalog, pretrain: dict, where: str) -> list[str]:
    """The recipe's keys, its backbone, objective and every view's augmentations bind."""
    from findna_bench.pretrain.genome import GenomeSampler
    from findna_bench.pretrain.loop import RECIPE_KEYS

    unknown = set(pretrain) - RECIPE_KEYS - {"checkpoint"}
    errors = [f"{where} pretrain: unknown key(s) {sorted(unknown)}"] if unknown else []
    for key in ("backbone", "objective", "data"):
        if not isinstance(pretrain.get(key), dict) or (key != "data" and "use" not in pretrain[key]):
            errors.append(f"{where} pretrain: needs {key}: {{{'use: <name>, ' if key != 'data' else ''}...}}")
    if errors:
        return errors
    backbone = dict(pretrain["backbone"])
    errors += _bind(catalog, "backbone", backbone.pop("use"), backbone, f"{where} pretrain backbone")
    objective = dict(pretrain["objective"])
    errors += _bind(catalog, "objective", objective.pop("use"), objective, f"{where} pretrain objective",
                    leading=(None,))
    for view, steps in (pretrain.get("views") or {}).items():
        for step in steps or []:
            args = dict(step)
            name = args.pop("use", None)
            errors += (_bind(catalog, "augmentation", name, {**args, "generator": None},
                             f"{where} pretrain.views.{view}",
                             leading=(None,)) if name else [f"{where} pretrain.views.{view}: needs use:"])
    data = dict(pretrain["data"])
    if not data.pop("fasta", None):
        errors.append(f"{where} pretrain.data: needs fasta: [paths relative to the data root]")
    data.pop("index_cache", None)
    try:
        inspect.signature(GenomeSampler).bind([], **data)
    except TypeError as exc:
        errors.append(f"{where} pretrain.data: {exc} (accepted: fasta, index_cache, "
                      f"{', '.join(list(inspect.signature(GenomeSampler).parameters)[1:])})")
    return errors


def _check_run_config(catalog: Catalog, cfg: dict, where: str) -> list[str]:
    backbone = dict(cfg["backbone"])
    use = backbone.pop("use")
    errors = _bind(catalog, "backbone", use, backbone, f"{where} backbone")
    pretrain = cfg.get("pretrain")
    if pretrain:
        errors += _check_pretrain(catalog, pretrain, where)
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
