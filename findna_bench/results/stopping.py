"""Stopping rules replayed on recorded validation curves: what a smaller patience or minimum
step count would have selected, and what it would have cost, without the test split.

Every ok record holds its full validation curve (one point per evaluation) up to where its own
rule stopped it. A candidate rule ``(patience, min_steps)`` is replayed on that curve: it stops
at the first evaluation, at or after ``min_steps``, that ends ``patience`` evaluations without
an improvement of the validation main metric (by more than the record's ``min_delta``), and
selects the best point so far. Compared with the record's own selection it gives the
validation score given up (``regret``, metric ×100) and the share of the steps it would have
trained. Where the curve ends before the rule would have stopped (a rule more patient than the
record's), the run is not counted: what it would have seen is unknown. Only validation numbers
are read. Never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BUDGET_ENDS = ("step budget", "epochs")  # stop reasons where the run, not a rule, ended
COLUMNS = ["patience", "min_steps", "runs", "mean regret", "runs within 0.5", "worst regret",
           "steps kept"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Replay:
    regret: float  # validation main metric x100 given up against the record's own selection
    steps_kept: float  # fraction of the record's steps the rule would have trained


def replay(record: dict, patience: int, min_steps: int) -> Replay | None:
    """The rule on one record's curve, or None when the curve ends before the rule would have
    stopped a run that its own rule stopped (what it would then have seen is unknown)."""
    ft = (record.get("config") or {}).get("finetune") or {}
    metric, higher = record["main_metric"], record.get("higher_is_better", True)
    curve = [p for p in record.get("curve") or [] if metric in p]
    if not curve:
        return None
    sign = 1.0 if higher else -1.0
    delta = ft.get("min_delta", 0.0) or 0.0
    best, since, stop = None, 0, None
    for i, point in enumerate(curve):
        value = sign * point[metric]
        if best is None or value > best + delta:
            best, since = value, 0
        else:
            since += 1
        if since >= patience and point["step"] >= min_steps:
            stop = i
            break
    if stop is None:
        if record.get("stop_reason") not in BUDGET_ENDS:
            return None
        stop = len(curve) - 1  # the budget ended the run: so would it have ended this rule's
    chosen = max(sign * p[metric] for p in curve[: stop + 1])
    full = max(sign * p[metric] for p in curve)
    steps = max(record.get("steps") or curve[-1]["step"], 1)
    return Replay(regret=100 * (full - chosen), steps_kept=curve[stop]["step"] / steps)


def table(records: list[dict], patiences: list[int], min_steps: list[int]) -> pd.DataFrame:
    """One row per rule: runs replayed, mean and worst regret, share within 0.5, steps kept."""
    import pandas as pd  # here: the CLI's --help imports this module for its defaults

    ok = [r for r in records if r.get("status") == "ok"]
    rows = []
    for p in patiences:
        for m in min_steps:
            found = [x for x in (replay(r, p, m) for r in ok) if x is not None]
            if not found:
                rows.append([p, m, 0, float("nan"), float("nan"), float("nan"), float("nan")])
                continue
            regrets = [x.regret for x in found]
            rows.append(
                [
                    p,
                    m,
                    len(found),
                    sum(regrets) / len(found),
                    sum(r <= 0.5 for r in regrets) / len(found),
                    max(regrets),
                    sum(x.steps_kept for x in found) / len(found),
                ]
            )
    return pd.DataFrame(rows, columns=COLUMNS)


GRID = ([3, 5, 7, 10], [0, 500, 1000])  # the default rules replayed: patience x minimum steps


def shown(found: pd.DataFrame) -> pd.DataFrame:
    """The table as printed: rounded, indexed by patience, integers kept as integers."""
    rounded = found.round({"mean regret": 2, "runs within 0.5": 3, "worst regret": 2,
                           "steps kept": 3})  # fmt: skip
    return rounded.astype(object).set_index("patience")
