"""``findna-bench training``: stop reasons counted, hours summed, each checkpoint's pretraining
counted once, per model and per task; and on the committed cpu comparison's real records."""

import json
from pathlib import Path

import pytest

from findna_bench.results.training import training_table

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "cpu-gue13"


def record(model, task, seed, *, stop="patience", steps=1000, wall=1800.0, status="ok", ckpt=None):
    out = {
        "model": model,
        "task": task,
        "seed": seed,
        "status": status,
        "stop_reason": stop,
        "steps": steps,
        "wall_seconds": wall,
        "train_seconds": wall - 60,
    }
    if ckpt:
        out["pretrained"] = {"checkpoint": ckpt, "pretrain_seconds": 7200.0, "cache_hit": True}
    return out


RECORDS = [
    record("a", "t1", 0, steps=1000, ckpt="/c/a.pt"),
    record("a", "t1", 1, stop="step budget", steps=2500, ckpt="/c/a.pt"),
    record("a", "t2", 0, steps=1500, ckpt="/c/a.pt"),
    record("a", "t2", 1, status="failed"),
    record("b", "t1", 0, stop="epochs", steps=400, wall=360.0),
]


def test_per_model_counts_stop_reasons_and_sums_hours():
    table = training_table(RECORDS)
    a, b, total = table.loc["a"], table.loc["b"], table.loc["total"]
    assert (a["runs"], a["stopped: patience"], a["stopped: step budget"], a["failed"]) == (
        3,
        2,
        1,
        1,
    )
    assert (b["runs"], b["stopped: epochs"], b["stopped: patience"]) == (1, 1, 0)
    assert (a["median steps"], a["max steps"]) == (1500, 2500)
    assert a["wall h"] == pytest.approx(1.5) and a["train h"] == pytest.approx(1.45)
    assert a["pretrain h"] == pytest.approx(2.0)  # one checkpoint, three runs: counted once
    assert b["pretrain h"] == 0
    assert (total["runs"], total["failed"], total["max steps"]) == (4, 1, 2500)
    assert total["wall h"] == pytest.approx(1.6) and total["median steps"] == 1250


def test_per_task_rows_leave_pretraining_out():
    table = training_table(RECORDS, by_task=True)
    assert list(table.index) == [("a", "t1"), ("a", "t2"), ("b", "t1")]
    assert "pretrain h" not in table.columns and "total" not in table.index
    assert table.loc[("a", "t2"), "failed"] == 1 and table.loc[("a", "t2"), "runs"] == 1


def test_cli_on_the_committed_comparison(cli):
    records = [json.loads(p.read_text()) for p in BENCH.glob("*__*.json")]  # not certificate.json
    result = cli("training", "--results", BENCH, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["model"]: row for row in json.loads(result.output)}
    assert rows["total"]["runs"] == sum(r["status"] == "ok" for r in records)
    budget_ended = sum(r.get("stop_reason") == "step budget" for r in records)
    assert rows["total"].get("stopped: step budget", 0) == budget_ended
    table = cli("training", "--results", BENCH, "--by-task", "-m", "cnn", "--format", "md")
    assert table.exit_code == 0 and "| cnn | gue/mouse_0 |" in table.output


def test_unknown_format_is_one_line_exit_2(cli):
    result = cli("training", "--results", BENCH, "--format", "xlsx")
    assert result.exit_code == 2 and "--format xlsx: use table, md, csv or json" in result.output
