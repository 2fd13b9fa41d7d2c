"""A run's time profile: every ``ok`` record says where its wall time went (run/timing.py), the
phases add up to the wall time, and ``training --time-profile`` aggregates them per model."""

from __future__ import annotations

import json
import time

import pytest
import torch

from findna_bench.results.time_profile import LABELS, time_profile_table
from findna_bench.run.timing import FORWARD_BACKWARD, PHASES, TEST, PhaseTimer


def test_a_phase_sums_its_time_and_bookkeeping_is_the_rest():
    timer = PhaseTimer()
    for _ in range(2):
        with timer.phase(FORWARD_BACKWARD):
            time.sleep(0.02)
    with pytest.raises(ValueError), timer.phase(TEST):  # an exception still stops its clock
        time.sleep(0.01)
        raise ValueError
    profile = timer.profile(0.1)
    assert set(profile["seconds"]) == set(PHASES) == set(LABELS)
    assert 0.04 <= profile["seconds"][FORWARD_BACKWARD] < 0.06
    assert 0.01 <= profile["seconds"][TEST] < 0.03
    assert sum(profile["seconds"].values()) == pytest.approx(0.1, abs=2e-3)
    assert sum(profile["share"].values()) == pytest.approx(1.0, abs=1e-3)
    assert timer.profile(0.0)["seconds"]["bookkeeping"] == 0.0  # never negative


def test_the_wait_before_a_validation_is_on_cuda_only_and_counted_as_training(monkeypatch):
    waits = []

    def synchronize(device):
        waits.append(device)
        time.sleep(0.01)

    monkeypatch.setattr(torch.cuda, "synchronize", synchronize)
    timer = PhaseTimer()
    timer.drain(torch.device("cpu"))
    assert waits == [] and timer.seconds[FORWARD_BACKWARD] == 0
    timer.drain(torch.device("cuda", 0))
    assert waits == [torch.device("cuda", 0)] and timer.seconds[FORWARD_BACKWARD] >= 0.01


def test_a_real_run_records_its_profile_and_the_table_shows_it(cli, data_root, tmp_path):
    results = tmp_path / "r"
    args = ["-p", "smoke", "--data-root", data_root, "--results", results, "-q"]
    done = cli("run", "-m", "cnn", "-t", "gue/mouse_3", "--seeds", "0,", *args)
    assert done.exit_code == 0, done.output
    record = json.loads(next(results.glob("*.json")).read_text())
    seconds, share = record["time_profile"]["seconds"], record["time_profile"]["share"]
    assert set(seconds) == set(PHASES)
    for phase in ("forward_backward", "optimizer", "evaluation", "test", "batching", "data"):
        assert seconds[phase] > 0, phase  # every phase of a fine-tuning was timed
    assert seconds["pretraining"] == 0  # cnn does not pretrain
    assert sum(seconds.values()) == pytest.approx(record["wall_seconds"], abs=5e-3)
    assert seconds["forward_backward"] + seconds["optimizer"] <= record["train_seconds"]
    assert sum(share.values()) == pytest.approx(1.0, abs=1e-3)

    shown = cli("training", "--results", results, "--time-profile", "-f", "json")
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.stdout)
    assert (row["model"], row["runs"], row["without profile"]) == ("cnn", 1, 0)
    # the table weighs by wall time: seconds over wall, both rounded to the millisecond in the
    # record (the record's share is of the unrounded times, so a short run differs by ~0.1)
    fwd = 100 * seconds["forward_backward"] / record["wall_seconds"]
    assert row["fwd+bwd %"] == pytest.approx(fwd, abs=0.01)
    assert sum(row[f"{label} %"] for label in LABELS.values()) == pytest.approx(100, abs=0.1)


def test_shares_weigh_runs_by_their_wall_time_and_unprofiled_runs_are_counted_apart():
    def rec(model, task, wall, fwd, profiled=True):
        out = {"model": model, "task": task, "seed": 0, "status": "ok", "wall_seconds": wall}
        if profiled:
            seconds = dict.fromkeys(PHASES, 0.0) | {"forward_backward": fwd}
            out["time_profile"] = {"seconds": seconds | {"bookkeeping": wall - fwd}}
        return out

    records = [rec("a", "t1", 100, 90), rec("a", "t2", 300, 150), rec("a", "t2", 50, 0, False)]
    table = time_profile_table(records)
    row = table.loc["a"]
    assert (row["runs"], row["without profile"], row["wall s/run"]) == (2, 1, 200)
    assert row["fwd+bwd %"] == pytest.approx(100 * 240 / 400)  # not the mean of 90% and 50%
    by_task = time_profile_table(records, by_task=True)
    assert by_task.loc[("a", "t2"), "without profile"] == 1
    assert time_profile_table([rec("a", "t1", 10, 1, False)]).empty
