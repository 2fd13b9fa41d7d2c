"""Re-score stored runs on the de-duplicated test split, without re-training.

A run's stored test predictions line up with its test split as the task loads it (row for row:
the record's ``predictions.rows`` equals the split's size, which is checked). The leakage audit
(``data.leakage``) flags the test rows whose sequence, or its reverse complement, is also in
train or dev; dropping them and scoring the kept rows with the run's main metric gives what the
run scores on test sequences it never saw. Nothing is re-trained and no record is changed.
Never prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findna_bench.data import leakage
from findna_bench.data.policy import Policy
from findna_bench.errors import DataError
from findna_bench.results import predictions
from findna_bench.results.rows import row_labels

COLUMNS = ["row", "task", "seed", "metric", "test", "test de-duplicated", "rows", "dropped"]


_KEPT: dict[tuple, np.ndarray] = {}  # per process: a task's audit, keyed by its files' state


class Rescorer:
    """Re-scores records of one store; each task's splits are loaded and audited once per
    process (while its files keep their size and modification time)."""

    def __init__(self, catalog: Any, data_root: Path, results: Path) -> None:
        self.catalog, self.data_root, self.results = catalog, Path(data_root), Path(results)

    def kept(self, record: dict) -> np.ndarray:
        """Per test row: True when neither it nor its reverse complement is in train or dev."""
        cfg = record["config"]
        task = self.catalog.get("task", record["task"]).factory(**cfg.get("task", {}))
        files = [Path(f) for f in task.split_files(self.data_root).values() if f is not None]
        key = (record["task"], json.dumps(cfg.get("task"), sort_keys=True),
               json.dumps(cfg.get("data"), sort_keys=True),
               tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()))  # fmt: skip
        if key not in _KEPT:
            data = task.load(
                self.data_root,
                policy=Policy.from_config(cfg["data"].get("policy")),
                valid_fraction=cfg["data"]["valid_fraction"],
                carve_seed=cfg["data"].get("carve_seed", 0),
            )
            marks = leakage.mark({s: v.sequences for s, v in data.splits.items()})
            flags = [marks.flagged(rule, "test") for rule in ("leakage", "rc_leakage")]
            rows = len(data.splits["test"].sequences)
            seen = np.zeros(rows, dtype=bool)
            for flag in flags:
                if flag is not None:
                    seen |= np.asarray(flag, dtype=bool)
            _KEPT[key] = ~seen
        return _KEPT[key]

    def row(self, record: dict, label: str) -> list:
        preds = predictions.load(self.results, record)
        keep = self.kept(record)
        if len(keep) != len(preds.labels):
            raise DataError(
                f"{record['run_id']}: {len(preds.labels)} stored predictions, but the test split "
                f"loads {len(keep)} rows today; the predictions cannot be matched to its rows"
            )
        name = record["main_metric"]
        fn = self.catalog.metric(name).fn
        deduplicated = fn(preds.labels[keep], preds.pred[keep], preds.probs[keep])
        return [
            label,
            record["task"],
            record["seed"],
            name,
            record["metrics"]["test"][name],
            float(deduplicated),
            len(keep),
            int((~keep).sum()),
        ]

    def table(self, records: list[dict]) -> pd.DataFrame:
        ok = [r for r in records if r.get("status") == "ok" and r.get("predictions")]
        ok = [r for r in ok if r.get("sealed_test") is not True and r["metrics"].get("test")]
        rows = [self.row(r, label) for r, label in zip(ok, row_labels(ok))]
        return pd.DataFrame(rows, columns=COLUMNS)


def by_row(rows: pd.DataFrame) -> pd.DataFrame:
    """Per leaderboard row and task: mean test metric ×100 on the full and the de-duplicated
    split, and how many test rows the de-duplication dropped."""
    cells = rows.groupby(["row", "task"], sort=True).agg(
        full=("test", "mean"), dedup=("test de-duplicated", "mean"), dropped=("dropped", "first")
    )
    return (100 * cells[["full", "dedup"]]).assign(dropped=cells["dropped"]).reset_index()


def markdown(rows: pd.DataFrame) -> str:
    """The tasks where de-duplication dropped test rows, per row of the leaderboard, and each
    row's mean over all its tasks on both splits."""
    cells = by_row(rows)
    changed = cells[cells.dropped > 0]
    lines = [
        "| model | task | test rows dropped | test | test de-duplicated |",
        "|---|---|---|---|---|",
    ]
    for item in changed.itertuples(index=False):
        lines.append(
            f"| {item.row} | {item.task} | {item.dropped} | {item.full:.2f} | {item.dedup:.2f} |"
        )
    means = cells.groupby("row", sort=True)[["full", "dedup"]].mean()
    for row, item in means.iterrows():
        lines.append(f"| {row} | mean of {cells[cells.row == row].shape[0]} tasks | | "
                     f"{item.full:.2f} | {item.dedup:.2f} |")  # fmt: skip
    return "\n".join(lines)
