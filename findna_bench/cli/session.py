"""Lazily loaded registry, plugin manager and catalog for one CLI invocation."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any


class Session:
    def __init__(self, registry_path: Path | None) -> None:
        self.registry_path = registry_path

    @cached_property
    def registry(self) -> Any:
        from findna_bench.config import load_registry

        return load_registry(self.registry_path)

    @cached_property
    def pm(self) -> Any:
        from findna_bench.plugins import make_plugin_manager

        return make_plugin_manager(plugin_paths=self.registry.plugins, root=self.registry.root)

    @cached_property
    def catalog(self) -> Any:
        from findna_bench.catalog import Catalog

        return Catalog.from_plugin_manager(self.pm)

    def plugin_commands(self) -> dict[str, Any]:
        """Click commands that plugins add through ``register_commands``."""
        import typer

        app = typer.Typer()
        self.pm.hook.register_commands(app=app)
        if not app.registered_commands and not app.registered_groups:
            return {}
        group = typer.main.get_group(app)
        return dict(group.commands)
