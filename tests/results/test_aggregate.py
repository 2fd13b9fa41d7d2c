"""Seeds aggregate into mean ± std (n) per (model, task); short cells and failures are flagged."""

from __future__ import annotations

import math
import statistics

from findna_bench.results.leaderboard import build


def test_seeds_aggregate_to_mean_std_n(make_record):
    values = [0.50, 0.56, 0.62]
    records = [make_record("cnn", "gue/tf_0", s, v) for s, v in enumerate(values)]
    records += [make_record("chordmixer", "gue/tf_0", s, v) for s, v in enumerate([0.70, 0.74])]
    board = build(records, expected_seeds=3)
    cell = board.cells.set_index(["row", "task"]).loc[("cnn", "gue/tf_0")]
    assert math.isclose(cell["mean"], statistics.mean(values))
    assert math.isclose(cell["std"], statistics.stdev(values))  # sample std (ddof 1)
    assert cell["n"] == 3
    assert board.table.loc["cnn", "gue/tf_0"] == "56.00 ± 6.00 (n=3)"
    # fewer seeds than asked: the count shows n/expected and the cell is flagged
    assert board.table.loc["chordmixer", "gue/tf_0"] == "72.00 ± 2.83 (n=2/3)!"
    assert list(board.table.index) == ["chordmixer", "cnn"]  # ranked by the better mean


def test_rerun_of_a_seed_counts_once_and_latest_wins(make_record):
    first = make_record("cnn", "gue/tf_0", 0, 0.10)
    again = {**make_record("cnn", "gue/tf_0", 0, 0.30), "started_at": "2024-02-01T00:00:00Z"}
    board = build([first, again, make_record("cnn", "gue/tf_0", 1, 0.50)])
    cell = board.cells.set_index(["row", "task"]).loc[("cnn", "gue/tf_0")]
    assert cell["n"] == 2 and math.isclose(cell["mean"], 0.40)


def test_modes_are_separate_rows_and_failures_show(make_record):
    records = [
        make_record("cnn", "gue/tf_0", 0, 0.5),
        make_record("cnn", "gue/tf_0", 0, 0.3, mode="linear-probe"),
        make_record("findna", "gue/tf_0", 0, None, status="failed"),
    ]
    table = build(records).table
    assert table.loc["cnn [linear-probe]", "gue/tf_0"].startswith("30.00")
    assert table.loc["findna", "gue/tf_0"] == "failed (1)"
    assert table.loc["findna", "rank"] == "3.00"  # a failed cell ranks below every scored one
    assert list(table.index)[-1] == "findna"
