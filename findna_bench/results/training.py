"""How the runs of each model trained: why they stopped, how many steps, and what they cost.

A leaderboard cell says what a model scored; a reader also asks whether every run trained until
its validation curve stopped improving or a budget ended it first, and what the cell cost. Per
model (or per model and task) this counts the ``ok`` runs by stop reason (``patience``: the dev
curve plateaued; ``step budget`` / ``epochs``: the declared budget ran out first), gives the
median and largest step counts, and sums wall-clock and training hours from the records. A
pretrained model's checkpoints are counted once each (``pretrain h``), however many runs reused
them from the cache; per task that column is left out, since a checkpoint serves every task.
"""

from __future__ import annotations

import pandas as pd

from findna_bench.results.leaderboard import usable

NOT_RECORDED = "not recorded"


def _row(record: dict) -> dict:
    pretrained = record.get("pretrained") or {}
    return {
        "model": str(record["model"]),
        "task": str(record["task"]),
        "stop": str(record.get("stop_reason") or NOT_RECORDED),
        "steps": float(record["steps"]) if record.get("steps") is not None else float("nan"),
        "wall": float(record.get("wall_seconds") or 0) / 3600,
        "train": float(record.get("train_seconds") or 0) / 3600,
        "checkpoint": pretrained.get("checkpoint"),
        "pretrain": float(pretrained.get("pretrain_seconds") or 0) / 3600,
    }


def _pretrain_hours(frame: pd.DataFrame) -> pd.Series:
    """Per model: the pretraining hours of each distinct checkpoint its runs used, once."""
    used = frame.dropna(subset=["checkpoint"]).drop_duplicates(["model", "checkpoint"])
    hours = used.groupby("model")["pretrain"].sum()
    return hours.reindex(sorted(frame["model"].unique()), fill_value=0.0)


def training_table(records: list[dict], *, by_task: bool = False) -> pd.DataFrame:
    """One row per model (or model and task), sorted by name: ``runs``, one
    ``stopped: <reason>`` column per stop reason, ``failed``, ``median steps``, ``max steps``,
    ``wall h``, ``train h`` and, per model, ``pretrain h``; a ``total`` row per model table."""
    usable_records = [r for r in records if usable(r)]
    frame = pd.DataFrame([_row(r) for r in usable_records if r["status"] == "ok"])
    keys = ["model", "task"] if by_task else ["model"]
    failed = pd.DataFrame([r for r in usable_records if r["status"] != "ok"], columns=keys)
    if frame.empty:
        return pd.DataFrame()
    groups = frame.groupby(keys)
    table = groups.agg(runs=("stop", "size"))
    stops = pd.crosstab([frame[k] for k in keys], frame["stop"])
    table = table.join(stops.add_prefix("stopped: ")).fillna(0)
    table["failed"] = failed.groupby(keys).size().reindex(table.index, fill_value=0)
    table = table.sort_index()
    table["median steps"] = groups["steps"].median()
    table["max steps"] = groups["steps"].max()
    table["wall h"] = groups["wall"].sum()
    table["train h"] = groups["train"].sum()
    if not by_task:
        table["pretrain h"] = _pretrain_hours(frame)
        total = table.sum(numeric_only=True)
        total[["median steps", "max steps"]] = frame["steps"].median(), frame["steps"].max()
        table.loc["total"] = total
    return table


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers and hours to two decimals, indexed by model, for a terminal or
    Markdown (per task, the task becomes the first column)."""
    shown = table.reset_index().set_index("model") if "task" in table.index.names else table.copy()
    for column in shown.columns.drop("task", errors="ignore"):
        hours = column.endswith(" h")
        shown[column] = shown[column].map(
            lambda v, hours=hours: "-" if pd.isna(v) else f"{v:.2f}" if hours else f"{v:.0f}"
        )
    return shown
