"""How much of a pretrained model's score is its pretraining seed: per task, the spread over
pretraining seeds (seed-0 fine-tuning of each pretraining) beside the spread over fine-tuning
seeds (one pretraining), and the mean over tasks per pretraining seed. Never prints."""

from __future__ import annotations

import statistics

import pandas as pd


def pretraining_seed(record: dict) -> int | None:
    return ((record.get("config") or {}).get("pretrain") or {}).get("seed")


def spread(records: list[dict], model: str) -> pd.DataFrame:
    """One row per task: ``pretraining seeds`` (their count), the std (×100) of the seed-0 runs
    over pretraining seeds, and the std over fine-tuning seeds of each pretraining seed that
    has several, averaged."""
    ok = [r for r in records if r.get("status") == "ok" and r.get("model") == model]
    ok = [r for r in ok if pretraining_seed(r) is not None and r["metrics"].get("test")]
    ok = list({r["run_id"]: r for r in ok}.values())  # one record per run, if a folder repeats
    rows = []
    for task in sorted({r["task"] for r in ok}):
        mine = [r for r in ok if r["task"] == task]
        name = mine[0]["main_metric"]
        first = {
            pretraining_seed(r): 100 * r["metrics"]["test"][name] for r in mine if r["seed"] == 0
        }
        by_pretraining: dict[int | None, list[float]] = {}
        for r in mine:
            by_pretraining.setdefault(pretraining_seed(r), []).append(
                100 * r["metrics"]["test"][name]
            )
        fine = [statistics.stdev(v) for v in by_pretraining.values() if len(v) > 1]
        rows.append(
            {
                "task": task,
                "pretraining seeds": len(first),
                "std over pretraining seeds (fine-tuning seed 0)": (
                    statistics.stdev(first.values()) if len(first) > 1 else float("nan")
                ),
                "std over fine-tuning seeds": statistics.mean(fine) if fine else float("nan"),
                **{f"pretraining seed {s}": v for s, v in sorted(first.items())},
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return "(no runs with a pretraining seed)"
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [
            v if isinstance(v, str) else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    complete = table[table["pretraining seeds"] == table["pretraining seeds"].max()]
    means = complete.drop(columns=["task", "pretraining seeds"]).mean(numeric_only=True)
    label = f"mean of the {len(complete)} tasks with every pretraining seed"
    lines.append(f"| {label} | | " + " | ".join(f"{v:.2f}" for v in means) + " |")
    return "\n".join(lines)
