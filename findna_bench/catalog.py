"""Name -> factory tables built from the registration hooks.

Only this module calls ``register_*`` hooks. It records which plugin provided each entry, and
raises on a name registered twice (naming both plugins) or on an unknown name (listing the
available ones with a close match).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from findna_bench.errors import PluginError, UnknownName
from findna_bench.fingerprint import plugin_sources
from findna_bench.plugins import call_plugin
from findna_bench.types import MetricSpec

KINDS = {
    "backbone": "register_backbones",
    "augmentation": "register_augmentations",
    "objective": "register_objectives",
    "task": "register_tasks",
    "metric": "register_metrics",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Entry:
    """One registered component."""

    kind: str
    name: str
    factory: Callable[..., Any]
    plugin: str
    description: str = ""
    options: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)  # key -> path of the code (see fingerprint.py)
    version: str | None = None  # bumped by its author when its numbers change (identity.py)

    def signature(self) -> inspect.Signature:
        return inspect.signature(self.factory)


class Catalog:
    """All registered components, by kind and name."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}

    @classmethod
    def from_plugin_manager(cls, pm: pluggy.PluginManager) -> Catalog:
        """Call every ``register_*`` hook, one plugin at a time (so each entry knows its
        plugin), through pluggy, so ``FINDNA_BENCH_TRACE_PLUGINS=1`` traces these calls too."""
        catalog = cls()
        plugins = pm.get_plugins()
        for kind, hook_name in KINDS.items():
            for impl in getattr(pm.hook, hook_name).get_hookimpls():  # builtins first
                plugin = pm.get_name(impl.plugin) or "?"
                only = pm.subset_hook_caller(
                    hook_name, [p for p in plugins if p is not impl.plugin]
                )
                register = catalog._registrar(kind, plugin, impl.plugin)
                call_plugin(plugin, hook_name, lambda only=only, r=register: only(register=r))
        return catalog

    def _registrar(self, kind: str, plugin: str, obj: Any = None) -> Callable[..., None]:
        def register(
            name: str,
            factory: Callable[..., Any],
            *,
            description: str = "",
            version: str | None = None,
            **options: Any,
        ) -> None:
            if kind == "metric" and not isinstance(options.get("higher_is_better"), bool):
                raise PluginError(
                    f"plugin '{plugin}' registers metric '{name}' without higher_is_better=True "
                    "or False; the leaderboard ranks by it"
                )
            self.add(
                Entry(
                    kind=kind,
                    name=name,
                    factory=factory,
                    plugin=plugin,
                    description=description,
                    options=options,
                    sources=plugin_sources(obj, plugin, factory),
                    version=None if version is None else str(version),
                )
            )

        return register

    def add(self, entry: Entry) -> None:
        table = self.tables[entry.kind]
        if entry.name in table:
            other = table[entry.name].plugin
            raise PluginError(
                f"{entry.kind} '{entry.name}' is registered by both plugin '{other}' and plugin "
                f"'{entry.plugin}'; rename one or disable one with FINDNA_BENCH_DISABLE_PLUGINS"
            )
        table[entry.name] = entry

    def get(self, kind: str, name: str) -> Entry:
        table = self.tables[kind]
        if name not in table:
            raise UnknownName(kind, name, table)
        return table[name]

    def metric(self, name: str) -> MetricSpec:
        """A registered metric with its (required) direction."""
        entry = self.get("metric", name)
        return MetricSpec(
            name=name,
            fn=entry.factory,
            higher_is_better=entry.options["higher_is_better"],
            description=entry.description,
        )

    def names(self, kind: str) -> list[str]:
        return sorted(self.tables[kind])

    def build_backbone(self, backbone_cfg: dict, max_len: int) -> Any:
        """A backbone from its preset (``use`` + keywords); ``max_len`` is supplied when the
        factory takes it and the preset does not set it."""
        kwargs = {k: v for k, v in backbone_cfg.items() if k != "use"}
        entry = self.get("backbone", backbone_cfg["use"])
        if "max_len" in entry.signature().parameters and "max_len" not in kwargs:
            kwargs["max_len"] = max_len
        return entry.factory(**kwargs)

    def build(self, kind: str, name: str, **kwargs: Any) -> Any:
        return self.get(kind, name).factory(**kwargs)
