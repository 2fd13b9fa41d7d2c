"""A declared sweep's selection: per model and task family, the grid point with the best mean
validation score, and only that point's test numbers revealed.

``findna-bench sweep`` runs every point of a grid (e.g. ``finetune.lr`` x ``backbone.dim``)
with the test split sealed (``run --sealed-test``). Here, from the records alone:

* ``choose``: for each (model, family), each point's mean of the validation main metric (the
  selected weights' ``metrics.valid``) over the family's tasks and seeds; the best point wins
  (ties: the first in grid order). A point missing a run, or with a failed run, cannot win:
  the choice waits until every point is complete (``Choice.missing``);
* ``apply``: the chosen point's records get their test metrics (``unseal``, checked against
  their predictions) and every record of the family's grid, chosen or not, says what the sweep
  was (``sweep``: grid, family, tasks, seeds, each point's validation mean, the choice). The
  other points' test numbers stay sealed: the test split is scored once, for the choice.

Never prints.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from findna_bench.errors import ConfigError
from findna_bench.results import unseal
from findna_bench.results.store import NOT_RECORDS, SWEEPS, ResultsStore

FAMILIES = ("first-word", "task", "all")


def family(task: str, how: str) -> str:
    """``first-word``: the benchmark and the task name's first word (``gue/mouse_3`` ->
    ``gue/mouse``, ``gue/prom_core_tata`` -> ``gue/prom``); ``task``: the task itself;
    ``all``: every task swept (one choice per model)."""
    if how == "task":
        return task
    if how == "all":
        return "all"
    bench, _, name = task.partition("/")
    return f"{bench}/{name.split('_')[0]}"


@dataclass(frozen=True)
class Point:
    """One grid point: its overrides, in the grid's key order."""

    overrides: tuple[str, ...]

    def label(self) -> str:
        return " ".join(self.overrides) or "(defaults)"


@dataclass
class Choice:
    """The sweep's outcome for one model and task family."""

    model: str
    family: str
    tasks: list[str]
    seeds: list[int]
    grid: dict[str, list[str]]
    means: dict[Point, float | None] = field(default_factory=dict)
    missing: dict[Point, int] = field(default_factory=dict)
    chosen: Point | None = None
    metric: str = ""

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "family": self.family,
            "tasks": self.tasks,
            "seeds": self.seeds,
            "grid": self.grid,
            "metric": self.metric,
            "points": [
                {"overrides": list(p.overrides), "valid_mean": m, "missing_runs": self.missing[p]}
                for p, m in self.means.items()
            ],
            "chosen": None if self.chosen is None else list(self.chosen.overrides),
        }


def newest_ok(store: ResultsStore) -> dict[str, tuple[dict, Path]]:
    """The newest ok record of each run id in ``store``, with its file."""
    found = []
    for path in store.root.rglob("*.json"):
        if path.name.startswith(".tmp-") or path.name in NOT_RECORDS:
            continue
        record, problem = store.load(path)
        if not problem and record is not None and record.get("status") == "ok":
            found.append((str(record.get("started_at", "")), record, path))
    return {r["run_id"]: (r, path) for _, r, path in sorted(found, key=lambda t: t[0])}


def choose(
    runs: dict[Point, list[Any]],
    records: dict[str, tuple[dict, Path]],
    grid: dict[str, list[str]],
    how: str,
    higher_is_better: Any,
) -> list[Choice]:
    """A ``Choice`` per (model, family); ``runs``: each point's ``RunSpec``s; ``records``: the
    newest ok record (and its file) by run id; ``higher_is_better(metric)`` says the metric's direction."""
    choices: dict[tuple[str, str], Choice] = {}
    for point, specs in runs.items():
        groups: dict[tuple[str, str], list] = {}
        for spec in specs:
            groups.setdefault((spec.model, family(spec.task, how)), []).append(spec)
        for key, group in groups.items():
            choice = choices.setdefault(
                key,
                Choice(
                    model=key[0],
                    family=key[1],
                    tasks=sorted({s.task for s in group}),
                    seeds=sorted({s.seed for s in group}),
                    grid=grid,
                ),
            )
            found = [records[s.run_id][0] for s in group if s.run_id in records]
            choice.missing[point] = len(group) - len(found)
            if found:
                choice.metric = found[0]["main_metric"]
            values = [r["metrics"]["valid"][r["main_metric"]] for r in found]
            complete = not choice.missing[point]
            choice.means[point] = statistics.fmean(values) if complete else None
    for choice in choices.values():
        if any(choice.missing.values()):
            continue
        sign = 1 if higher_is_better(choice.metric) else -1
        best = max(choice.means, key=lambda p: sign * (choice.means[p] or 0.0))
        choice.chosen = best  # max keeps the first of equal points (grid order)
    return list(choices.values())


def apply(
    choice: Choice,
    runs: dict[Point, list[Any]],
    records: dict[str, tuple[dict, Path]],
    catalog: Any,
) -> int:
    """Unseal the chosen point's records and write the sweep into every record of the
    family's grid; how many records were unsealed."""
    summary = choice.as_json()
    unsealed = 0
    for point, specs in runs.items():
        for spec in specs:
            if spec.model != choice.model or spec.task not in choice.tasks:
                continue
            record, path = records[spec.run_id]
            record["sweep"] = {**summary, "this_point": list(point.overrides)}
            if point == choice.chosen and unseal.sealed(record):
                unseal.check(record, path.parent, catalog)
                record["metrics"]["test"] = record.pop("sealed_metrics")
                record["sealed_test"] = "unsealed by sweep"
                unsealed += 1
            unseal.replace(path, record)
    return unsealed


def revealed(
    choice: Choice, runs: dict[Point, list[Any]], records: dict[str, tuple[dict, Path]]
) -> dict[str, list[float]]:
    """The chosen point's test values by task, once ``apply`` has unsealed them."""
    out: dict[str, list[float]] = {}
    if choice.chosen is None:
        return out
    for spec in runs[choice.chosen]:
        if spec.model == choice.model and spec.task in choice.tasks and spec.run_id in records:
            record = records[spec.run_id][0]
            value = record["metrics"].get("test", {}).get(record["main_metric"])
            if value is not None:
                out.setdefault(spec.task, []).append(value)
    return out


def _same_sweep(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("model", "family", "tasks", "seeds", "grid"))


def write_summary(root: Path, choices: list[Choice]) -> Path:
    """``sweeps.json`` in the results folder: every choice, merged by (model, family). A choice
    still waiting for runs never replaces the complete choice of the same sweep: a process that
    stops while another finishes the last runs writes after that one has chosen."""
    path = root / SWEEPS
    kept = json.loads(path.read_text()) if path.exists() else []
    old = {(k["model"], k["family"]): k for k in kept}
    fresh = {}
    for c in choices:
        entry, before = c.as_json(), old.get((c.model, c.family))
        if c.chosen is None and before and before["chosen"] and _same_sweep(entry, before):
            entry = before
        fresh[(c.model, c.family)] = entry
    merged = [k for k in kept if (k["model"], k["family"]) not in fresh] + list(fresh.values())
    unseal.replace(path, merged)  # atomic: the processes of one sweep may write it together
    return path


def markdown(root: Path) -> str:
    """``sweeps.json`` of ``root`` as a table: per model and family, each point's validation
    mean and which was chosen."""
    path = root / SWEEPS
    if not path.exists():
        raise ConfigError(f"{path}: no sweep here (findna-bench sweep writes it)")
    lines = [
        "| model | family | tasks × seeds | point | valid mean ×100 | chosen |",
        "|---|---|---|---|---|---|",
    ]
    for choice in json.loads(path.read_text()):
        size = f"{len(choice['tasks'])} × {len(choice['seeds'])}"
        for point in choice["points"]:
            mean = point["valid_mean"]
            shown = f"{100 * mean:.2f}" if mean is not None else f"{point['missing_runs']} missing"
            chosen = "**chosen**" if point["overrides"] == choice["chosen"] else ""
            overrides = " ".join(f"`{o}`" for o in point["overrides"])
            lines.append(
                f"| {choice['model']} | {choice['family']} | {size} | {overrides} | {shown} | "
                f"{chosen} |"
            )
    return "\n".join(lines)


def by_task_markdown(records: list[dict]) -> str:
    """Each swept run's selected validation main metric, per model, task and point."""
    rows = sorted(
        (
            r["model"],
            r["task"],
            " ".join(f"`{o}`" for o in r["sweep"]["this_point"]),
            r["seed"],
            100 * float(r["metrics"]["valid"][r["main_metric"]]),
        )
        for r in records
        if r.get("status") == "ok" and isinstance(r.get("sweep"), dict)
    )
    lines = ["| model | task | point | seed | valid ×100 |", "|---|---|---|---|---|"]
    lines += [f"| {m} | {t} | {p} | {seed} | {v:.2f} |" for m, t, p, seed, v in rows]
    return "\n".join(lines)
