"""The report's leakage table: per task, the audit its runs' records carry (``data.validation.
leakage``, see ``findna_bench.data.leakage``) and the policy the runs applied.

The counts belong to the task's files, so runs of a task with the same policy share one row;
records written before the audit (no per-pair counts) are counted, not shown.
"""

from __future__ import annotations

import json

import pandas as pd

from findna_bench.results import leaderboard

COLUMNS = [
    "task",
    "repeats train/valid/test",
    "valid=train",
    "test=train",
    "test=valid",
    "rc (any pair)",
    "largest class",
    "policy",
    "dropped by fix",
]


def _policy(actions: dict) -> str:
    changed = [f"{rule}={action}" for rule, action in actions.items() if action != "warn"]
    return ", ".join(changed) or "all warn"


def _row(task: str, block: dict) -> list:
    dup = block.get("duplicates") or {}
    exact = block.get("exact") or {}
    shares = block.get("majority_share") or {}
    dropped = block.get("dropped") or {}
    flagged = set(block.get("near_single_class") or [])
    return [
        task,
        "/".join(str(dup.get(s, "-")) for s in ("train", "valid", "test")),
        exact.get("train-valid", "-"),
        exact.get("train-test", "-"),
        exact.get("valid-test", "-"),
        sum((block.get("reverse_complement") or {}).values()),
        f"{max(shares.values()):.0%}" + (f" ({', '.join(sorted(flagged))})" if flagged else "")
        if shares
        else "-",
        _policy(block.get("policy") or {}),
        ", ".join(f"{s} {d['rows']}" for s, d in dropped.items() if d.get("rows")),
    ]


def leakage_table(records: list[dict]) -> tuple[pd.DataFrame, int]:
    """One row per task and policy; and how many tasks have records without the audit."""
    rows: dict[tuple[str, str], list] = {}
    older: set[str] = set()
    usable = filter(leaderboard.usable, records)
    for r in sorted(usable, key=lambda r: (str(r["task"]), str(r.get("run_id")))):
        block = ((r.get("data") or {}).get("validation") or {}).get("leakage") or {}
        if "exact" not in block:
            older.add(r["task"])
            continue
        key = (r["task"], json.dumps(block.get("policy"), sort_keys=True))
        rows.setdefault(key, _row(r["task"], block))
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    return frame, len(older - {task for task, _ in rows})
