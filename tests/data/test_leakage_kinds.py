"""Each kind of the leakage audit on splits built here: repeats, exact and reverse-complement
overlap (a palindrome counted once), the near-single-class threshold, and the split rules'
actions and config errors (one line, exit 2)."""

from __future__ import annotations

import numpy as np
import pytest

from findna_bench.data import leakage
from findna_bench.data.policy import Policy
from findna_bench.errors import ConfigError, DataError
from findna_bench.tasks import handle_leakage
from findna_bench.types import Split

TRAIN = ["AACG", "AACG", "ACGT", "GGCC", "TTAA"]
VALID = ["CGTT", "GGCC", "CCCA", "CCCA"]  # CGTT: reverse complement of AACG
TEST = ["ACGT", "TGGG", "CCCA", "GATC"]  # ACGT: palindrome in train; TGGG: rc of CCCA (valid)


def splits(labels: dict[str, list[int]] | None = None) -> dict[str, Split]:
    seqs = {"train": TRAIN, "valid": VALID, "test": TEST}
    labels = labels or {s: [i % 2 for i in range(len(v))] for s, v in seqs.items()}
    return {
        s: Split(sequences=list(v), labels=np.asarray(labels[s]), source=s) for s, v in seqs.items()
    }


def test_reverse_complement_keeps_n_and_case():
    assert leakage.reverse_complement("AACGN") == "NCGTT"
    assert leakage.reverse_complement("acgT") == "Acgt"


def test_every_kind_is_counted_per_split_and_pair():
    found = leakage.audit(
        {"train": TRAIN, "valid": VALID, "test": TEST},
        {"train": [0, 1, 0, 1, 0], "valid": [0, 0, 0, 1], "test": [0, 1, 0, 1]},
    )
    assert found.duplicates == {"train": 1, "valid": 1, "test": 0}
    assert found.exact == {"train-valid": 1, "train-test": 1, "valid-test": 1}
    assert found.reverse_complement == {"train-valid": 1, "train-test": 0, "valid-test": 1}
    assert found.shared == {"train-valid": 1, "train-test": 1, "valid-test": 1}
    assert found.majority == {"train": 0.6, "valid": 0.75, "test": 0.5}
    assert found.split_view("test") == {
        "duplicates": 0,
        "in": {"train": 1, "valid": 1},
        "rc_in": {"train": 0, "valid": 1},
        "majority": 0.5,
    }


@pytest.mark.parametrize(("minority", "flagged"), [(1, True), (2, False)])
def test_near_single_class_threshold_is_95_percent(minority, flagged):
    labels = [1] * minority + [0] * (20 - minority)
    found = leakage.audit({"train": ["A"] * 20}, {"train": labels})
    assert found.near_single_class() == (["train"] if flagged else [])


def test_single_class_error_names_the_split():
    one_class = {"train": [0] * 5, "valid": [0, 1, 0, 1], "test": [0, 1, 0, 1]}
    with pytest.raises(DataError) as caught:
        handle_leakage("tiny", splits(one_class), Policy.from_config({"single_class": "error"}))
    assert str(caught.value) == (
        "tiny: the train split's largest class holds 100.0% of its rows (threshold 95%); "
        "set data.policy.single_class=warn to proceed"
    )
    block = handle_leakage("tiny", splits(one_class), Policy.from_config({}))
    assert block["near_single_class"] == ["train"]


def test_fix_of_each_rule_drops_only_its_rows_from_valid_and_test():
    for rule, dropped in [
        ("duplicates", {"valid": 1, "test": 0}),
        ("leakage", {"valid": 1, "test": 2}),
        ("rc_leakage", {"valid": 1, "test": 1}),
    ]:
        data = splits()
        block = handle_leakage("tiny", data, Policy.from_config({rule: "fix"}))
        assert {s: d["rows"] for s, d in block["dropped"].items()} == dropped, rule
        assert data["train"].sequences == TRAIN
        assert [len(data[s].sequences) for s in ("valid", "test")] == [
            4 - dropped["valid"],
            4 - dropped["test"],
        ]
    data = splits()
    handle_leakage(
        "tiny",
        data,
        Policy.from_config(dict.fromkeys(("duplicates", "leakage", "rc_leakage"), "fix")),
    )
    assert data["valid"].sequences == ["CCCA"] and data["test"].sequences == ["GATC"]
    assert data["test"].labels.tolist() == [1]  # labels follow their rows


def test_a_fix_that_empties_a_split_is_one_line():
    data = splits()
    data["test"] = Split(sequences=["AACG"], labels=np.asarray([0]), source="test")
    with pytest.raises(DataError, match=r"tiny: data\.policy fixes drop every test row"):
        handle_leakage("tiny", data, Policy.from_config({"leakage": "fix"}))


def test_split_rule_config_errors():
    with pytest.raises(ConfigError, match=r"^data.policy.single_class=fix: this rule has no fix"):
        Policy.from_config({"single_class": "fix"})
    with pytest.raises(ConfigError, match="action must be one of"):
        Policy.from_config({"rc_leakage": "drop"})


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("data.policy.single_class=fix", "data.policy.single_class=fix: this rule has no fix"),
        ("data.policy.rc_leakage=maybe", "data.policy.rc_leakage=maybe: action must be one of"),
        ("data.policy.overlap=warn", "data.policy.overlap: unknown rule"),
    ],
)
def test_bad_split_rule_on_the_command_line_is_one_line_exit_2(cli, tmp_path, item, expected):
    result = cli(
        "run", "-m", "cnn", "-t", "gue/tf_0", "-p", "smoke", "--seeds", "0,", "-q",
        "--data-root", tmp_path / "none", "--results", tmp_path / "r", "--dry-run", item,
    )  # fmt: skip
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and expected in lines[0], result.output
