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
    ui.out.print(
        f"ok: {reg.path}: {len(reg.models)} models, {len(reg.suites)} suites, "
        f"{len(reg.profiles)} profiles, {len(engine.catalog.names('task'))} tasks"
    )


def register(app: typer.Typer) -> None:
    app.command()(validate)
