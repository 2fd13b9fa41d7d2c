"""Leaderboards as a pure function of run records (pandas only; rendering lives in the CLI).

Rows are models (with their fine-tuning mode, and profile when several are present), columns
are tasks' main metric on the test split, cells are mean ± std over seeds with n.

A cell never pools different runs: records are grouped by (model, task, resolved config,
code fingerprint). When one model has several configs or code versions on a task, each gets
its own row labelled by what differs (``cnn [finetune.lr=1e-06]``, ``cnn [code 1a2b3c]``;
the labelling lives in ``rows``).

A mean column averages a row's task means and a rank column averages per-task ranks, honouring
each metric's direction. A failed or NaN cell ranks below every scored cell of its task; a row
that did not score every task shows ``(k/N tasks)`` beside its mean and rank and sorts after
the complete rows. Cells with fewer seeds than asked are flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from findna_bench.results.rows import base_labels, variants

CELL_COLUMNS = ["row", "task", "metric", "mean", "std", "n", "failed", "higher_is_better", "rank"]
FRAME_COLUMNS = [
    "row",
    "base",
    "run_id",
    "model",
    "task",
    "seed",
    "status",
    "metric",
    "value",
    "higher_is_better",
    "started_at",
    "error",
]


def usable(record: object) -> bool:
    """A record the board can place: a dict with model, task, seed and status."""
    return isinstance(record, dict) and all(
        k in record for k in ("model", "task", "seed", "status")
    )


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _tidy_row(
    r: dict, row: str, base: str, split: str, metric: str | None, higher: bool
) -> dict | None:
    """The frame row of one record; None for an ok record that does not record ``metric``."""
    name = metric or r.get("main_metric")
    ok_status = r.get("status") == "ok"
    scores = (r.get("metrics") or {}).get(split, {}) if ok_status else {}
    if metric and ok_status and metric not in scores:
        return None
    value = scores.get(name)
    ok = ok_status and _finite(value)
    return {
        "row": row,
        "base": base,
        "run_id": r.get("run_id"),
        "model": r["model"],
        "task": r["task"],
        "seed": r["seed"],
        "status": "ok" if ok else "failed",
        "metric": name,
        "value": value if ok else None,
        "higher_is_better": r.get("higher_is_better", True)
        if name == r.get("main_metric")
        else higher,
        "started_at": r.get("started_at", ""),
        "error": r.get("error") if not ok_status else f"non-finite {split} {name}",
    }


def tidy(
    records: list[dict],
    split: str = "test",
    *,
    metric: str | None = None,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """One row per record: label, run id, task, seed, status, metric, value, direction.

    The metric is each record's main metric, or ``metric`` (of direction ``higher_is_better``
    unless it is the record's main metric); records that do not record it are left out. An
    'ok' record without a finite value counts as failed. A successful run of a seed hides that
    seed's failures, and the latest of several successes of one seed wins.
    """
    records = [
        r for r in records if usable(r) and not (split == "test" and r.get("sealed_test") is True)
    ]  # a sealed run has no test number to show (run --sealed-test)
    bases = base_labels(records)
    rows = [
        _tidy_row(r, label, base, split, metric, higher_is_better)
        for r, base, label in zip(records, bases, variants(records, bases))
    ]
    rows = [row for row in rows if row is not None]
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    if frame.empty:
        return frame
    frame["value"] = frame["value"].astype(float)
    ok = (
        frame[frame.status == "ok"]
        .sort_values("started_at")
        .drop_duplicates(["row", "task", "seed"], keep="last")
    )
    failed = frame[(frame.status != "ok")]
    failed = failed[
        ~failed.set_index(["row", "task", "seed"]).index.isin(
            ok.set_index(["row", "task", "seed"]).index
        )
    ]
    return pd.concat(
        [ok, failed.drop_duplicates(["row", "task", "seed"], keep="last")], ignore_index=True
    )


@dataclass(frozen=True, kw_only=True)
class Board:
    """Numbers (``cells``: row, task, metric, mean, std, n, failed, rank), the display table,
    and notes to print under it (split rows, rows over fewer tasks, skipped records)."""

    cells: pd.DataFrame
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _fmt(mean: float, std: float, n: int, expected: int | None) -> str:
    spread = "" if n < 2 or math.isnan(std) else f" ± {100 * std:.2f}"
    count = f"{n}/{expected}" if expected and n < expected else f"{n}"
    flag = "!" if expected and n < expected else ""
    return f"{100 * mean:.2f}{spread} (n={count}){flag}"


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    ok = frame[frame.status == "ok"]
    grouped = ok.groupby(["row", "task"]).agg(
        metric=("metric", "first"),
        mean=("value", "mean"),
        std=("value", "std"),
        n=("value", "count"),
        higher_is_better=("higher_is_better", "first"),
    )
    failures = (
        frame[frame.status != "ok"]
        .groupby(["row", "task"])
        .agg(
            failed=("seed", "size"),
            failed_metric=("metric", "first"),
            failed_hib=("higher_is_better", "first"),
        )
    )
    cells = grouped.join(failures, how="outer").reset_index()
    cells["metric"] = cells["metric"].fillna(cells["failed_metric"])
    cells["higher_is_better"] = cells["higher_is_better"].fillna(cells["failed_hib"])
    cells["failed"] = cells["failed"].fillna(0).astype(int)
    cells["n"] = cells["n"].fillna(0).astype(int)
    cells["rank"] = float("nan")
    for task in cells["task"].unique():
        here = cells.task == task
        scored = here & (cells.n > 0)
        if scored.any():
            ascending = not bool(cells.loc[scored, "higher_is_better"].iloc[0])
            cells.loc[scored, "rank"] = cells.loc[scored, "mean"].rank(
                ascending=ascending, method="min"
            )
        cells.loc[here & (cells.n == 0), "rank"] = int(scored.sum()) + 1  # failures rank last
    return cells[CELL_COLUMNS]


def _cell_text(cell: pd.Series | None, expected: int | None) -> str:
    if cell is None:
        return "-"
    if cell["n"] == 0:
        return f"failed ({int(cell['failed'])})"
    text = _fmt(cell["mean"], cell["std"], int(cell["n"]), expected)
    return text + f" +{int(cell['failed'])} failed" if cell["failed"] else text


def _summary(cells: pd.DataFrame, rows: list[str], total: int) -> dict[str, tuple]:
    """Row -> (mean text, rank text, sort key)."""
    out = {}
    for row in rows:
        mine = cells[cells.row == row]
        scored, covered = mine[mine.n > 0], len(mine)
        short_mean = f" ({len(scored)}/{total} tasks)" if len(scored) < total else ""
        short_rank = f" ({covered}/{total} tasks)" if covered < total else ""
        mean = f"{100 * scored['mean'].mean():.2f}{short_mean}" if len(scored) else "-"
        rank = mine["rank"].mean() if covered else math.nan
        out[row] = (
            mean,
            f"{rank:.2f}{short_rank}" if not math.isnan(rank) else "-",
            (
                covered < total,
                math.inf if math.isnan(rank) else rank,
                int(mine["failed"].sum()),
                row,
            ),
        )
    return out


def _notes(frame: pd.DataFrame, summary: dict[str, tuple], total: int) -> list[str]:
    notes = []
    split = frame[frame.row != frame.base].groupby("base")["row"].unique()
    for base, rows in split.items():
        notes.append(
            f"note: {base} has runs of different configs or code; they are separate rows, "
            f"never averaged: {'; '.join(rows)}"
        )
    short = [row for row, (_, _, key) in summary.items() if key[0] or "/" in summary[row][0]]
    if short:
        notes.append(
            f"note: {len(short)} row(s) did not score all {total} task(s) "
            "(marked 'k/N tasks'): their mean and rank cover fewer tasks; failed cells rank last"
        )
    return notes


def recorded_metrics(records: list[dict], split: str = "test") -> list[str]:
    """Every metric name that some successful record scored on ``split``, sorted."""
    return sorted(
        {
            name
            for r in records
            if usable(r) and r.get("status") == "ok"
            for name in (r.get("metrics") or {}).get(split, {})
        }
    )


def _not_recorded(records: list[dict], split: str, metric: str | None) -> list[str]:
    """A note naming the tasks whose successful runs do not record ``metric``."""
    if metric is None:
        return []
    tasks = {
        r["task"]
        for r in records
        if usable(r)
        and r.get("status") == "ok"
        and metric not in (r.get("metrics") or {}).get(split, {})
    }
    if not tasks:
        return []
    return [f"note: {metric} is not recorded for {', '.join(sorted(tasks))}; left out"]


def _sealed(records: list[dict], split: str) -> list[str]:
    """A note counting the runs whose test numbers are sealed (``run --sealed-test``)."""
    sealed = [r for r in records if usable(r) and r.get("sealed_test") is True]
    if split != "test" or not sealed:
        return []
    unchosen = [r for r in sealed if (r.get("sweep") or {}).get("chosen")]
    notes = []
    if unchosen:
        notes.append(
            f"note: {len(unchosen)} run(s) of grid points a sweep did not choose keep their test "
            "split sealed: only the chosen point's test numbers are shown (sweeps.json)"
        )
    if len(unchosen) < len(sealed):
        notes.append(
            f"note: {len(sealed) - len(unchosen)} run(s) have a sealed test split: no test number "
            "is shown while the protocol is chosen on validation (--split valid); "
            "`findna-bench unseal` reveals them"
        )
    return notes


def _name(record: object) -> str:
    return str(record.get("run_id", "?")) if isinstance(record, dict) else repr(record)[:40]


def build(
    records: list[dict],
    *,
    split: str = "test",
    expected_seeds: int | None = None,
    unavailable: dict[str, str] | None = None,
    metric: str | None = None,
    higher_is_better: bool = True,
) -> Board:
    """Aggregate records into a ranked board of each task's main metric, or of ``metric``."""
    frame = tidy(records, split, metric=metric, higher_is_better=higher_is_better)
    unavailable = unavailable or {}
    skipped = (
        [
            f"warning: record {_name(r)} has no model, task, seed or status; skipped"
            for r in records
            if not usable(r)
        ]
        + _not_recorded(records, split, metric)
        + _sealed(records, split)
    )
    if frame.empty:
        cells = pd.DataFrame(columns=CELL_COLUMNS)
        table = pd.DataFrame(
            {t: ["unavailable"] for t in unavailable}, index=pd.Index(["-"], name="model")
        )
        return Board(cells=cells, table=table if unavailable else pd.DataFrame(), notes=skipped)
    cells = _cells(frame)
    tasks = list(dict.fromkeys(frame["task"])) + [
        t for t in unavailable if t not in set(frame["task"])
    ]
    rows = list(dict.fromkeys(frame["row"]))
    display = pd.DataFrame("", index=pd.Index(rows, name="model"), columns=tasks, dtype=object)
    for task in tasks:
        sub = cells[cells.task == task].set_index("row")
        for row in rows:
            display.loc[row, task] = (
                "unavailable"
                if task in unavailable
                else _cell_text(sub.loc[row] if row in sub.index else None, expected_seeds)
            )
    total = len([t for t in tasks if t not in unavailable])
    summary = _summary(cells, rows, total)
    display["mean"] = [summary[r][0] for r in rows]
    display["rank"] = [summary[r][1] for r in rows]
    order = sorted(rows, key=lambda r: summary[r][2])
    return Board(
        cells=cells, table=display.loc[order], notes=skipped + _notes(frame, summary, total)
    )


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no optional dependency on tabulate)."""
    header = [table.index.name or "model", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        lines.append("| " + " | ".join([str(index), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)
