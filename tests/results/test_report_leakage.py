"""The report's leakage table: one row per task and policy, from the records' audit blocks;
records from before the audit are counted, not shown."""

from __future__ import annotations

from findna_bench.results.report import render
from findna_bench.results.report_data import Inputs
from findna_bench.results.report_leakage import leakage_table

TF_4 = {  # gue/tf_4's block as the loader writes it under the default policy
    "train_test_duplicates": 0,
    "policy": dict.fromkeys(("duplicates", "leakage", "rc_leakage", "single_class"), "warn"),
    "duplicates": {"train": 3789, "valid": 15, "test": 0},
    "exact": {"train-valid": 358, "train-test": 0, "valid-test": 0},
    "reverse_complement": {"train-valid": 0, "train-test": 0, "valid-test": 0},
    "majority_share": {"train": 0.5003, "valid": 0.505, "test": 0.5},
    "near_single_class": [],
    "dropped": {"valid": {"rows": 0}, "test": {"rows": 0}},
}


def with_block(record: dict, block: dict) -> dict:
    return {**record, "data": {"validation": {"leakage": block}}}


def test_one_row_per_task_and_policy(make_record):
    fixed = {**TF_4, "policy": {**TF_4["policy"], "leakage": "fix"}}
    fixed["dropped"] = {"valid": {"leakage": 358, "rows": 358}, "test": {"leakage": 0, "rows": 0}}
    records = [
        with_block(make_record("cnn", "gue/tf_4", seed, 0.5), TF_4) for seed in (0, 1, 2)
    ] + [
        with_block(make_record("findna", "gue/tf_4", 0, 0.5), fixed),
        with_block(make_record("cnn", "gue/tf_0", 0, 0.5), {"train_test_duplicates": 0}),
    ]
    table, older = leakage_table(records)
    assert older == 1  # gue/tf_0's record predates the audit
    assert table.to_dict("records") == [
        {
            "task": "gue/tf_4",
            "repeats train/valid/test": "3789/15/0",
            "valid=train": 358,
            "test=train": 0,
            "test=valid": 0,
            "rc (any pair)": 0,
            "largest class": "50%",
            "policy": policy,
            "dropped by fix": dropped,
        }
        for policy, dropped in (("all warn", ""), ("leakage=fix", "valid 358"))
    ]
    page = render(Inputs(records=records))
    assert "<h2>Leakage audit of the splits</h2>" in page and "1 tasks have records from" in page


def test_no_section_without_audited_records(make_record):
    page = render(Inputs(records=[make_record("cnn", "gue/tf_0", 0, 0.5)]))
    assert "Leakage audit" not in page
