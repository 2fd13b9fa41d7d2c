"""Unseal: give sealed runs (``run --sealed-test``) their test metrics once the protocol they
were chosen under is fixed.

A sealed run computed its test metrics as any run does and kept them aside
(``sealed_metrics``), where no command reads them; unsealing moves them to ``metrics.test``
after checking them against the run's stored predictions (``evidence``), and marks the record
``sealed_test: "unsealed <UTC time>"``. The record is rewritten in place, atomically. Never
prints.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from findna_bench.errors import DataError
from findna_bench.file_modes import as_new_file
from findna_bench.results import predictions
from findna_bench.results.evidence import disagreements
from findna_bench.results.record import stamp
from findna_bench.results.store import ResultsStore


def sealed(record: dict) -> bool:
    return record.get("status") == "ok" and record.get("sealed_test") is True


def check(record: dict, root: Path, catalog: Any) -> None:
    """The sealed main metric agrees with the stored predictions, or DataError."""
    name = record["main_metric"]
    wrong = disagreements(
        [{**record, "metrics": {"test": record["sealed_metrics"]}}],
        [predictions.load(root, record)],
        name,
        catalog.metric(name).fn,
    )
    if wrong:
        raise DataError(f"unseal: {wrong[0]}")


def unseal(store: ResultsStore, catalog: Any, models: set[str] | None = None) -> int:
    """Unseal every sealed record (of ``models``); how many."""
    count = 0
    for path in sorted(store.root.glob("*.json")):
        record, problem = store.load(path)
        if problem or not sealed(record) or (models and record["model"] not in models):
            continue
        check(record, path.parent, catalog)
        record["metrics"]["test"] = record.pop("sealed_metrics")
        record["sealed_test"] = "unsealed " + stamp(None)
        replace(path, record)
        count += 1
    return count


def replace(path: Path, record: dict | list) -> None:
    """Rewrite ``path`` with ``record`` (or any JSON list), atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        as_new_file(fd)
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=1, sort_keys=True, default=str)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
