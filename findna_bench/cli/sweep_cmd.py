"""``findna-bench sweep``: a declared grid, selection on validation, the test scored once.

Every point of the grid (``--grid finetune.lr=1e-3,3e-3 --grid backbone.dim=16,32``) runs as
``run --sealed-test`` would (records resume, so a sweep is built over several sittings); then,
per model and task family, the point with the best mean validation score is chosen and only
its runs' test numbers are revealed (``results/sweep.py``). The grid, each point's validation
mean and the choice go into every record of the grid and into ``RESULTS/sweeps.json``.
"""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path
from typing import Any

import typer

from findna_bench.cli.common import (
    CacheDir,
    DataRoot,
    Device,
    Quiet,
    Results,
    parse_seeds,
    split_list,
)
from findna_bench.cli.run_cmd import (
    MODEL,
    OVERRIDES,
    PROFILE,
    SEEDS,
    SUITE,
    TASK,
    plan_or_launch,
    resolve_specs,
)
from findna_bench.errors import ConfigError

GRID = typer.Option(
    ...,
    "--grid",
    help="a config key and its values, repeatable: --grid finetune.lr=1e-3,3e-3 "
    "--grid backbone.channels=[16,8,4],[64,64,64] (every combination runs)",
)
FAMILY = typer.Option(
    "first-word",
    "--family",
    help="what one choice covers: first-word (gue/mouse_0..4 together, gue/prom_* together, "
    "...), task (a choice per task) or all (one choice per model over every task swept)",
)
DRY_RUN = typer.Option(False, "--dry-run", help="print the grid and the plan; run nothing")


def split_values(text: str) -> list[str]:
    """Comma-separated values, commas inside brackets kept: ``[16,8,4],[64,64,64]`` is two."""
    values, depth, current = [], 0, ""
    for char in text:
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            values.append(current)
            current = ""
        else:
            current += char
    return [v.strip() for v in [*values, current] if v.strip()]


def parse_grid(values: list[str]) -> dict[str, list[str]]:
    """``{key: [value, ...]}`` in the order given; one clear line for a malformed entry."""
    grid: dict[str, list[str]] = {}
    for entry in values:
        key, sep, rest = entry.partition("=")
        options = split_values(rest)
        if not sep or not key.strip() or not options:
            raise ConfigError(f"--grid {entry!r}: give KEY=V1,V2,..., e.g. finetune.lr=1e-3,3e-3")
        if key.strip() in grid:
            raise ConfigError(f"--grid {key.strip()}: given twice; list its values once")
        if len(set(options)) < len(options):
            raise ConfigError(f"--grid {entry!r}: a value is repeated")
        grid[key.strip()] = options
    return grid


def points(grid: dict[str, list[str]]):
    from findna_bench.results.sweep import Point

    keys = list(grid)
    return [
        Point(tuple(f"{k}={v}" for k, v in zip(keys, combo)))
        for combo in itertools.product(*(grid[k] for k in keys))
    ]


def sweep(
    ctx: typer.Context,
    overrides: list[str] | None = OVERRIDES,
    model: list[str] = MODEL,
    suite: list[str] | None = SUITE,
    task: list[str] | None = TASK,
    grid: list[str] = GRID,
    family: str = FAMILY,
    seeds: str = SEEDS,
    profile: str = PROFILE,
    device: str = Device,
    data: Path | None = DataRoot,
    cache_dir: Path | None = CacheDir,
    results: Path = Results,
    dry_run: bool = DRY_RUN,
    quiet: bool = Quiet,
) -> None:
    """Run a grid sealed, choose on validation, reveal the chosen point's test numbers.

    Every combination of the --grid values runs with the test split sealed (records resume);
    per model and task family the point with the best mean validation score is chosen and only
    its runs are unsealed; the grid, each point's mean and the choice go into every record."""
    from findna_bench.results import sweep as selection

    engine, seed_list = ctx.obj, parse_seeds(seeds)
    if family not in selection.FAMILIES:
        raise ConfigError(f"--family {family}: one of {', '.join(selection.FAMILIES)}")
    declared = parse_grid(grid)
    fixed = {o.partition("=")[0].strip() for o in overrides or []}
    if fixed & set(declared):
        both = ", ".join(sorted(fixed & set(declared)))
        raise ConfigError(f"{both}: both an override and a --grid key; give it in one place")
    names = dict(models=split_list(model), suites=split_list(suite), tasks=split_list(task))
    runs = {
        point: resolve_specs(
            engine,
            **names,
            seeds=seed_list,
            profile=profile,
            overrides=[*(overrides or []), *point.overrides],
        )
        for point in points(declared)
    }  # every point's configs are checked before any run starts
    specs = [spec for group in runs.values() for spec in group]
    shared = dict(
        results=results, cache_dir=cache_dir, rerun=False, reuse="same-code", sealed_test=True
    )
    where: dict[str, Any] = dict(launcher="local", slurm=None, device=device, quiet=quiet)
    where["expected_seeds"] = len(seed_list)
    if plan_or_launch(engine, specs, shared, data, dry_run=dry_run, as_json=False, **where):
        choose_and_reveal(engine, runs, declared, family, results)


def choose_and_reveal(engine, runs: dict, grid: dict, family: str, results: Path) -> None:
    """Choose from the records, reveal the chosen points' test numbers, print the table."""
    from findna_bench import ui
    from findna_bench.results import sweep as selection
    from findna_bench.results.store import ResultsStore

    store = ResultsStore(results)
    records = selection.newest_ok(store)
    catalog = engine.catalog
    choices = selection.choose(
        runs, records, grid, family, lambda m: catalog.metric(m).higher_is_better
    )
    for choice in choices:
        if choice.chosen is not None:
            selection.apply(choice, runs, records, catalog)
    path = selection.write_summary(Path(results), choices)
    tests = [selection.revealed(choice, runs, records) for choice in choices]
    ui.out.print(render(choices, tests), highlight=False)
    ui.err.print(f"wrote {path}", highlight=False)


def render(choices: list, tests: list[dict[str, list[float]]]) -> str:
    """One line per (model, family, point): the validation mean, and which point was chosen;
    then the chosen point's revealed test numbers per task (the board printed before the
    choice could not show them)."""
    lines = []
    for c, test in zip(choices, tests, strict=True):
        lines.append(f"{c.model} on {c.family} ({len(c.tasks)} task(s) x {len(c.seeds)} seed(s)):")
        for point, mean in c.means.items():
            if mean is None:
                value = f"{c.missing[point]} run(s) missing"
            else:
                value = f"valid {c.metric} {mean:.4f}"
            mark = "  <- chosen, test revealed" if point == c.chosen else ""
            lines.append(f"  {point.label():40s} {value}{mark}")
        if c.chosen is None:
            lines.append("  no choice yet: every point needs all its runs (rerun to resume)")
        for task, values in test.items():
            mean = statistics.fmean(values)
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            lines.append(
                f"  test {c.metric} ×100 on {task}: {100 * mean:.2f} ± {100 * spread:.2f} "
                f"(n={len(values)})"
            )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command()(sweep)
