"""Leaderboard rows: a key added later (``config_keys.Key.added``) at its default neither splits a
cell nor appears in a row label; any other value gets its own, labelled row."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from findna_bench.results.rows import row_labels

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "cpu-gue13"


def test_an_added_key_at_its_default_keeps_the_row_and_another_value_splits_it():
    path = next(BENCH.glob("chordmixer__gue-tf_0__seed0__*.json"))
    old = json.loads(path.read_text())  # made before cpu_amp and rc_augment existed
    same = copy.deepcopy(old)
    same["config"]["finetune"].update(cpu_amp=False, rc_augment=0.0)
    other = copy.deepcopy(old)
    other["config"]["finetune"]["cpu_amp"] = True
    assert row_labels([old, same]) == ["chordmixer", "chordmixer"]
    assert row_labels([old, same, other]) == [
        "chordmixer [finetune.cpu_amp=unset]",
        "chordmixer [finetune.cpu_amp=unset]",
        "chordmixer [finetune.cpu_amp=true]",
    ]
