"""Certify stored runs: re-run them with today's code into a scratch store and compare.

For each chosen record the same (model, task, seed, resolved config) is run again; the verdict
compares the reproduced run with the stored one:

* ``identical``: the test predictions are bit-identical (and so every metric);
* ``within tolerance``: every test probability within ``tolerance`` of the stored one;
* ``inside the seed range``: the predictions differ, but the reproduced main metric lies inside
  the range of the cell's seeds widened by one standard deviation of them (how much the seed
  alone moves it). Used when this machine's kernel path differs from the record's or is unknown;
* ``drifted``: none of these.

A certificate (JSON and Markdown) is written beside the results. ``rekey`` then moves records
that predate run identities (``identity.py``) to today's identity, only when their data files
are today's and their model's certified runs did not drift. Never prints.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from findna_bench.config_keys import identity_view
from findna_bench.hardware.environment import kernel_path
from findna_bench.results.store import CERTIFICATE

VERDICTS = ("identical", "within tolerance", "inside the seed range", "drifted")


@dataclass(frozen=True, slots=True)
class Reproduction:
    """One stored run and its re-run."""

    run_id: str
    model: str
    task: str
    seed: int
    metric: str
    stored: float
    reproduced: float
    max_prob_diff: float
    seed_range: tuple[float, float]
    same_kernel_path: bool | None  # None: the record does not say
    verdict: str
    stored_steps: int | None
    reproduced_steps: int | None


def cells(records: list[dict]) -> dict[tuple, list[dict]]:
    """Ok records grouped by cell: model, task, resolved config and identity (the seeds of one
    cell differ only in their seed)."""
    out: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        if r.get("status") == "ok":
            config = json.dumps(identity_view(r.get("config") or {}), sort_keys=True, default=str)
            fp = (r.get("code") or {}).get("fingerprint")
            out[(r["model"], r["task"], config, fp)].append(r)
    return out


def cheapest(records: list[dict]) -> list[dict]:
    """Per model, the records of its cell whose runs took least wall time on average."""
    best: dict[str, list[dict]] = {}
    for group in cells(records).values():
        cost = statistics.mean(r.get("wall_seconds") or 0.0 for r in group)
        held = best.get(group[0]["model"])
        if held is None or cost < statistics.mean(r.get("wall_seconds") or 0.0 for r in held):
            best[group[0]["model"]] = group
    return [r for group in best.values() for r in group]


def choose(records: list[dict], per_cell: int | None) -> list[dict]:
    """``per_cell`` runs of each cell, lowest seeds first (None: every run)."""
    chosen = []
    for group in cells(records).values():
        group = sorted(group, key=lambda r: r["seed"])
        chosen += group if per_cell is None else group[:per_cell]
    return chosen


def seed_range(cell: list[dict], metric: str) -> tuple[float, float]:
    values = [r["metrics"]["test"][metric] for r in cell]
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return min(values) - spread, max(values) + spread


def judge(
    stored: dict,
    reproduced: dict,
    stored_preds: Any,
    new_preds: Any,
    cell: list[dict],
    tolerance: float,
) -> Reproduction:
    metric = stored["main_metric"]
    old, new = stored["metrics"]["test"][metric], reproduced["metrics"]["test"][metric]
    same_shape = stored_preds.probs.shape == new_preds.probs.shape
    diff = float(np.abs(stored_preds.probs - new_preds.probs).max()) if same_shape else np.inf
    low, high = seed_range(cell, metric)
    recorded_path = (stored.get("environment") or {}).get("kernel_path")
    same_path = None if recorded_path is None else recorded_path == kernel_path()
    if old != new and same_shape and np.array_equal(stored_preds.probs, new_preds.probs):
        verdict = "drifted"  # same predictions, another metric: the record disagrees with them
    elif same_shape and np.array_equal(stored_preds.probs, new_preds.probs):
        verdict = "identical"
    elif diff <= tolerance:
        verdict = "within tolerance"
    elif same_path is not True and low <= new <= high:
        verdict = "inside the seed range"
    else:
        verdict = "drifted"
    return Reproduction(
        run_id=stored["run_id"],
        model=stored["model"],
        task=stored["task"],
        seed=stored["seed"],
        metric=metric,
        stored=old,
        reproduced=new,
        max_prob_diff=diff,
        seed_range=(low, high),
        same_kernel_path=same_path,
        verdict=verdict,
        stored_steps=stored.get("best_step"),
        reproduced_steps=reproduced.get("best_step"),
    )


def certificate(reproductions: list[Reproduction], *, tolerance: float) -> dict:
    counts = {v: sum(r.verdict == v for r in reproductions) for v in VERDICTS}
    return {
        "kernel_path": kernel_path(),
        "tolerance": tolerance,
        "counts": counts,
        "drifted": counts["drifted"],
        "runs": [asdict(r) for r in reproductions],
    }


def markdown(cert: dict) -> str:
    lines = [
        f"# Certificate: {len(cert['runs'])} stored runs re-run with today's code",
        "",
        f"Kernel path here: `{cert['kernel_path']}`; tolerance on test probabilities: "
        f"{cert['tolerance']:g}. " + ", ".join(f"{n} {v}" for v, n in cert["counts"].items() if n),
        "",
        "| model | task | seed | metric | stored | reproduced | max prob diff | best step "
        "(stored / now) | kernel path as recorded | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    same = {True: "same", False: "differs", None: "not recorded"}
    for r in cert["runs"]:
        lines.append(
            f"| {r['model']} | {r['task']} | {r['seed']} | {r['metric']} | {r['stored']:.4f} | "
            f"{r['reproduced']:.4f} | {r['max_prob_diff']:.2g} | {r['stored_steps']} / "
            f"{r['reproduced_steps']} | {same[r['same_kernel_path']]} | {r['verdict']} |"
        )
    return "\n".join(lines) + "\n"


def write(results: Path, cert: dict) -> tuple[Path, Path]:
    json_path, md_path = results / CERTIFICATE, results / "certificate.md"
    json_path.write_text(json.dumps(cert, indent=1) + "\n")
    md_path.write_text(markdown(cert))
    return json_path, md_path
