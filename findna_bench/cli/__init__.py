"""The findna-bench command line: builds the Typer app and maps user errors to exit codes (README).

Plugins are loaded lazily, so ``findna-bench --help`` imports neither torch nor any plugin.
Commands added by plugins (``register_commands``) are found the first time the CLI is asked for
a name it does not know; ``findna-bench plugins`` lists them.
"""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from findna_bench.engine import Engine
from findna_bench.errors import FindnaError


class PluginGroup(TyperGroup):
    """Resolves unknown command names through the plugins' ``register_commands`` hook."""

    def get_command(self, ctx, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return Engine(ctx.params.get("registry")).plugin_commands().get(cmd_name)

    def invoke(self, ctx):
        """User errors become one red line on stderr and their exit code (2 for bad input)."""
        try:
            return super().invoke(ctx)
        except FindnaError as exc:
            from rich.markup import escape

            from findna_bench import ui

            ui.err.print(
                f"[bold red]error:[/] {escape(str(exc))}",
                markup=True,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=exc.exit_code) from None


def root(
    ctx: typer.Context,
    registry: Path | None = typer.Option(
        None,
        "--registry",
        envvar="FINDNA_BENCH_REGISTRY",
        help="registry.yaml to use (default: the bundled one)",
    ),
) -> None:
    """Options every command shares; ``ctx.obj`` becomes the invocation's engine."""
    from findna_bench import ui

    ui.fit_width()
    ctx.obj = Engine(registry)


def make_app() -> typer.Typer:
    from findna_bench.cli import (
        certify_cmd,
        compare_cmd,
        data_cmd,
        gpu_check_cmd,
        leaderboard_cmd,
        list_cmd,
        pretrain_cmd,
        report_cmd,
        run_cmd,
        speed_cmd,
        stopping_cmd,
        summarize_cmd,
        sweep_cmd,
        training_cmd,
        unseal_cmd,
        validate_cmd,
    )

    app = typer.Typer(
        name="findna-bench",
        cls=PluginGroup,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        help="Benchmark DNA sequence models (FinDNA, ChordMixer, baselines) on GenomicBenchmarks, "
        "GUE and MTcDNA with a fixed protocol, multi-seed statistics and resumable runs.",
        epilog="Plugins may add commands: `findna-bench plugins` lists them.",
    )

    app.callback()(root)
    for module in (
        run_cmd,
        list_cmd,
        validate_cmd,
        leaderboard_cmd,
        data_cmd,
        pretrain_cmd,
        report_cmd,
        speed_cmd,
        gpu_check_cmd,
        compare_cmd,
        training_cmd,
        certify_cmd,
        summarize_cmd,
        unseal_cmd,
        stopping_cmd,
        sweep_cmd,
    ):
        module.register(app)
    return app


def main() -> None:
    make_app()(prog_name="findna-bench")
