"""Stopping rules replayed on recorded validation curves (``findna-bench stopping``)."""

from __future__ import annotations

import math

from findna_bench.results.stopping import replay, table


def record(values: list[float], *, patience: int = 4, min_steps: int = 0) -> dict:
    curve = [{"step": 10 * (i + 1), "mcc": v} for i, v in enumerate(values)]
    return {
        "status": "ok",
        "main_metric": "mcc",
        "higher_is_better": True,
        "steps": curve[-1]["step"],
        "curve": curve,
        "config": {"finetune": {"patience": patience, "min_steps": min_steps, "min_delta": 0.0}},
    }


def test_a_shorter_patience_stops_on_an_early_plateau_and_gives_up_the_later_best():
    run = record([0.1, 0.3, 0.2, 0.25, 0.5, 0.4, 0.4, 0.4, 0.4])  # own rule: best 0.5 at step 50
    early = replay(run, patience=2, min_steps=0)
    assert math.isclose(early.regret, 20.0) and math.isclose(early.steps_kept, 40 / 90)
    assert replay(run, patience=4, min_steps=0).regret == 0.0
    assert replay(run, patience=2, min_steps=50).regret == 0.0  # no stop before step 50
    assert replay(run, patience=5, min_steps=0) is None  # more patient than the record: unknown


def test_the_table_counts_runs_and_never_reads_a_test_number():
    budget = {**record([0.2, 0.3, 0.3]), "stop_reason": "step budget"}  # ended by its budget
    runs = [record([0.1, 0.3, 0.2, 0.25, 0.5, 0.4, 0.4, 0.4, 0.4]), budget]
    assert table([record([0.2, 0.3, 0.3])], [2], [0]).iloc[0]["runs"] == 0  # unknown: left out
    for r in runs:
        r["metrics"] = {"test": {"mcc": float("nan")}}  # a test number would poison the mean
    found = table(runs, [2], [0]).iloc[0]
    assert found["runs"] == 2 and math.isclose(found["mean regret"], 10.0)
    assert found["runs within 0.5"] == 0.5 and math.isclose(found["worst regret"], 20.0)
