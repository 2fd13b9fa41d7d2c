"""``findna-bench list`` (components, models, suites, profiles) and ``findna-bench plugins``."""

from __future__ import annotations

import typer

KINDS = {
    "backbones": "backbone",
    "objectives": "objective",
    "augmentations": "augmentation",
    "tasks": "task",
    "metrics": "metric",
}
SECTIONS = ("models", "suites", "profiles")


def list_(
    ctx: typer.Context,
    what: str = typer.Argument(
        "all",
        help="backbones | objectives | augmentations | tasks | "
        "metrics | models | suites | profiles | all",
    ),
) -> None:
    """List registered components (with their plugin) and registry presets.

    Models, suites and profiles come from registry.yaml; components from an index of the plugins'
    registrations that is rebuilt (importing the plugins) whenever their code changes."""
    from findna_bench import ui
    from findna_bench.errors import UnknownName

    choices = [*KINDS, *SECTIONS]
    if what != "all" and what not in choices:
        raise UnknownName("list section", what, [*choices, "all"])
    engine = ctx.obj
    sections = choices if what == "all" else [what]
    components = {}
    if any(section in KINDS for section in sections):
        from findna_bench.catalog_index import component_rows

        components = component_rows(engine)
    for section in sections:
        rows = components[KINDS[section]] if section in KINDS else registry_rows(engine, section)
        if rows:
            ui.out.print(ui.rows_table(rows, title=section))
        else:
            ui.out.print(f"{section}: none")


def registry_rows(engine, section: str) -> list[dict]:
    """Name and description of each model, suite or profile, in registry order."""
    return [
        {"name": k, "plugin": "registry.yaml", "description": (v or {}).get("description", "")}
        for k, v in getattr(engine.registry, section).items()
    ]


def plugins(ctx: typer.Context) -> None:
    """Show loaded plugins, where each came from, the hooks it implements and commands it adds."""
    from findna_bench import ui
    from findna_bench.plugins import origin_of

    engine = ctx.obj
    pm = engine.pm
    rows = []
    named = [(name, plugin) for name, plugin in pm.list_name_plugin() if plugin is not None]
    for name, plugin in sorted(
        named, key=lambda item: (origin_of(pm, item[0]) != "builtin", item[0])
    ):
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        origin = engine.registry.plugin_origin(origin_of(pm, name))
        rows.append({"plugin": name, "origin": origin, "hooks": ", ".join(hooks)})
    ui.out.print(ui.rows_table(rows, title="plugins"))
    extra = engine.plugin_commands()
    if extra:
        ui.out.print("commands added by plugins: " + ", ".join(sorted(extra)))


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command()(plugins)
