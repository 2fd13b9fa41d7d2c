"""Assembles the plugin manager: builtins, registry.yaml plugins by path, then entry points.

Environment controls:
  FINDNA_BENCH_LOAD_PLUGINS     comma-separated allowlist of plugin names (empty value: none)
  FINDNA_BENCH_DISABLE_PLUGINS  comma-separated blocklist
  FINDNA_BENCH_TRACE_PLUGINS=1  print every hook call to stderr
Nothing is loaded at import time; call ``make_plugin_manager``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pluggy

from findna_bench import hookspecs
from findna_bench.errors import FindnaError, PluginError

ENTRY_POINT_GROUP = "findna_bench"
# builtins, registered first through the same hooks as any plugin: a module, or
# "module:Class" for a plugin that keeps state (one instance per plugin manager)
DEFAULT_PLUGINS = ("findna_bench.builtins.metrics", "findna_bench.builtins.progress:ProgressPlugin")
LOCAL_NAMESPACE = "findna_bench_plugins"


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def _module_name_for(path: Path, root: Path) -> str:
    if path.is_relative_to(root):
        rel = path.with_suffix("").relative_to(root)
    else:  # a user's plugin outside the bundled folder: a file by its stem, a package by its dir
        rel = Path(path.parent.name if path.stem == "__init__" else path.stem)
    parts = [p.replace("-", "_") for p in rel.parts if p != "__init__"]
    if parts and parts[0] == "plugins":
        parts = parts[1:]
    return ".".join([LOCAL_NAMESPACE, *parts])


def _ensure_namespace(name: str) -> None:
    """Create empty parent packages so ``a.b.c`` can live in sys.modules."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        parent = ".".join(parts[:i])
        if parent not in sys.modules:
            module = ModuleType(parent)
            module.__path__ = []
            sys.modules[parent] = module


def load_path(path: Path, root: Path) -> ModuleType:
    """Import a plugin file or package directory by path under the local namespace."""
    path = path.resolve()
    if path.is_dir():
        init = path / "__init__.py"
        if not init.exists():
            raise PluginError(f"plugin directory {path} has no __init__.py; add one with the hooks")
        name = _module_name_for(init, root.resolve())
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(path)]
        )
    elif path.exists():
        if path.suffix != ".py":
            raise PluginError(
                f"plugin path {path} is not a .py file or a package folder; fix the 'plugins:' "
                "list in registry.yaml"
            )
        name = _module_name_for(path, root.resolve())
        spec = importlib.util.spec_from_file_location(name, path)
    else:
        raise PluginError(
            f"plugin path {path} does not exist; fix the 'plugins:' list in registry.yaml"
        )
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin path {path}: Python cannot import it as a module")
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == spec.origin:
        return sys.modules[name]
    _ensure_namespace(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a broken plugin must name itself, sys.exit included
        del sys.modules[name]
        raise PluginError(f"plugin {path} failed to import: {describe(exc)}") from exc
    return module


def describe(exc: BaseException) -> str:
    """One line for an exception raised by plugin code (``sys.exit(3)`` included)."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def call_plugin(plugin: str, hook: str, fn):
    """Call ``fn()`` (one plugin's hook); its errors become one PluginError naming both."""
    try:
        return fn()
    except FindnaError:
        raise
    except (Exception, SystemExit) as exc:
        raise PluginError(f"plugin '{plugin}' failed in hook {hook}: {describe(exc)}") from exc


def _culprit(caller, exc: BaseException) -> str:
    """The plugin whose hook implementation raised ``exc`` (from the traceback's frames)."""
    impls = caller.get_hookimpls()
    codes = {getattr(i.function, "__code__", None): i.plugin_name for i in impls}
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in codes:
            return codes[tb.tb_frame.f_code]
        tb = tb.tb_next
    return impls[0].plugin_name if len(impls) == 1 else "?"


class GuardedHooks:
    """``pm.hook`` whose calls turn a plugin's exception (or ``sys.exit``) into a PluginError
    naming the plugin and the hook, instead of a raw traceback or a silent exit."""

    def __init__(self, relay) -> None:
        self._relay = relay.unguarded if isinstance(relay, GuardedHooks) else relay

    @property
    def unguarded(self):
        return self._relay

    def __getattr__(self, name: str):
        caller = getattr(self._relay, name)

        def call(**kwargs):
            try:
                return caller(**kwargs)
            except FindnaError:
                raise
            except (Exception, SystemExit) as exc:
                raise PluginError(
                    f"plugin '{_culprit(caller, exc)}' failed in hook {name}: {describe(exc)}"
                ) from exc

        return call


def _register(pm: pluggy.PluginManager, module: object, name: str, origin: str) -> None:
    blocked = _env_list("FINDNA_BENCH_DISABLE_PLUGINS") or []
    allowed = _env_list("FINDNA_BENCH_LOAD_PLUGINS")
    if name in blocked or (allowed is not None and name not in allowed and origin != "builtin"):
        pm.set_blocked(name)
        return
    try:
        pm.register(module, name=name)
    except pluggy.PluginValidationError as exc:
        detail = " ".join(str(exc).split())
        raise PluginError(f"plugin '{name}' ({origin}) breaks the hook contract: {detail}") from exc
    except ValueError as exc:
        raise PluginError(f"plugin '{name}' ({origin}) is registered twice: {exc}") from exc
    pm.findna_origins[name] = origin  # type: ignore[attr-defined]


def make_plugin_manager(
    *,
    plugin_paths: Sequence[str | Path] = (),
    root: Path | None = None,
    entrypoints: bool = True,
) -> pluggy.PluginManager:
    """Build a plugin manager with builtins, local plugins by path and entry-point plugins.

    Args:
        plugin_paths: files or package directories (from registry.yaml's ``plugins:``).
        root: the directory plugin paths are relative to (the registry's folder).
        entrypoints: load plugins from the ``findna_bench`` entry-point group.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.findna_origins = {}  # type: ignore[attr-defined]
    for dotted in DEFAULT_PLUGINS:
        module_name, _, cls = dotted.partition(":")
        module = importlib.import_module(module_name)
        _register(
            pm, getattr(module, cls)() if cls else module, module_name.rsplit(".", 1)[-1], "builtin"
        )
    root = root or Path.cwd()
    for path in plugin_paths:
        full = (root / path) if not Path(path).is_absolute() else Path(path)
        name = Path(path).stem if Path(path).suffix == ".py" else Path(path).name
        _register(pm, load_path(full, root), name, str(path))
    if entrypoints:
        for ep in _entry_points():
            if ep.name in (_env_list("FINDNA_BENCH_DISABLE_PLUGINS") or []):
                pm.set_blocked(ep.name)
                continue
            try:
                module = ep.load()
            except (Exception, SystemExit) as exc:
                raise PluginError(
                    f"entry point '{ep.name}' ({ep.value}) failed to load: {describe(exc)}"
                ) from exc
            dist = getattr(ep, "dist", None)
            origin = (
                f"entry point {dist.name} {dist.version}" if dist else f"entry point {ep.value}"
            )
            _register(pm, module, ep.name, origin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        raise PluginError(
            f"plugin '{plugin}' implements a hook that does not exist ({' '.join(str(exc).split())}); "
            "check the spelling against findna_bench/hookspecs.py"
        ) from exc
    if os.environ.get("FINDNA_BENCH_TRACE_PLUGINS") == "1":
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


def origin_of(pm: pluggy.PluginManager, name: str) -> str:
    """Where a registered plugin came from (builtin, a path, or an entry point)."""
    return pm.findna_origins.get(name, "?")  # type: ignore[attr-defined]
