"""registry.yaml: which plugins load, the named models, suites and profiles, and how a user's
registry extends the bundled one. Reading only: run configs are resolved in ``config``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from findna_bench.config_tree import deep_merge, yaml_load
from findna_bench.errors import ConfigError, UnknownName

PACKAGE_DIR = Path(__file__).resolve().parent

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
