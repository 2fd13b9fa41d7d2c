"""``leaderboard --ci`` and ``--metric``: intervals from stored predictions on hand cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from findna_bench.builtins.metrics import accuracy, mcc
from findna_bench.results import intervals, predictions
from findna_bench.results.leaderboard import build


def resolve(name: str):
    return {"accuracy": accuracy, "mcc": mcc}[name], True


def one_hot(pred: np.ndarray) -> np.ndarray:
    probs = np.full((len(pred), 2), 0.1)
    probs[np.arange(len(pred)), pred] = 0.9
    return probs


def write_run(
    root: Path, model: str, seed: int, labels: np.ndarray, pred: np.ndarray, *, stored=True
) -> dict:
    """One record whose test metrics are computed from ``pred``, with its predictions file."""
    probs = one_hot(pred)
    run_id = f"{model}__gue-t1__seed{seed}"
    record = {
        "run_id": run_id,
        "status": "ok",
        "model": model,
        "task": "gue/t1",
        "seed": seed,
        "profile": "smoke",
        "main_metric": "accuracy",
        "higher_is_better": True,
        "started_at": f"2025-01-01T00:00:0{seed}Z",
        "metrics": {
            "test": {
                "accuracy": accuracy(labels, pred, probs),
                "mcc": mcc(labels, pred, probs),
                "auroc": 0.5,
            }
        },
    }
    if stored:
        record["predictions"] = predictions.save(root, run_id, probs, labels)
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{run_id}.json").write_text(json.dumps(record))
    return record


LABELS = np.arange(400) % 2


def cell(root: Path, records: list[dict], metric: str | None = None) -> pd.Series:
    found = intervals.intervals(records, results_root=root, resolve=resolve, metric=metric)
    return found.set_index(["row", "task"]).loc[(records[0]["model"], "gue/t1")]


def test_identical_perfect_seeds_give_a_degenerate_interval(tmp_path):
    runs = [write_run(tmp_path, "a", s, LABELS, LABELS.copy()) for s in (0, 1)]
    for metric in (None, "mcc"):  # accuracy (main) and MCC are 1 on every resample
        got = cell(tmp_path, runs, metric)
        assert (got.ci_low, got.ci_high, got.ci_note) == (1.0, 1.0, None)


def test_one_right_one_wrong_seed_spans_what_seed_resampling_can_give(tmp_path):
    # every example resample scores seed 0 at 1 and seed 1 at 0; drawing 2 seeds with
    # replacement averages to 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4: the 2.5% and
    # 97.5% quantiles are 0 and 1, around the leaderboard's mean 1/2
    runs = [
        write_run(tmp_path, "a", 0, LABELS, LABELS.copy()),
        write_run(tmp_path, "a", 1, LABELS, 1 - LABELS),
    ]
    got = cell(tmp_path, runs)
    assert (got.ci_low, got.ci_high) == (0.0, 1.0)
    assert math.isclose(build(runs).cells["mean"].iloc[0], 0.5)


def test_a_known_accuracy_gives_the_binomial_interval(tmp_path):
    pred = LABELS.copy()
    pred[:100] = 1 - pred[:100]  # 300 of 400 right: accuracy 0.75
    got = cell(tmp_path, [write_run(tmp_path, "a", 0, LABELS, pred)])
    low, high = sps.binom.ppf([0.025, 0.975], 400, 0.75) / 400  # 0.7075, 0.7925
    assert got.ci_low < 0.75 < got.ci_high
    assert abs(got.ci_low - low) <= 0.006 and abs(got.ci_high - high) <= 0.006


def test_a_cell_without_stored_predictions_says_so(tmp_path):
    runs = [
        write_run(tmp_path, "a", 0, LABELS, LABELS.copy()),
        write_run(tmp_path, "a", 1, LABELS, LABELS.copy(), stored=False),
    ]
    found = intervals.intervals(runs, results_root=tmp_path, resolve=resolve)
    board = intervals.with_intervals(build(runs), found)
    assert board.table.loc["a", "gue/t1"] == "100.00 ± 0.00 (n=2) [no stored predictions]"
    assert math.isnan(board.cells["ci_low"].iloc[0]) and board.notes == []


def test_a_changed_predictions_file_is_noted_not_bounded(tmp_path):
    runs = [write_run(tmp_path, "a", 0, LABELS, LABELS.copy())]
    (tmp_path / runs[0]["predictions"]["file"]).write_bytes(b"changed")
    board = intervals.with_intervals(
        build(runs), intervals.intervals(runs, results_root=tmp_path, resolve=resolve)
    )
    assert board.table.loc["a", "gue/t1"].endswith("[no CI: see notes]")
    assert board.notes[0].startswith("note: no 95% CI for a on gue/t1: predictions unreadable")


def test_cli_ci_bounds_in_table_json_and_csv(cli, tmp_path):
    pred = LABELS.copy()
    pred[:100] = 1 - pred[:100]
    write_run(tmp_path, "a", 0, LABELS, pred)
    write_run(tmp_path, "b", 0, LABELS, LABELS.copy(), stored=False)
    table = cli("leaderboard", "--results", tmp_path, "--ci", "--bootstrap", "200")
    assert table.exit_code == 0, table.output
    assert "[95% CI]" in table.output and "[no stored predictions]" in table.output
    rows = json.loads(cli("leaderboard", "--results", tmp_path, "--ci", "-f", "json").output)
    by_row = {r["row"]: r for r in rows}
    assert by_row["a"]["ci_low"] < 0.75 < by_row["a"]["ci_high"]
    assert by_row["b"]["ci_low"] is None and by_row["b"]["ci_note"] == "no stored predictions"
    csv = cli("leaderboard", "--results", tmp_path, "--ci", "-f", "csv").output
    assert csv.splitlines()[0].endswith(",ci_low,ci_high,ci_note")


def test_cli_metric_shows_another_recorded_metric(cli, tmp_path):
    pred = LABELS.copy()
    pred[:100] = 1 - pred[:100]
    write_run(tmp_path, "a", 0, LABELS, pred)
    rows = json.loads(
        cli("leaderboard", "--results", tmp_path, "--metric", "mcc", "-f", "json").output
    )
    assert rows[0]["metric"] == "mcc" and math.isclose(rows[0]["mean"], 0.5)  # (150-50)/200
    shown = cli("leaderboard", "--results", tmp_path, "--metric", "mcc", "--ci").output
    assert "test mcc ×100" in shown and "50.00 (n=1) [" in shown


def test_cli_metric_and_ci_input_errors_exit_2(cli, tmp_path):
    write_run(tmp_path, "a", 0, LABELS, LABELS.copy())
    unknown = cli("leaderboard", "--results", tmp_path, "--metric", "auc")
    assert unknown.exit_code == 2
    assert (
        "--metric auc: not recorded on the test split of these runs; recorded: accuracy, "
        "auroc, mcc" in unknown.output
    )
    valid = cli("leaderboard", "--results", tmp_path, "--ci", "--split", "valid")
    assert valid.exit_code == 2 and "--ci: intervals come from stored test predictions" in (
        valid.output
    )
