"""The leakage audit on the real GUE files: the overlaps issue 23 quotes, through ``data status``
(engine and CLI) and through the loader under each action of the ``leakage`` rule."""

from __future__ import annotations

import json

import pytest

from findna_bench.data.policy import Policy
from findna_bench.errors import DataError

COMPLETE = [
    *(f"mouse_{i}" for i in (0, 2, 3, 4)),
    "prom_300_tata",
    *(f"prom_core_{s}" for s in ("all", "notata", "tata")),
    *(f"tf_{i}" for i in range(5)),
]


@pytest.fixture(scope="session")
def audit(catalog, data_root) -> dict[str, dict[str, dict]]:
    """task -> split -> the split's leakage view, as ``data status`` computes it."""
    from findna_bench.data.status import references, task_status

    refs = references(data_root)
    return {
        name: {
            row.split: row.leakage
            for row in task_status(catalog.build("task", f"gue/{name}"), data_root, refs)
        }
        for name in COMPLETE
    }


def load(catalog, data_root, name: str, **policy):
    task = catalog.build("task", f"gue/{name}")
    return task.load(data_root, policy=Policy.from_config(policy), valid_fraction=0.1, carve_seed=0)


def test_tf_4_dev_is_one_third_training_sequences(audit):
    tf_4 = audit["tf_4"]
    assert tf_4["train"]["duplicates"] == 19000 - 15211  # 3,789 repeated training rows
    assert tf_4["valid"] == {
        "duplicates": 15,
        "in": {"train": 358},
        "rc_in": {"train": 0},
        "majority": 0.505,
    }
    assert tf_4["test"]["in"] == {"train": 0, "valid": 0}


@pytest.mark.parametrize(
    ("task", "valid_in_train", "test_in_valid"),
    [
        ("prom_core_all", 54, 8),
        ("prom_core_notata", 29, 3),
        ("prom_core_tata", 8, 2),
        ("prom_300_tata", 14, 0),
        ("tf_2", 19, 0),
    ],
)
def test_dev_overlaps_quoted_in_issue_23(audit, task, valid_in_train, test_in_valid):
    assert audit[task]["valid"]["in"] == {"train": valid_in_train}
    assert audit[task]["test"]["in"]["valid"] == test_in_valid


def test_reverse_complements_and_class_balance_across_the_13_tasks(audit):
    rc = {
        (task, split, earlier): n
        for task, splits in audit.items()
        for split, view in splits.items()
        for earlier, n in view["rc_in"].items()
        if n
    }
    assert rc == {("tf_1", "test", "train"): 1}  # the only reverse-complement-only leak
    shares = [view["majority"] for splits in audit.values() for view in splits.values()]
    assert len(shares) == 39 and max(shares) < 0.55  # no split near single-class
    clean = audit["mouse_0"]
    assert all(v["duplicates"] == 0 and not any(v["in"].values()) for v in clean.values())


def test_default_policy_keeps_every_row_and_records_the_counts(catalog, data_root):
    data = load(catalog, data_root, "tf_4")
    block = data.validation["leakage"]
    assert {k: len(v.sequences) for k, v in data.splits.items()} == {
        "train": 19000,
        "valid": 1000,
        "test": 1000,
    }
    assert block["policy"] == dict.fromkeys(
        ("duplicates", "leakage", "rc_leakage", "single_class"), "warn"
    )
    assert block["exact"] == {"train-valid": 358, "train-test": 0, "valid-test": 0}
    assert block["shared_sequences"]["train-valid"] == 346  # 358 rows, 346 distinct sequences
    assert block["duplicates"] == {"train": 3789, "valid": 15, "test": 0}
    assert block["dropped"] == {"valid": {"rows": 0}, "test": {"rows": 0}}
    json.dumps(block)  # the record's form


def test_fix_drops_from_the_evaluated_split_only(catalog, data_root):
    fixed = load(catalog, data_root, "tf_4", leakage="fix")
    assert len(fixed.splits["valid"].sequences) == 1000 - 358
    assert len(fixed.splits["train"].sequences) == 19000
    assert fixed.validation["leakage"]["dropped"]["valid"]["leakage"] == 358
    both = load(catalog, data_root, "tf_4", leakage="fix", duplicates="fix")
    assert both.validation["leakage"]["dropped"]["valid"] == {
        "duplicates": 15,
        "leakage": 358,
        "rows": 361,  # 12 repeats are also training sequences: counted once
    }
    prom = load(catalog, data_root, "prom_core_all", leakage="fix")
    assert prom.validation["leakage"]["dropped"]["test"]["rows"] == 43 + 8
    assert len(prom.splits["test"].sequences) == 5920 - 51


def test_error_names_the_first_overlap(catalog, data_root):
    with pytest.raises(DataError) as caught:
        load(catalog, data_root, "tf_4", leakage="error")
    assert str(caught.value) == (
        "gue/tf_4: 358 of 1000 valid rows are train sequences; "
        "set data.policy.leakage=warn|fix to proceed"
    )


def test_status_table_and_json_show_the_columns(cli, data_root):
    table = cli("data", "status", "--data-root", data_root, "-t", "gue/tf_4")
    assert table.exit_code == 0, table.output
    header = next(line for line in table.output.splitlines() if "split" in line)
    assert [c in header for c in ("dup", "=train", "=valid", "rc", "major")] == [True] * 5
    valid = next(line for line in table.output.splitlines() if "dev.csv.gz" in line)
    assert "358" in valid.split() and "3789" not in valid.split()
    assert "1 tasks have rows repeated across splits" in table.output
    rows = json.loads(
        cli("data", "status", "--data-root", data_root, "-t", "gue/tf_4", "--json").output
    )
    assert [r["leakage"]["duplicates"] for r in rows] == [3789, 15, 0]
