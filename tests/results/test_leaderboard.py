"""The leaderboard as a pure function of records."""

from __future__ import annotations

import math

from findna_bench.results.leaderboard import build, to_markdown


def rec(model, task, seed, value, *, metric="mcc", higher=True, status="ok", mode="full"):
    return {
        "run_id": f"{model}-{task}-{seed}",
        "model": model,
        "task": task,
        "seed": seed,
        "status": status,
        "main_metric": metric,
        "higher_is_better": higher,
        "profile": "smoke",
        "finetune_mode": mode,
        "metrics": {"test": {metric: value}} if status == "ok" else {},
        "error": "boom",
    }


def test_mean_std_n_and_ranks_follow_direction():
    records = [
        rec("a", "t1", 0, 0.5),
        rec("a", "t1", 1, 0.7),
        rec("b", "t1", 0, 0.9),
        rec("b", "t1", 1, 0.8),
        rec("a", "t2", 0, 0.2, metric="loss", higher=False),
        rec("b", "t2", 0, 0.4, metric="loss", higher=False),
    ]
    board = build(records, expected_seeds=2)
    cell = board.cells.set_index(["row", "task"]).loc[("a", "t1")]
    assert (
        math.isclose(cell["mean"], 0.6)
        and math.isclose(cell["std"], math.sqrt(0.02))
        and cell["n"] == 2
    )
    assert board.table.loc["a", "t1"] == "60.00 ± 14.14 (n=2)"
    assert board.table.loc["a", "t2"] == "20.00 (n=1/2)!"  # fewer seeds than asked is flagged
    assert board.table.loc["a", "rank"] == "1.50" and board.table.loc["b", "rank"] == "1.50"


def test_failed_unavailable_and_modes():
    records = [
        rec("a", "t1", 0, 0.5),
        rec("b", "t1", 0, None, status="failed"),
        rec("a", "t1", 0, 0.6, mode="linear-probe"),
    ]
    board = build(records, unavailable={"t9": "no train split"})
    assert board.table.loc["b", "t1"] == "failed (1)"
    assert board.table.loc["a [linear-probe]", "t1"] == "60.00 (n=1)"
    assert set(board.table["t9"]) == {"unavailable"}
    assert board.table.index[0] == "a [linear-probe]"  # best first
    assert to_markdown(board.table).splitlines()[0].startswith("| model | t1 | t9 | mean | rank |")


def test_a_failed_seed_does_not_hide_a_successful_rerun():
    board = build([rec("a", "t1", 0, None, status="failed"), rec("a", "t1", 0, 0.4)])
    assert board.table.loc["a", "t1"] == "40.00 (n=1)"


def _cfg(record: dict, **finetune) -> dict:
    return {**record, "config": {"finetune": {"lr": 1e-3, "epochs": 3, **finetune}, "task": {}}}


def test_different_configs_are_separate_labelled_rows_never_pooled():
    records = [
        _cfg(rec("cnn", "t1", 0, 0.5)),
        _cfg(rec("cnn", "t1", 1, 0.7)),
        _cfg(rec("cnn", "t1", 0, -0.1), lr=1e-6, epochs=1),
        _cfg(rec("cnn", "t2", 0, 0.4)),
    ]
    board = build(records)
    assert (
        board.table.loc["cnn [finetune.epochs=3, finetune.lr=0.001]", "t1"] == "60.00 ± 14.14 (n=2)"
    )
    assert board.table.loc["cnn [finetune.epochs=1, finetune.lr=1e-06]", "t1"] == "-10.00 (n=1)"
    assert board.table.loc["cnn [finetune.epochs=3, finetune.lr=0.001]", "t2"] == "40.00 (n=1)"
    assert any("never averaged" in note for note in board.notes)


def test_different_code_is_a_separate_row():
    def coded(value: float, digest: str) -> dict:
        return {
            **rec("cnn", "t1", 0, value),
            "code": {"fingerprint": digest, "version": "0.1.0", "files": {"cnn/cnn.py": digest}},
        }

    board = build([coded(0.5, "aaaa"), coded(0.9, "bbbb")])
    assert len(board.table) == 2 and all(r.startswith("cnn [code ") for r in board.table.index)
    assert sorted(board.cells["n"]) == [1, 1]


def test_failures_rank_last_and_fewer_tasks_are_flagged():
    records = [
        rec("a", "t1", 0, 0.9),
        rec("a", "t2", 0, None, status="failed"),
        rec("b", "t1", 0, 0.5),
        rec("b", "t2", 0, 0.4),
        rec("c", "t1", 0, 0.95),
    ]  # c never ran t2
    board = build(records)
    assert list(board.table.index) == ["b", "a", "c"]  # a failed cell never helps a's rank
    assert board.table.loc["a", "rank"] == "2.00"  # 2nd of 3 on t1, last (2 = 1 scored + 1) on t2
    assert (
        board.table.loc["b", "rank"] == "2.00"
    )  # 3rd on t1, 1st on t2; ties: fewer failures first
    assert board.table.loc["a", "mean"] == "90.00 (1/2 tasks)"
    assert (
        board.table.loc["c", "mean"] == "95.00 (1/2 tasks)"
        and board.table.loc["c", "rank"] == "1.00 (1/2 tasks)"
    )
    assert board.table.loc["b", "mean"] == "45.00"


def test_nan_scores_rank_below_every_scored_cell():
    board = build([rec("a", "t1", 0, float("nan")), rec("b", "t1", 0, -0.5)])
    assert board.table.loc["a", "t1"] == "failed (1)"
    assert list(board.table.index) == ["b", "a"] and board.table.loc["a", "rank"] == "2.00"


def test_records_without_model_task_or_seed_are_skipped_with_a_note():
    bad = {"run_id": "x", "status": "ok", "task": "t1", "seed": 0}
    board = build([rec("a", "t1", 0, 0.5), bad])
    assert list(board.table.index) == ["a"] and any(
        "record x has no model" in n for n in board.notes
    )
