"""Records agree with their evidence: a stored metric recomputed from the stored predictions.

A record is a claim; its ``.preds.npz`` is the evidence. Wherever predictions are loaded (the
leaderboard's intervals, ``compare``), each run's metric is recomputed from them and compared
with the record: the leaderboard warns and gives the cell no interval, ``compare`` refuses the
task. A hand-edited or corrupted metric is caught this way. Never prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

TOLERANCE = 1e-6


def disagreements(runs: list[dict], loaded: list, name: str, fn: Callable[..., float]) -> list[str]:
    """One line per run whose recorded test ``name`` differs from the one its predictions give."""
    out = []
    for record, preds in zip(runs, loaded):
        stored = (record.get("metrics") or {}).get("test", {}).get(name)
        if not isinstance(stored, (int, float)):
            continue
        again = fn(preds.labels, preds.pred, preds.probs)
        if not (
            math.isclose(stored, again, abs_tol=TOLERANCE) or (np.isnan(again) and np.isnan(stored))
        ):
            out.append(
                f"{record.get('run_id')}: its record says test {name} {stored:.4f}, its stored "
                f"predictions give {again:.4f} (record edited or not from these predictions)"
            )
    return out
