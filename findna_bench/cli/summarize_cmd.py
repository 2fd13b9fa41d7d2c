"""``findna-bench summarize``: write a benchmark README's generated blocks from its records.

Every ``<!-- summarize:NAME ... -->`` ... ``<!-- /summarize:NAME -->`` block of the README is
rewritten from the records (``findna_bench.results.summarize`` lists the blocks); the text around
the blocks is the author's and is kept. ``--check`` writes nothing and exits 1 naming the first
block that differs, so a test (or CI) fails when a README drifts from its records. A block
marked ``from=FOLDER`` is written from that folder's records (relative to the README), so one
README can quote several benchmarks.
"""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench.cli.common import DataRoot, Results, data_root

README = typer.Option(
    None, "--readme", help="the Markdown file to fill (default: README.md in --results)"
)
CHECK = typer.Option(
    False, "--check", help="write nothing; exit 1 naming the first block that differs"
)


def summarize(
    ctx: typer.Context,
    results: Path = Results,
    readme: Path | None = README,
    check: bool = CHECK,
    data: Path | None = DataRoot,
) -> None:
    """Write every table and number of a benchmark README between its markers, from the records."""
    from findna_bench import ui
    from findna_bench.cli.records import resolver, selected_records
    from findna_bench.errors import ConfigError
    from findna_bench.results import markers
    from findna_bench.results.summarize import Summary

    path = readme or results / "README.md"
    if not path.is_file():
        raise ConfigError(f"--readme {path}: no such file")
    text = path.read_text()
    found = markers.blocks(text, str(path))
    if not found:
        raise ConfigError(f"{path} has no <!-- summarize:NAME --> block to fill")
    summaries: dict[Path, Summary] = {}
    resolve, root = resolver(ctx.obj), data_root(data, must_exist=False)

    def summary_of(block: markers.Block) -> Summary:
        folder = results if block.source is None else path.parent / block.source
        if block.source is not None and not folder.is_dir():
            raise ConfigError(
                f"{path}: <!-- summarize:{block.title} -->: {folder} is not a results folder"
            )
        if folder not in summaries:
            records = selected_records(
                ctx.obj, folder, model=None, suite=None, task=None, profile=None
            )
            summaries[folder] = Summary(
                records,
                results=folder,
                resolve=resolve,
                catalog=ctx.obj.catalog,
                data_root=root,
            )
        return summaries[folder]

    new = markers.fill(text, found, [summary_of(block).render(block) for block in found])
    stale = markers.first_difference(text, new, found)
    if check:
        if stale:
            ui.err.print(
                f"{path}: block '{stale}' differs from the records in {results}; "
                f"run findna-bench summarize --results {results} --readme {path}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=1)
        ui.out.print(f"{path}: {len(found)} blocks match the records", highlight=False)
        return
    if stale:
        path.write_text(new)
    ui.out.print(
        f"{path}: {len(found)} blocks, {'rewritten' if stale else 'already up to date'}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(summarize)
