"""The ``paired-valid OTHER`` block: this folder's runs against the same (model, task, seed) runs
of another folder, on the validation split only.

For checking that a change of computation (e.g. ``finetune.cpu_amp``) leaves accuracy where it
was before it becomes a default, without looking at a test number: per model, the mean and the
standard error of the paired difference of the selected validation main metric (×100), the
spread of the other folder's seeds for scale, and the median ratio of seconds per step (other /
this: how much faster this folder's runs stepped). Pure: returns Markdown.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path

from findna_bench.errors import ConfigError
from findna_bench.results.store import ResultsStore


def _ok(records: list[dict]) -> dict[tuple, dict]:
    return {
        (r["model"], r["task"], r["seed"]): r
        for r in sorted(records, key=lambda r: str(r.get("started_at", "")))
        if r.get("status") == "ok"
    }


def _valid(record: dict) -> float:
    return 100 * float(record["metrics"]["valid"][record["main_metric"]])


def _seed_sd(other: dict[tuple, dict], model: str, tasks: set[str]) -> float:
    """The mean over tasks of the other folder's seed standard deviation."""
    spreads = []
    for task in sorted(tasks):
        values = [_valid(r) for (m, t, _), r in other.items() if m == model and t == task]
        if len(values) > 1:
            spreads.append(statistics.stdev(values))
    return statistics.fmean(spreads) if spreads else math.nan


def markdown(records: list[dict], other_folder: Path) -> str:
    """The table; one line when the other folder has no run to pair with."""
    found, _ = ResultsStore(other_folder, read_only=True).read_all()
    mine, other = _ok(records), _ok(found)
    pairs: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for key, record in mine.items():
        if key in other:
            pairs[key[0]].append((record, other[key]))
    if not pairs:
        raise ConfigError(
            f"paired-valid {other_folder}: no run there has this folder's model, task and seed"
        )
    lines = [
        "| model | pairs | valid main metric ×100, this − other | standard error | other's seed sd "
        "| seconds per step, other / this (median) |",
        "|---|---|---|---|---|---|",
    ]
    for model, items in sorted(pairs.items()):
        diffs = [_valid(a) - _valid(b) for a, b in items]
        se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
        ratio = statistics.median(
            (b["wall_seconds"] / b["steps"]) / (a["wall_seconds"] / a["steps"]) for a, b in items
        )
        spread = _seed_sd(other, model, {a["task"] for a, _ in items})
        lines.append(
            f"| {model} | {len(items)} | {statistics.fmean(diffs):+.2f} | {se:.2f} | "
            f"{spread:.2f} | {ratio:.2f} |"
        )
    return "\n".join(lines)
