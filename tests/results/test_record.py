"""Records are built in one place (findna_bench/results/record.py) against the Record type."""

from __future__ import annotations

import pytest

from findna_bench.results import record


def test_identity_comes_first_and_fields_keep_their_order():
    row = record.new(run_id="r", status="ok", model="m", task="t", seed=0, profile="smoke")
    assert list(row) == ["run_id", "status", "model", "task", "seed", "profile"]


def test_an_undeclared_field_or_status_is_refused():
    with pytest.raises(TypeError, match=r"not declared by types\.Record"):
        record.new(run_id="r", status="ok", model="m", task="t", colour="red")
    with pytest.raises(ValueError, match="record status 'done'"):
        record.new(run_id="r", status="done", model="m", task="t")


def test_published_rows_are_single_seed_ok_records():
    row = record.published(
        source="s",
        model="M",
        label="M [pub]",
        task="gue/tf_0",
        metric="mcc",
        value=0.5,
        higher_is_better=True,
        profile=None,
    )
    assert row["run_id"] == "published:s:M:gue/tf_0" and row["model"] == "M [pub]"
    assert row["metrics"] == {"test": {"mcc": 0.5}} and row["seed"] == 0
