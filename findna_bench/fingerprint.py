"""Code fingerprints: a content hash of the source that determines a run's numbers.

A run's fingerprint covers the engine's training path (``ENGINE``), the pretraining package for
models with a ``pretrain:`` recipe, the source of every plugin that provides one of the run's
components (backbone, task, the task's metrics, and objective, augmentations and pretraining
backbone when it pretrains), and the findna-bench version. It does not cover the CLI,
leaderboard, report or store: changing those never invalidates results.

Files are keyed by a location-independent name (``findna_bench/run/train.py``, ``cnn/cnn.py``,
``chordmixer/model.py``) and hashed by content, so a checkout, a wheel and an untracked plugin
file all give the same answer for the same code. Never prints.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
ENGINE = (
    "run/train.py",
    "optim.py",
    "run/budget.py",
    "run/accumulate.py",
    "run/runner.py",
    "run/timing.py",
    "model.py",
    "config_keys.py",
    "config_rules.py",
    "dna.py",
    "tasks.py",
    "data/__init__.py",
    "data/checksums.py",
    "data/fasta.py",
    "data/policy.py",
    "data/tables.py",
    "builtins/metrics.py",
)  # not data/download.py or data/status.py: they never shape a number
PRETRAIN = ("pretrain/*.py", "types.py")  # types.py: the View pretraining batches are made of


def package_version() -> str:
    try:
        return importlib.metadata.version("findna-bench")
    except importlib.metadata.PackageNotFoundError:
        from findna_bench import __version__

        return __version__


def _module_of(plugin: Any) -> ModuleType | None:
    return plugin if isinstance(plugin, ModuleType) else inspect.getmodule(type(plugin))


def _engine_key(path: Path) -> str:
    return "findna_bench/" + path.relative_to(PACKAGE_DIR).as_posix()


def plugin_sources(plugin: Any, name: str, factory: Any = None) -> dict[str, str]:
    """Key -> absolute path of the source files of a plugin object (a module, a package: every
    ``.py`` in its folder, or an instance: its class's module), plus the factory's own module
    when it lives in the same top-level package."""
    module = _module_of(plugin)
    file = getattr(module, "__file__", None)
    if module is None or not file:
        return {}
    path = Path(file).resolve()
    in_engine = module.__name__.startswith("findna_bench.")
    files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
    out = {
        (_engine_key(f) if in_engine else f"{name}/{f.relative_to(path.parent).as_posix()}"): str(f)
        for f in files
    }
    extra = _factory_file(factory, module)
    if extra is not None and str(extra) not in out.values():
        out[_engine_key(extra) if extra.is_relative_to(PACKAGE_DIR) else f"{name}/{extra.name}"] = (
            str(extra)
        )
    return out


def _factory_file(factory: Any, module: ModuleType) -> Path | None:
    home = inspect.getmodule(factory) if factory is not None else None
    file = getattr(home, "__file__", None)
    if home is None or home is module or not file:
        return None
    if home.__name__.split(".")[0] != module.__name__.split(".")[0]:
        return None  # e.g. a torch class registered directly: not the plugin's code
    return Path(file).resolve()


def engine_sources(*, pretrain: bool) -> dict[str, str]:
    patterns = ENGINE + (PRETRAIN if pretrain else ())
    return {
        _engine_key(p): str(p) for pattern in patterns for p in sorted(PACKAGE_DIR.glob(pattern))
    }


def components(config: dict, task: str, metrics: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The (kind, name) catalog entries whose code a run with this config executes."""
    out = [("backbone", config["backbone"]["use"]), ("task", task)]
    out += [("metric", m) for m in metrics]
    recipe = config.get("pretrain") or {}
    if recipe:
        if (recipe.get("backbone") or {}).get("use"):
            out.append(("backbone", recipe["backbone"]["use"]))
        if (recipe.get("objective") or {}).get("use"):
            out.append(("objective", recipe["objective"]["use"]))
        for chain in (recipe.get("views") or {}).values():
            out += [
                ("augmentation", step["use"])
                for step in chain or []
                if isinstance(step, dict) and "use" in step
            ]
    return list(dict.fromkeys(out))


class Fingerprinter:
    """Fingerprints for one invocation: each file is hashed once, each component set once."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog
        self._digests: dict[str, str] = {}
        self._combos: dict[tuple, dict] = {}

    def _digest(self, path: str) -> str:
        if path not in self._digests:
            self._digests[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return self._digests[path]

    def metrics(self, config: dict, task: str) -> list[str]:
        try:
            return list(self.catalog.get("task", task).factory(**config.get("task", {})).metrics)
        except Exception:  # a task that cannot be built fails later, with its reason
            return []

    def for_config(self, config: dict, task: str) -> dict:
        """``{"fingerprint", "version", "files": {key: sha256[:12]}}`` for a run's config."""
        parts = tuple(components(config, task, self.metrics(config, task)))
        pretrain = bool(config.get("pretrain"))
        if (parts, pretrain) not in self._combos:
            sources = engine_sources(pretrain=pretrain)
            for kind, name in parts:
                entry = self.catalog.get(kind, name)
                sources.update(getattr(entry, "sources", None) or {})
            files = {key: self._digest(path) for key, path in sorted(sources.items())}
            self._combos[(parts, pretrain)] = code_block(files, package_version())
        return self._combos[(parts, pretrain)]

    def for_spec(self, spec: Any) -> dict:
        return self.for_config(spec.config, spec.task)


def code_block(files: dict[str, str], version: str) -> dict:
    """The record's ``code`` block: the fingerprint over full digests, and short digests."""
    text = json.dumps({"version": version, "files": files}, sort_keys=True, separators=(",", ":"))
    return {
        "fingerprint": hashlib.sha256(text.encode()).hexdigest()[:12],
        "version": version,
        "files": {key: digest[:12] for key, digest in files.items()},
    }
