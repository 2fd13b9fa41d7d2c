"""Leaderboards as a pure function of run records (pandas only; rendering lives in the CLI).

Rows are models (with their fine-tuning mode, and profile when several are present), columns
are tasks' main metric on the test split, cells are mean ± std over seeds with n. A mean column
averages a row's task means, and a rank column averages per-task ranks, honouring each
metric's direction. Cells with fewer seeds than asked are flagged; failed and unavailable cells
are shown as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


def row_label(record: dict, several_profiles: bool) -> str:
    label = record["model"]
    mode = record.get("finetune_mode") or (record.get("config") or {}).get("finetune", {}).get("mode", "full")
    if mode and mode != "full":
        label += f" [{mode}]"
    if several_profiles:
        label += f" @{record.get('profile')}"
    return label


def tidy(records: list[dict], split: str = "test") -> pd.DataFrame:
    """One row per record: label, task, seed, status, metric, value, direction."""
    several = len({r.get("profile") for r in records}) > 1
    rows = []
    for r in records:
        ok = r.get("status") == "ok"
        metric = r.get("main_metric")
        rows.append({
            "row": row_label(r, several), "model": r["model"], "task": r["task"], "seed": r["seed"],
            "status": r.get("status"), "metric": metric,
            "value": (r.get("metrics") or {}).get(split, {}).get(metric) if ok else None,
            "higher_is_better": r.get("higher_is_better", True),
            "started_at": r.get("started_at", ""), "error": r.get("error"),
        })
    frame = pd.DataFrame(rows, columns=["row", "model", "task", "seed", "status", "metric", "value",
                                        "higher_is_better", "started_at", "error"])
    if frame.empty:
        return frame
    ok = frame[frame.status == "ok"].sort_values("started_at").drop_duplicates(["row", "task", "seed"], keep="last")
    failed = frame[(frame.status != "ok")]
    failed = failed[~failed.set_index(["row", "task", "seed"]).index.isin(ok.set_index(["row", "task", "seed"]).index)]
    return pd.concat([ok, failed.drop_duplicates(["row", "task", "seed"], keep="last")], ignore_index=True)


@dataclass(frozen=True, kw_only=True)
class Board:
    """Numbers (``cells``: row, task, metric, mean, std, n, failed) and the display table."""

    cells: pd.DataFrame
    table: pd.DataFrame


def _fmt(mean: float, std: float, n: int, expected: int | None) -> str:
    spread = "" if n < 2 or math.isnan(std) else f" ± {100 * std:.2f}"
    count = f"{n}/{expected}" if expected and n < expected else f"{n}"
    flag = "!" if expected and n < expected else ""
    return f"{100 * mean:.2f}{spread} (n={count}){flag}"


def build(records: list[dict], *, split: str = "test", expected_seeds: int | None = None,
          unavailable: dict[str, str] | None = None) -> Board:
    """Aggregate records into a ranked board."""
    frame = tidy(records, split)
    unavailable = unavailable or {}
    if frame.empty:
        cells = pd.DataFrame(columns=["row", "task", "metric", "mean", "std", "n", "failed", "higher_is_better"])
        table = pd.DataFrame({t: ["unavailable"] for t in unavailable}, index=pd.Index(["-"], name="model"))
        return Board(cells=cells, table=table if unavailable else pd.DataFrame())
    ok = frame[frame.status == "ok"]
    grouped = ok.groupby(["row", "task"]).agg(metric=("metric", "first"), mean=("value", "mean"),
                                               std=("value", "std"), n=("value", "count"),
                                               higher_is_better=("higher_is_better", "first"))
    failures = frame[frame.status != "ok"].groupby(["row", "task"]).size().rename("failed")
    cells = grouped.join(failures, how="outer").reset_index()
    cells["failed"] = cells["failed"].fillna(0).astype(int)
    cells["n"] = cells["n"].fillna(0).astype(int)
    tasks = list(dict.fromkeys(frame["task"])) + [t for t in unavailable if t not in set(frame["task"])]
    rows = list(dict.fromkeys(frame["row"]))
    display = pd.DataFrame("", index=pd.Index(rows, name="model"), columns=tasks, dtype=object)
    ranks = pd.DataFrame(index=rows, columns=tasks, dtype=float)
    for task in tasks:
        if task in unavailable:
            display[task] = "unavailable"
            continue
        sub = cells[cells.task == task].set_index("row")
        valid = sub[sub.n > 0]
        if not valid.empty:
            ascending = not bool(valid["higher_is_better"].iloc[0])
            ranks.loc[valid.index, task] = valid["mean"].rank(ascending=ascending, method="min")
        for row in rows:
            if row not in sub.index:
                display.loc[row, task] = "-"
            elif sub.loc[row, "n"] == 0:
                display.loc[row, task] = f"failed ({int(sub.loc[row, 'failed'])})"
            else:
                c = sub.loc[row]
                display.loc[row, task] = _fmt(c["mean"], c["std"], int(c["n"]), expected_seeds)
    means = cells[cells.n > 0].groupby("row")["mean"].mean()
    display["mean"] = [f"{100 * means[r]:.2f}" if r in means.index else "-" for r in rows]
    mean_rank = ranks.mean(axis=1, skipna=True)
    display["rank"] = [f"{mean_rank[r]:.2f}" if not math.isnan(mean_rank[r]) else "-" for r in rows]
    order = sorted(rows, key=lambda r: (math.isnan(mean_rank[r]), mean_rank[r] if not math.isnan(mean_rank[r]) else 0))
    return Board(cells=cells, table=display.loc[order])


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no optional dependency on tabulate)."""
    header = [table.index.name or "model", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        lines.append("| " + " | ".join([str(index), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)
