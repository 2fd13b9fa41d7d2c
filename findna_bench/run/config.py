"""Run-config resolution: engine defaults, layering and overrides, expansion into run specs.

A run's config is resolved in a fixed order, each layer deep-merged over the previous one:
engine defaults < model < profile defaults < profile.models[model] < profile.tasks[pattern]
(least specific pattern first) < ``key=value`` overrides. The engine defaults come from the
one declaration of each key (``findna_bench.config_keys``). A model's optimizer recipe (the
``kept`` finetune keys its preset declares) is kept by the profile's defaults and its plain
per-task sections: profiles set budgets; a profile's per-model section, a per-task section keyed by
backbone, or an override still changes a recipe. ``sources`` says which layer set each key.
The result is recorded with every run, together with its hash. YAML refers to registered names
only, never to import paths. ``backbone.trust_remote_code`` is never taken from an override.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import TYPE_CHECKING, Any

from findna_bench import config_keys
from findna_bench.config_tree import deep_merge, yaml_load
from findna_bench.errors import ConfigError, UnknownName
from findna_bench.run import config_schema
from findna_bench.runspec import RunSpec

if TYPE_CHECKING:
    from findna_bench.registry import Registry

ENGINE_DEFAULTS: dict[str, Any] = {
    "task": {},
    "data": config_keys.defaults(config_keys.DATA),
    "finetune": config_keys.defaults(config_keys.FINETUNE),
    "pretrain": None,
}


def task_layers(profile: dict, task: str) -> list[tuple[str, dict]]:
    """The profile's per-task sections matching ``task`` (pattern, section), least specific
    pattern first."""
    tasks = profile.get("tasks") or {}
    matches = [p for p in tasks if fnmatch.fnmatchcase(task, p)]
    matches.sort(key=lambda p: (p == task, len(p.replace("*", ""))))
    return [(p, tasks[p]) for p in matches]


RECIPE_KEYS = tuple(k.name for k in config_keys.FINETUNE if k.kept)
TRUST_KEY = "trust_remote_code"


def _overlay(layer: dict, backbone_use: str, keep: tuple[str, ...], *, pretrains: bool) -> dict:
    """What a profile layer sets for a model built on ``backbone_use``: plain finetune keys
    (those named in ``keep`` excepted), the mappings keyed by that backbone, a recipe section
    only for a model that pretrains."""
    layer = copy.deepcopy(layer)
    for key in keep:
        (layer.get("finetune") or {}).pop(key, None)
    backbone_over = layer.pop("backbone", None) or {}
    # a per-task backbone section is keyed by registered backbone name: it applies only to
    # models built on that backbone (e.g. the paper's per-task ChordMixer track sizes).
    if backbone_use in backbone_over:
        layer["backbone"] = backbone_over[backbone_use]
    pretrain_over = layer.pop("pretrain", None)
    if pretrain_over and pretrains:
        layer["pretrain"] = pretrain_over
    # in a finetune section, a mapping value is keyed by backbone name the same way (settings
    # tuned for one backbone, e.g. FinDNA's per-task recipe, leave baselines their own)
    finetune_over = layer.get("finetune") or {}
    if any(isinstance(v, dict) for v in finetune_over.values()):
        layer["finetune"] = {k: v for k, v in finetune_over.items() if not isinstance(v, dict)}
        layer["finetune"].update(finetune_over.get(backbone_use) or {})
    return layer


def parse_overrides(items: list[str]) -> dict:
    """``finetune.lr=3e-4`` style items to a nested dict; values are parsed as YAML scalars."""
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"override '{item}' is not key=value (e.g. finetune.lr=3e-4)")
        key, value = item.split("=", 1)
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml_load(value)
    return out


OPEN_SECTIONS = (
    "backbone",
    "pretrain",
    "task",
    "policy",
)  # factory kwargs: config_schema binds them


def _check_override_keys(cfg: dict, over: dict, prefix: str = "") -> None:
    for key, value in over.items():
        here = f"{prefix}{key}"
        if isinstance(cfg, dict) and key in cfg:
            if isinstance(cfg[key], dict) and not isinstance(value, dict) and key != "pretrain":
                raise ConfigError(
                    f"override '{here}={config_schema.show(value)}': {here} is a section, "
                    f"set one of its keys (e.g. {here}.{next(iter(cfg[key]), 'key')}=...)"
                )
            if isinstance(value, dict) and isinstance(cfg[key], dict) and key not in OPEN_SECTIONS:
                _check_override_keys(cfg[key], value, here + ".")
            continue
        hint = config_schema.did_you_mean(key, cfg if isinstance(cfg, dict) else [], prefix)
        raise ConfigError(
            f"override '{here}' names no config key;{hint} see the resolved config "
            "with `findna-bench run --dry-run`"
        )


def resolve(
    registry: Registry,
    model: str,
    task: str,
    profile: str,
    overrides: dict | None = None,
    *,
    catalog: Any = None,
    sources: dict | None = None,
) -> dict:
    """The full config of one run, before seeds, checked against the schema.

    With a ``catalog`` the factory keyword arguments are bound too (``backbone.dropuot`` fails).
    A ``sources`` dict is filled with ``dotted key -> layer`` for every key a layer set.
    """
    spec = registry.model(model)
    prof = registry.profile(profile)
    if (
        not isinstance(spec, dict)
        or not isinstance(spec.get("backbone"), dict)
        or "use" not in spec["backbone"]
    ):
        raise ConfigError(f"{registry.path}: model '{model}' needs backbone: {{use: <name>, ...}}")
    track = _Sources(sources)
    cfg = track({}, ENGINE_DEFAULTS, "engine default")
    cfg = track(cfg, {k: v for k, v in spec.items() if k != "description"}, f"model {model}")
    use = cfg["backbone"]["use"]
    recipe = tuple(k for k in RECIPE_KEYS if k in (spec.get("finetune") or {}))
    defaults = {k: v for k, v in prof.items() if k in ("finetune", "pretrain", "data", "task")}
    pretrains = bool(cfg.get("pretrain"))
    cfg = track(cfg, _overlay(defaults, use, recipe, pretrains=pretrains), f"profile {profile}")
    per_model = (prof.get("models") or {}).get(model) or {}
    overlay = _overlay(per_model, use, (), pretrains=pretrains)
    if per_model.get("backbone"):  # a per-model backbone section is the model's own: plain
        overlay["backbone"] = deep_merge(overlay.get("backbone") or {}, per_model["backbone"])
    cfg = track(cfg, overlay, f"profile {profile} models.{model}")
    for pattern, layer in task_layers(prof, task):
        overlay = _overlay(layer, use, recipe, pretrains=pretrains)
        cfg = track(cfg, overlay, f"profile {profile} tasks.{pattern}")
    if overrides:
        if TRUST_KEY in (overrides.get("backbone") or {}):
            raise ConfigError(
                f"override 'backbone.{TRUST_KEY}': trust to run a model's own code is declared "
                "where the model is named (a preset, or your registry.yaml entry: models: "
                "{NAME: {backbone: {use: hf, model: ..., trust_remote_code: true}}}), never on "
                "the command line"
            )
        _check_override_keys(cfg, overrides)
        if not cfg.get("pretrain"):  # pretrain.* overrides address only models that pretrain
            overrides = {k: v for k, v in overrides.items() if k != "pretrain"}
        cfg = track(cfg, overrides, "override")
    config_schema.check(
        cfg, catalog=catalog, task=task, context=f"model {model}, profile {profile}, task {task}"
    )
    return cfg


class _Sources:
    """Merges each layer over the config and fills ``sources`` with every dotted key the layer
    sets, to the same value or not (a no-op record without a ``sources`` dict)."""

    def __init__(self, sources: dict | None) -> None:
        self.sources = sources

    def __call__(self, cfg: dict, overlay: dict, label: str) -> dict:
        if self.sources is not None:
            for key, _ in _leaves(overlay):
                if key:
                    self.sources[key] = label
        return deep_merge(cfg, overlay)


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict) and node:
        return [pair for k, v in node.items() for pair in _leaves(v, f"{prefix}{k}.")]
    return [(prefix[:-1], node)]


def _task_matches(pattern: str, known: list[str]) -> list[str]:
    """Exact-case matches of a name or glob, else case-insensitive ones (``GUE/tf_*``)."""
    for fold in (str, str.lower):
        want = fold(pattern)
        hits = [
            t
            for t in known
            if (fnmatch.fnmatchcase(fold(t), want) if "*" in pattern else fold(t) == want)
        ]
        if hits:
            return hits
    raise UnknownName("task", pattern, known)


def expand_tasks(
    registry: Registry, suites: list[str], tasks: list[str], known: list[str]
) -> list[str]:
    """Suite names and task names (globs allowed, any case) to an ordered, de-duplicated task list."""
    out: list[str] = []
    for name in suites:
        out.extend(registry.suite(name).get("tasks") or [])
    out.extend(tasks)
    resolved: list[str] = []
    for pattern in out:
        resolved.extend(h for h in _task_matches(pattern, known) if h not in resolved)
    return resolved


def expand(
    registry: Registry,
    *,
    models: list[str],
    tasks: list[str],
    seeds: list[int],
    profile: str,
    overrides: dict | None = None,
    catalog: Any = None,
) -> list[RunSpec]:
    """All (model, task, seed) specs, task-major so a task's data is loaded once.

    Every config is resolved and checked (bound to the factories with a ``catalog``) first.
    """
    sources: dict[tuple[str, str], dict] = {(m, t): {} for t in tasks for m in models}
    configs = {
        (m, t): resolve(registry, m, t, profile, overrides, catalog=catalog, sources=sources[m, t])
        for t in tasks
        for m in models
    }
    return [
        RunSpec(
            model=m,
            task=t,
            seed=s,
            profile=profile,
            config=copy.deepcopy(configs[m, t]),
            sources=sources[m, t],
        )
        for t in tasks
        for m in models
        for s in seeds
    ]
