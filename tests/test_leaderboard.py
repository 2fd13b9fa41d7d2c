"""The leaderboard as a pure function of records."""

from __future__ import annotations

import math

from findna_bench.leaderboard import build, to_markdown


def rec(model, task, seed, value, *, metric="mcc", higher=True, status="ok", mode="full"):  # noqa: ANN001, ANN201
    return {"run_id": f"{model}-{task}-{seed}", "model": model, "task": task, "seed": seed, "status": status,
            "main_metric": metric, "higher_is_better": higher, "profile": "smoke", "finetune_mode": mode,
            "metrics": {"test": {metric: value}} if status == "ok" else {}, "error": "boom"}


def test_mean_std_n_and_ranks_follow_direction():
    records = [rec("a", "t1", 0, 0.5), rec("a", "t1", 1, 0.7), rec("b", "t1", 0, 0.9), rec("b", "t1", 1, 0.8),
               rec("a", "t2", 0, 0.2, metric="loss", higher=False), rec("b", "t2", 0, 0.4, metric="loss", higher=False)]
    board = build(records, expected_seeds=2)
    cell = board.cells.set_index(["row", "task"]).loc[("a", "t1")]
    assert math.isclose(cell["mean"], 0.6) and math.isclose(cell["std"], math.sqrt(0.02)) and cell["n"] == 2
    assert board.table.loc["a", "t1"] == "60.00 ± 14.14 (n=2)"
    assert board.table.loc["a", "t2"] == "20.00 (n=1/2)!"  # fewer seeds than asked is flagged
    assert board.table.loc["a", "rank"] == "1.50" and board.table.loc["b", "rank"] == "1.50"


def test_failed_unavailable_and_modes():
    records = [rec("a", "t1", 0, 0.5), rec("b", "t1", 0, None, status="failed"),
               rec("a", "t1", 0, 0.6, mode="linear-probe")]
    board = build(records, unavailable={"t9": "no train split"})
    assert board.table.loc["b", "t1"] == "failed (1)"
    assert board.table.loc["a [linear-probe]", "t1"] == "60.00 (n=1)"
    assert set(board.table["t9"]) == {"unavailable"}
    assert list(board.table.index)[0] == "a [linear-probe]"  # best first
    assert to_markdown(board.table).splitlines()[0].startswith("| model | t1 | t9 | mean | rank |")


def test_a_failed_seed_does_not_hide_a_successful_rerun():
    board = build([rec("a", "t1", 0, None, status="failed"), rec("a", "t1", 0, 0.4)])
    assert board.table.loc["a", "t1"] == "40.00 (n=1)"
