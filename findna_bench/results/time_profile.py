"""Where the runs' wall time went, per model: the phases of each record's ``time_profile``.

Every ``ok`` record written since run/timing.py carries seconds per phase (forward and backward,
optimizer step, validation scoring, test scoring, data preparation, batching, pretraining,
bookkeeping). Per model (or model and task) this sums each phase over the runs and divides by
their summed wall time, so a share is of the time actually spent, long runs weighing more.
Records without a profile (written before it existed) are counted apart, not guessed.
"""

from __future__ import annotations

import pandas as pd

from findna_bench.results.leaderboard import usable

LABELS = {  # the phases of run/timing.py, in its order, as column names
    "forward_backward": "fwd+bwd",
    "optimizer": "optimizer",
    "evaluation": "valid eval",
    "test": "test",
    "data": "data",
    "batching": "batching",
    "pretraining": "pretrain",
    "bookkeeping": "bookkeeping",
}
PHASES = tuple(LABELS)


def _row(record: dict) -> dict:
    seconds = record["time_profile"]["seconds"]
    return {
        "model": str(record["model"]),
        "task": str(record["task"]),
        "wall": float(record.get("wall_seconds") or 0),
        **{phase: float(seconds.get(phase, 0.0)) for phase in PHASES},
    }


def time_profile_table(records: list[dict], *, by_task: bool = False) -> pd.DataFrame:
    """One row per model (or model and task), sorted: ``runs`` (with a profile), ``without
    profile``, ``wall s/run`` (mean) and one ``<phase> %`` column per phase (its summed seconds
    over the summed wall time); empty when no record has a profile."""
    ok = [r for r in records if usable(r) and r["status"] == "ok"]
    profiled = [r for r in ok if r.get("time_profile")]
    if not profiled:
        return pd.DataFrame()
    keys = ["model", "task"] if by_task else ["model"]
    frame = pd.DataFrame([_row(r) for r in profiled])
    groups = frame.groupby(keys)
    sums = groups[["wall", *PHASES]].sum()
    table = groups.agg(runs=("wall", "size"))
    bare = pd.DataFrame([r for r in ok if not r.get("time_profile")], columns=keys)
    table["without profile"] = bare.groupby(keys).size().reindex(table.index, fill_value=0)
    table["wall s/run"] = sums["wall"] / table["runs"]
    for phase in PHASES:
        table[f"{LABELS[phase]} %"] = 100 * sums[phase] / sums["wall"]
    return table.sort_index()


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers, seconds to one decimal and shares as percentages to one decimal,
    indexed by model (per task, the task becomes the first column)."""
    shown = table.reset_index().set_index("model") if "task" in table.index.names else table.copy()
    for column in shown.columns.drop("task", errors="ignore"):
        digits = 0 if column in ("runs", "without profile") else 1
        shown[column] = shown[column].map(lambda v, d=digits: "-" if pd.isna(v) else f"{v:.{d}f}")
    return shown
