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
    """List registered components (with their plugin) and registry presets."""
    import pandas as pd

    from findna_bench import ui
    from findna_bench.errors import UnknownName

    engine = ctx.obj
    choices = [*KINDS, *SECTIONS]
    if what != "all" and what not in choices:
        raise UnknownName("list section", what, [*choices, "all"])
    for section in choices if what == "all" else [what]:
        if section in KINDS:
            entries = engine.catalog.tables[KINDS[section]].values()
            frame = pd.DataFrame(
                [
                    {"name": e.name, "plugin": e.plugin, "description": e.description}
                    for e in sorted(entries, key=lambda e: e.name)
                ]
            )
        else:
            body = getattr(engine.registry, section)
            frame = pd.DataFrame(
                [
                    {
                        "name": k,
                        "plugin": "registry.yaml",
                        "description": (v or {}).get("description", ""),
                    }
                    for k, v in body.items()
                ]
            )
        if frame.empty:
            ui.out.print(f"{section}: none")
            continue
        ui.out.print(ui.frame_table(frame.set_index("name"), title=section))


def plugins(ctx: typer.Context) -> None:
    """Show loaded plugins, where each came from, the hooks it implements and commands it adds."""
    import pandas as pd

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
    ui.out.print(ui.frame_table(pd.DataFrame(rows).set_index("plugin"), title="plugins"))
    extra = engine.plugin_commands()
    if extra:
        ui.out.print("commands added by plugins: " + ", ".join(sorted(extra)))


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command()(plugins)
