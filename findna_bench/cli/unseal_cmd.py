"""``findna-bench unseal``: reveal the test numbers of runs made with ``run --sealed-test``."""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import OnlyModels, Results


def unseal(
    ctx: typer.Context,
    results: Path = Results,
    model: list[str] | None = OnlyModels,
) -> None:
    """Reveal the test metrics of runs made with run --sealed-test.

    Once the protocol they were chosen under is fixed: the metrics each sealed run kept aside
    are checked against its stored predictions and moved into its record, which says when."""
    from findna_bench import ui
    from findna_bench.cli.common import split_list
    from findna_bench.errors import ConfigError
    from findna_bench.results.store import ResultsStore
    from findna_bench.results.unseal import unseal as reveal

    if not Path(results).is_dir():
        raise ConfigError(f"--results {results}: no such folder")
    models = set(split_list(model)) or None
    count = reveal(ResultsStore(results), ctx.obj.catalog, models)
    ui.out.print(f"unsealed {count} run(s) in {results}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(unseal)
