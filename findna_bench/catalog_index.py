"""A cached index of the components plugins register, so ``findna-bench list`` needs no torch.

Listing backbones, objectives, augmentations, tasks and metrics means calling the plugins'
registration hooks, and the plugins import torch at module level (seconds). The index written
after one such call is keyed by a hash of everything that decides the listing: the source of
findna-bench itself, every file of every plugin the registry lists, the installed entry-point
plugins (name, target and source), the installed distributions and their versions (a plugin may
register a component only when a package is present) and the plugin allow/block lists. Any
edit to any of them gives a new key, so the next ``list`` imports the plugins again and writes
a fresh index; an index is never trusted on its name or age. It lives at ``<cache>/catalog/<key>.json``
(``FINDNA_BENCH_CACHE`` or the user cache). Never prints.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

from findna_bench.catalog import KINDS
from findna_bench.paths import default_cache_dir
from findna_bench.plugins import ENTRY_POINT_GROUP

PACKAGE_DIR = Path(__file__).resolve().parent
PLUGIN_ENV = ("FINDNA_BENCH_LOAD_PLUGINS", "FINDNA_BENCH_DISABLE_PLUGINS")


def _source_files(path: Path) -> list[Path]:
    """A plugin file, or every ``.py`` under a plugin package's folder."""
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    return [path] if path.exists() else []


def _entry_point_origin(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not Path(spec.origin).exists():
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin


def index_key(plugin_paths: list[str], *, entrypoints: bool) -> str:
    """The hash of every input the component listing depends on."""
    digest = hashlib.sha256()

    def add(label: str, files: list[Path]) -> None:
        digest.update(label.encode() + b"\0")
        for file in files:
            digest.update(str(file).encode() + b"\0" + file.read_bytes() + b"\0")

    add("findna_bench", _source_files(PACKAGE_DIR))
    for path in plugin_paths:
        add(f"plugin {path}", _source_files(Path(path)))
    if entrypoints:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)):
            origin = _entry_point_origin(ep.module)
            add(f"entry point {ep.name}={ep.value}", _source_files(origin) if origin else [])
    installed = sorted(f"{d.name}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(installed).encode())
    for name in PLUGIN_ENV:
        digest.update(f"{name}={os.environ.get(name)}\0".encode())
    return digest.hexdigest()[:16]


def index_path(key: str) -> Path:
    cache = os.environ.get("FINDNA_BENCH_CACHE")
    return (Path(cache) if cache else default_cache_dir()) / "catalog" / f"{key}.json"


def component_rows(engine) -> dict[str, list[dict]]:
    """Kind -> name, plugin and description of each registered component, sorted by name: from
    the index when its key matches the code, else from the plugins (and then written down)."""
    path = index_path(index_key(engine.registry.plugins, entrypoints=engine.entrypoints))
    try:
        return json.loads(path.read_text())["components"]
    except (OSError, ValueError, KeyError):
        pass
    rows = {
        kind: [
            {"name": e.name, "plugin": e.plugin, "description": e.description}
            for e in sorted(engine.catalog.tables[kind].values(), key=lambda e: e.name)
        ]
        for kind in KINDS
    }
    _write(path, {"components": rows})
    return rows


def _write(path: Path, document: dict) -> None:
    """Write atomically; an unwritable cache only means the next ``list`` imports again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        tmp.write_text(json.dumps(document, indent=1))
        tmp.replace(path)
    except OSError:
        return
