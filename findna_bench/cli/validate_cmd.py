"""``findna-bench validate``: check every preset in registry.yaml without building anything."""

from __future__ import annotations

import typer


def validate(ctx: typer.Context) -> None:
    """Check models, suites and profiles against the registered factories' signatures."""
    from rich.markup import escape

    from findna_bench import ui
    from findna_bench.validate import unavailable
    from findna_bench.validate import validate as check

    engine = ctx.obj
    errors = check(engine.registry, engine.catalog)
    for line in errors:
        ui.err.print(f"[red]x[/] {escape(line)}", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(code=2)
    for line in unavailable(engine.registry, engine.catalog):  # valid, not runnable here
        ui.err.print(f"[yellow]![/] {escape(line)}", highlight=False, soft_wrap=True)
    reg = engine.registry
    extends = f" (extends the bundled {reg.base})" if reg.base else ""
    ui.out.print(
        f"ok: {reg.path}{extends}: {len(reg.models)} models, {len(reg.suites)} suites, "
        f"{len(reg.profiles)} profiles, {len(engine.catalog.names('task'))} tasks",
        soft_wrap=True,
    )
    by_file: dict[str, list[str]] = {}
    for plugin in reg.plugins:
        source, _, entry = reg.plugin_origin(plugin).partition(": ")
        by_file.setdefault(source, []).append(entry)
    for source, entries in by_file.items():
        ui.out.print(f"plugins from {source}: {', '.join(entries)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(validate)
