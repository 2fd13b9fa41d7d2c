"""registry.yaml: plugins to load, models, suites and profiles; run-config resolution.

A run's config is resolved in a fixed order, each layer deep-merged over the previous one:
engine defaults < model < profile defaults < profile.models[model] < profile.tasks[pattern]
(least specific pattern first) < ``key=value`` overrides. The result is recorded with every run,
together with its hash. YAML refers to registered names only, never to import paths.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from findna_bench import config_schema
from findna_bench.errors import ConfigError, UnknownName

PACKAGE_DIR = Path(__file__).resolve().parent
ENGINE_DEFAULTS: dict[str, Any] = {
    "task": {},
    "data": {
        "valid_fraction": 0.1,
        "carve_seed": 0,  # seeds the validation carve and the max_train/max_valid subsamples
        "policy": {},
    },
    "finetune": {
        "mode": "full",  # full | linear-probe
        "epochs": 3,  # an upper bound on passes over the training split
        "max_steps": None,  # step budget: optimizer steps at most (None: epochs decide)
        "min_steps": 0,  # never stop early before this many steps
        "eval_every": None,  # validate every N steps (None: evals_per_epoch times an epoch)
        "patience": None,  # stop after N evaluations without improvement (None: never early)
        "min_delta": 0.0,  # an improvement must beat the best by more than this
        "batch_size": 64,
        "micro_batch_size": None,  # gradient accumulation: rows per forward/backward (None: all)
        "eval_batch_size": 256,
        "lr": 1e-3,
        "weight_decay": 0.01,
        "warmup": 0.1,  # fraction of total steps
        "grad_clip": 1.0,
        "pooling": "mean",  # mean over real positions | mean-with-padding (FinDNA code)
        "max_train": None,  # subsample the training split (profiles for CI)
        "max_valid": None,  # subsample the validation split (never the test split)
        "selection": "best-valid",  # best-valid | last-epoch
        "evals_per_epoch": 1,
        "rc_tta": False,
        "amp": True,  # bf16 autocast on CUDA only
    },
    "pretrain": None,
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``3e-4`` as a float (YAML 1.2), as users write learning rates."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                 |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                 |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                 |[-+]?\.(?:inf|Inf|INF)
                 |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


def yaml_load(text: str) -> Any:
    """Parse YAML safely, with YAML 1.2 floats."""
    return yaml.load(text, Loader=_Loader)


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` into a copy of ``base``; dicts merge key by key, other values replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = deep_merge(out.get(key), value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def config_hash(obj: Any) -> str:
    """Stable 12-hex-digit hash of a JSON-serialisable object."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


ADHOC_HF = "hf:"


def adhoc_hf_model(ref: str) -> dict:
    """``-m hf:<hub id or folder>``: the ``hf`` backbone at the Hugging Face Trainer's default
    fine-tuning settings (lr 5e-5); named presets live in registry.yaml."""
    return {
        "description": f"Hugging Face model {ref}",
        "backbone": {"use": "hf", "model": ref},
        "finetune": {"lr": 5.0e-5, "weight_decay": 0.0, "batch_size": 32},
    }


@dataclass(frozen=True, kw_only=True, slots=True)
class RunSpec:
    """One (model, task, seed) run with its fully resolved config."""

    model: str
    task: str
    seed: int
    profile: str
    config: dict = field(hash=False, compare=False)

    @property
    def hash(self) -> str:
        return config_hash(
            {"model": self.model, "task": self.task, "seed": self.seed, "config": self.config}
        )

    @property
    def run_id(self) -> str:
        model = re.sub(r"[^\w.-]+", "-", self.model)  # ad-hoc hf:<path> names hold / and :
        return f"{model}__{self.task.replace('/', '-')}__seed{self.seed}__{self.hash}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Registry:
    """Parsed registry.yaml: the bundled one, or a user's file merged over it.

    ``plugins`` holds absolute paths, each resolved against the file that lists it;
    ``plugin_origins`` maps each to that file (``"bundled"`` for the bundled registry).
    """

    path: Path
    plugins: list[str]
    models: dict[str, dict]
    suites: dict[str, dict]
    profiles: dict[str, dict]
    base: Path | None = None  # the bundled registry a user's file extends (None: used alone)
    plugin_origins: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The folder plugin module names are taken relative to: the bundled registry's when
        this file extends it (so first-party packages keep their names), else this file's."""
        return (self.base or self.path).parent

    @property
    def sources(self) -> list[Path]:
        """The files merged into this registry, bundled first."""
        return [self.base, self.path] if self.base else [self.path]

    def plugin_origin(self, path: str) -> str:
        """Where the plugin at ``path`` (as loaded) was listed: ``bundled: <rel>`` or
        ``<user registry.yaml>: <path>``; other origins (builtin, entry points) unchanged."""
        return self.plugin_origins.get(str(path), str(path))

    def model(self, name: str) -> dict:
        if name not in self.models and name.startswith(ADHOC_HF) and name != ADHOC_HF:
            return adhoc_hf_model(name[len(ADHOC_HF) :])
        if name not in self.models:
            raise UnknownName("model", name, self.models)
        return self.models[name]

    def profile(self, name: str) -> dict:
        if name not in self.profiles:
            raise UnknownName("profile", name, self.profiles)
        return self.profiles[name]

    def suite(self, name: str) -> dict:
        """A suite by name; ``GUE`` finds ``gue`` when only one suite matches ignoring case."""
        if name not in self.suites:
            folded = [s for s in self.suites if s.lower() == name.lower()]
            if len(folded) != 1:
                raise UnknownName("suite", name, self.suites)
            name = folded[0]
        return self.suites[name] or {}


USER_REGISTRY = "registry.yaml"  # found in the working folder, extends the bundled one
TOP_LEVEL_KEYS = ("version", "extends", "plugins", "models", "suites", "profiles")


def bundled_registry_path() -> Path:
    """The checkout's registry.yaml, else the wheel's bundled copy."""
    for candidate in (
        PACKAGE_DIR.parent / "registry.yaml",
        PACKAGE_DIR / "_bundled" / "registry.yaml",
    ):
        if candidate.exists():
            return candidate
    raise ConfigError("no registry.yaml found; pass --registry PATH or set FINDNA_BENCH_REGISTRY")


def default_registry_path() -> Path:
    """--registry, else $FINDNA_BENCH_REGISTRY, else ./registry.yaml (a user's registry, which
    extends the bundled one), else the checkout's or the wheel's registry.yaml."""
    env = os.environ.get("FINDNA_BENCH_REGISTRY")
    if env:
        return Path(env)
    local = Path.cwd() / USER_REGISTRY
    if local.is_file():
        return local
    return bundled_registry_path()


def _read(path: Path) -> dict:
    if not path.exists():
        raise ConfigError(f"registry file {path} does not exist; pass an existing --registry PATH")
    try:
        raw = yaml_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file") from exc
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: top level must be a mapping with plugins/models/suites/profiles"
        )
    unknown = set(raw) - set(TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; allowed: "
            + ", ".join(TOP_LEVEL_KEYS)
        )
    if not isinstance(raw.get("extends", True), bool):
        raise ConfigError(
            f"{path}: extends: must be true (merge over the bundled registry, the default) "
            "or false (use this file alone)"
        )
    for key in ("models", "suites", "profiles"):
        if not isinstance(raw.get(key) or {}, dict):
            raise ConfigError(f"{path}: {key}: must be a mapping of names")
    if not isinstance(raw.get("plugins") or [], list):
        raise ConfigError(f"{path}: plugins: must be a list of plugin paths")
    return raw


def _plugin_paths(raw: dict, path: Path, label: str) -> dict[str, str]:
    """Each listed plugin as an absolute path (relative ones against ``path``'s folder)."""
    out: dict[str, str] = {}
    for entry in raw.get("plugins") or []:
        full = Path(entry).expanduser()
        full = full if full.is_absolute() else path.parent / full
        out[str(full.resolve())] = f"{label}: {entry}"
    return out


def load_registry(path: Path | None = None) -> Registry:
    """The registry to use: bundled alone, or a user's file merged over the bundled one.

    A user's file (``--registry``, $FINDNA_BENCH_REGISTRY or ./registry.yaml) extends the
    bundled registry unless it says ``extends: false``: its plugins are appended (a path already
    loaded by the bundled file is not loaded twice), its models and suites replace bundled ones
    of the same name, its profiles deep-merge over the bundled ones.
    """
    path = (Path(path) if path else default_registry_path()).resolve()
    raw = _read(path)
    try:
        bundled = bundled_registry_path().resolve()
    except ConfigError:
        bundled = None
    if bundled is None or path == bundled or raw.get("extends", True) is False:
        label = "bundled" if path == bundled else str(path)
        origins = _plugin_paths(raw, path, label)
        return Registry(
            path=path,
            plugins=list(origins),
            models=dict(raw.get("models") or {}),
            suites=dict(raw.get("suites") or {}),
            profiles=dict(raw.get("profiles") or {}),
            plugin_origins=origins,
        )
    base = _read(bundled)
    origins = _plugin_paths(base, bundled, "bundled")
    for full, origin in _plugin_paths(raw, path, str(path)).items():
        origins.setdefault(full, origin)
    return Registry(
        path=path,
        plugins=list(origins),
        models={**(base.get("models") or {}), **(raw.get("models") or {})},
        suites={**(base.get("suites") or {}), **(raw.get("suites") or {})},
        profiles=deep_merge(base.get("profiles") or {}, raw.get("profiles") or {}),
        base=bundled,
        plugin_origins=origins,
    )


def task_layers(profile: dict, task: str) -> list[dict]:
    """The profile's per-task sections matching ``task``, least specific pattern first."""
    tasks = profile.get("tasks") or {}
    matches = [p for p in tasks if fnmatch.fnmatchcase(task, p)]
    matches.sort(key=lambda p: (p == task, len(p.replace("*", ""))))
    return [tasks[p] for p in matches]


def _apply_layer(cfg: dict, layer: dict, backbone_use: str) -> dict:
    layer = copy.deepcopy(layer)
    backbone_over = layer.pop("backbone", None) or {}
    # a per-task backbone section is keyed by registered backbone name: it applies only to
    # models built on that backbone (e.g. the paper's per-task ChordMixer track sizes).
    if backbone_use in backbone_over:
        cfg["backbone"] = deep_merge(cfg["backbone"], backbone_over[backbone_use])
    pretrain_over = layer.pop("pretrain", None)
    if pretrain_over and cfg.get("pretrain"):
        cfg["pretrain"] = deep_merge(cfg["pretrain"], pretrain_over)
    # in a finetune section, a mapping value is keyed by backbone name the same way (settings
    # tuned for one backbone, e.g. FinDNA's per-task recipe, leave baselines their own)
    finetune_over = layer.get("finetune") or {}
    if any(isinstance(v, dict) for v in finetune_over.values()):
        layer["finetune"] = {k: v for k, v in finetune_over.items() if not isinstance(v, dict)}
        layer["finetune"].update(finetune_over.get(backbone_use) or {})
    return deep_merge(cfg, layer)


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
) -> dict:
    """The full config of one run, before seeds, checked against the schema.

    With a ``catalog`` the factory keyword arguments are bound too (``backbone.dropuot`` fails).
    """
    spec = registry.model(model)
    prof = registry.profile(profile)
    if (
        not isinstance(spec, dict)
        or not isinstance(spec.get("backbone"), dict)
        or "use" not in spec["backbone"]
    ):
        raise ConfigError(f"{registry.path}: model '{model}' needs backbone: {{use: <name>, ...}}")
    cfg = deep_merge(ENGINE_DEFAULTS, {k: v for k, v in spec.items() if k not in ("description",)})
    use = cfg["backbone"]["use"]
    cfg = _apply_layer(
        cfg, {k: v for k, v in prof.items() if k in ("finetune", "pretrain", "data", "task")}, use
    )
    cfg = _apply_layer(cfg, (prof.get("models") or {}).get(model) or {}, use)
    if (prof.get("models") or {}).get(model, {}).get("backbone"):
        cfg["backbone"] = deep_merge(cfg["backbone"], prof["models"][model]["backbone"])
    for layer in task_layers(prof, task):
        cfg = _apply_layer(cfg, layer, use)
    if overrides:
        _check_override_keys(cfg, overrides)
        if not cfg.get("pretrain"):  # pretrain.* overrides address only models that pretrain
            overrides = {k: v for k, v in overrides.items() if k != "pretrain"}
        cfg = deep_merge(cfg, overrides)
    config_schema.check(
        cfg, catalog=catalog, task=task, context=f"model {model}, profile {profile}, task {task}"
    )
    return cfg


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
    configs = {
        (m, t): resolve(registry, m, t, profile, overrides, catalog=catalog)
        for t in tasks
        for m in models
    }
    return [
        RunSpec(model=m, task=t, seed=s, profile=profile, config=copy.deepcopy(configs[m, t]))
        for t in tasks
        for m in models
        for s in seeds
    ]
