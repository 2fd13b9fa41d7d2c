"""A run's record carries the leakage audit and the action of every rule; ``fix`` scores a test
split without the leaked rows and says how many it dropped (a seconds-long toy run)."""

from __future__ import annotations

import json

import pytest


def leak_five_training_rows(folder) -> None:
    """Replace the first five test rows of the toy task by training rows (label kept)."""
    train = (folder / "train.csv").read_text().splitlines()
    test = (folder / "test.csv").read_text().splitlines()
    test[1:6] = train[1:6]
    (folder / "test.csv").write_text("\n".join(test) + "\n")


@pytest.mark.parametrize("action", ["warn", "fix"])
def test_record_carries_counts_policy_and_dropped_rows(cli, toy, action):
    leak_five_training_rows(toy.data / "gue" / "mouse_2")
    result = cli(*toy.args(f"data.policy.leakage={action}"))
    assert result.exit_code == 0, result.output
    (path,) = toy.results.glob("*.json")
    record = json.loads(path.read_text())
    data = record["data"]
    block = data["validation"]["leakage"]
    assert block["exact"] == {"train-valid": 0, "train-test": 5, "valid-test": 0}
    assert block["policy"] == {
        "duplicates": "warn",
        "leakage": action,
        "rc_leakage": "warn",
        "single_class": "warn",
    }
    assert data["policy"]["leakage"] == action and data["policy"]["invalid_chars"] == "error"
    kept = 64 - 5 if action == "fix" else 64
    assert data["sizes"]["test"] == kept == record["predictions"]["rows"]
    assert block["dropped"]["test"] == (
        {"leakage": 5, "rows": 5} if action == "fix" else {"rows": 0}
    )
