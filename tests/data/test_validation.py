"""One fixture file per bad input, built here in tmp_path, through the real CSV reader and policy:
every rule under each of its actions (error, warn, fix), format errors, and the leakage rule."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import pytest

from findna_bench.data.policy import Policy, check_rows
from findna_bench.data.tables import read_rows
from findna_bench.errors import ConfigError, DataError
from findna_bench.tasks import load_splits


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    data = text.replace("\n", newline).encode("ascii")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def check(path: Path, rule: str, action: str, max_len: int = 8):
    return check_rows(
        read_rows(path),
        source=str(path),
        max_len=max_len,
        classes={0, 1},
        policy=Policy.from_config({rule: action}),
    )


# (rule, file body with the bad row on line 3, sequences kept under warn, under fix)
CASES = {
    "invalid_chars": ("sequence,label\nACGT,0\nACRT,1\n", ["ACGT"], ["ACGT", "ACNT"]),
    "lowercase": ("sequence,label\nACGT,0\nacgT,1\n", ["ACGT", "ACGT"], ["ACGT", "ACGT"]),
    "empty": ("sequence,label\nACGT,0\n,1\n", ["ACGT"], ["ACGT"]),
    "too_long": ("sequence,label\nACGT,0\nACGTACGTAA,1\n", ["ACGT"], ["ACGT", "ACGTACGT"]),
    "unknown_label": ("sequence,label\nACGT,0\nACGT,7\n", ["ACGT"], ["ACGT"]),
}


@pytest.mark.parametrize("rule", CASES)
def test_each_rule_errors_at_the_file_line(tmp_path, rule):
    path = write(tmp_path / f"{rule}.csv", CASES[rule][0])
    with pytest.raises(DataError, match=rf"{rule}.csv:3: .*data\.policy\.{rule}=warn\|fix"):
        check(path, rule, "error")


@pytest.mark.parametrize("rule", CASES)
@pytest.mark.parametrize("action", ["warn", "fix"])
def test_each_rule_warn_and_fix_count_what_they_did(tmp_path, rule, action):
    body, warned, fixed = CASES[rule]
    seqs, labels, counts = check(write(tmp_path / f"{rule}.csv.gz", body), rule, action)
    assert seqs == (warned if action == "warn" else fixed)
    assert counts[rule] == 1 and counts["rows_in"] == 2 and counts["rows_out"] == len(seqs)
    assert len(labels) == len(seqs)


def test_iupac_digits_and_inner_whitespace_are_invalid(tmp_path):
    path = write(tmp_path / "odd.csv", "sequence,label\nACYT,0\nAC1T,0\nAC T,1\n")
    seqs, _, counts = check(path, "invalid_chars", "fix")
    assert seqs == ["ACNT", "ACNT", "ACNT"] and counts["invalid_chars"] == 3
    with pytest.raises(DataError, match=r"odd.csv:2: character 'Y' at position 3"):
        check(path, "invalid_chars", "error")


def test_wrong_header_names_line_one(tmp_path):
    path = write(tmp_path / "header.csv", "seq,class\nACGT,0\n")
    with pytest.raises(DataError, match=r"header.csv:1: header is 'seq,class'"):
        read_rows(path)


def test_non_integer_label_names_its_line(tmp_path):
    path = write(tmp_path / "label.csv", "sequence,label\nACGT,0\nACGT,positive\n")
    with pytest.raises(DataError, match=r"label.csv:3: label 'positive' is not an integer"):
        read_rows(path)


def test_crlf_line_ends_are_read_without_carriage_returns(tmp_path):
    rows = read_rows(
        write(tmp_path / "crlf.csv", "sequence,label\nACGT,0\nGGCC,1\n", newline="\r\n")
    )
    assert rows == [(2, "ACGT", 0), (3, "GGCC", 1)]


def test_empty_line_is_skipped_and_later_line_numbers_stay_true(tmp_path):
    path = write(tmp_path / "blank.csv", "sequence,label\nACGT,0\n\nACXT,1\n")
    assert [line for line, *_ in read_rows(path)] == [2, 4]
    with pytest.raises(DataError, match=r"blank.csv:4: character 'X'"):
        check(path, "invalid_chars", "error")


def test_truncated_gzip_is_reported(tmp_path):
    whole = gzip.compress(("sequence,label\n" + "ACGT,0\n" * 2000).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"cut.csv.gz: corrupt or truncated gzip"):
        read_rows(path)


def test_policy_rejects_unknown_rules_and_actions():
    with pytest.raises(ConfigError, match="unknown rule"):
        Policy.from_config({"gc_content": "warn"})
    with pytest.raises(ConfigError, match="action must be one of"):
        Policy.from_config({"lowercase": "ignore"})


@dataclass(frozen=True)
class TinyTask:
    name: str = "tiny/leak"
    max_len: int = 8
    classes: tuple = ("0", "1")


@pytest.mark.parametrize("action", ["error", "warn", "fix"])
def test_leakage_rule_per_action(tmp_path, action):
    train = write(
        tmp_path / "train.csv",
        "sequence,label\n"
        + "".join(
            f"{s},{i % 2}\n"
            for i, s in enumerate(
                ["AAAA", "CCCC", "GGGG", "TTTT", "ACGT", "TGCA", "AACC", "GGTT", "CAGT", "GTCA"]
            )
        ),
    )
    test = write(tmp_path / "test.csv", "sequence,label\nAAAA,0\nCCCC,1\nGGGA,0\n")
    files = {"train": train, "valid": None, "test": test}

    def run():
        return load_splits(
            TinyTask(),
            files,
            policy=Policy.from_config({"leakage": action}),
            valid_fraction=0.2,
            carve_seed=0,
        )

    if action == "error":
        with pytest.raises(DataError, match=r"of 3 test rows are (train|valid) sequences"):
            run()
        return
    data = run()
    leak = data.validation["leakage"]
    # AAAA and CCCC are in train or (carved from it) valid: two test rows either way
    assert leak["exact"]["train-test"] + leak["exact"]["valid-test"] == 2
    assert leak["policy"]["leakage"] == action and len(data.splits["train"].sequences) == 8
    if action == "fix":
        assert data.splits["test"].sequences == ["GGGA"]
        assert leak["dropped"]["test"] == {"leakage": 2, "rows": 2}
    else:
        assert len(data.splits["test"].sequences) == 3 and leak["dropped"]["test"]["rows"] == 0
    assert len(data.splits["valid"].labels) == 2 and data.protocol["valid"].startswith(
        "carved from train: 20%"
    )
