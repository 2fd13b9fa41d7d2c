"""Re-scoring stored runs on the de-duplicated test split (nothing re-trained)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "cpu-gue13"


def test_committed_runs_rescore_on_the_test_rows_train_and_dev_never_held(catalog, data_root):
    from findna_bench.results import predictions
    from findna_bench.results.rescore import Rescorer
    from findna_bench.results.store import ResultsStore

    records, _ = ResultsStore(BENCH).read_all()
    chosen = [r for r in records if r["model"] == "cnn" and r["task"] == "gue/prom_core_all"]
    rescorer = Rescorer(catalog, data_root, BENCH)
    rows = rescorer.table(chosen)
    assert len(rows) == 3 and set(rows["dropped"]) == {51}  # 43 = train, 8 = dev (data status)
    assert (rows["test"] == [r["metrics"]["test"]["mcc"] for r in chosen]).all()
    # by hand for one run: the kept rows scored with the task's metric
    keep = rescorer.kept(chosen[0])
    preds = predictions.load(BENCH, chosen[0])
    expected = catalog.metric("mcc").fn(preds.labels[keep], preds.pred[keep], preds.probs[keep])
    assert np.isclose(rows.iloc[0]["test de-duplicated"], expected) and keep.sum() == len(keep) - 51
