"""How long fine-tuning runs: the planned step budget, when validation is scored, and when to stop.

A run's budget is the smaller of ``epochs`` passes over the training split and ``max_steps``
optimizer steps. Validation is scored every ``eval_every`` steps (or ``evals_per_epoch`` times an
epoch) and always at the last planned step. With a ``patience``, training stops once that many
evaluations in a row have not improved the validation main metric by more than ``min_delta``,
but never before ``min_steps``. Pure arithmetic and bookkeeping: nothing here trains or prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STOP_PATIENCE = "patience"  # the validation curve stopped improving
STOP_STEPS = "step budget"  # max_steps reached
STOP_EPOCHS = "epochs"  # every planned epoch ran


@dataclass(frozen=True, kw_only=True, slots=True)
class Budget:
    """The planned schedule of one fine-tuning run."""

    steps_per_epoch: int
    planned_steps: int
    bound: str  # STOP_STEPS or STOP_EPOCHS: which limit sets planned_steps
    eval_steps: frozenset[int]
    min_steps: int
    patience: int | None
    min_delta: float

    @classmethod
    def plan(cls, ft: dict, train_rows: int) -> Budget:
        """The budget of a resolved ``finetune`` config for ``train_rows`` training rows."""
        steps_per_epoch = max(1, math.ceil(train_rows / ft["batch_size"]))
        by_epochs = steps_per_epoch * ft["epochs"]
        max_steps = ft.get("max_steps")
        planned = min(by_epochs, max_steps) if max_steps else by_epochs
        bound = STOP_STEPS if max_steps and max_steps < by_epochs else STOP_EPOCHS
        return cls(
            steps_per_epoch=steps_per_epoch,
            planned_steps=planned,
            bound=bound,
            eval_steps=frozenset(_eval_steps(ft, steps_per_epoch, planned)),
            min_steps=int(ft.get("min_steps") or 0),
            patience=ft.get("patience"),
            min_delta=float(ft.get("min_delta") or 0.0),
        )

    def describe(self) -> str:
        """One line for the record's protocol block."""
        text = (
            f"{self.planned_steps} planned steps ({self.bound}), {len(self.eval_steps)} evaluations"
        )
        if self.patience:
            text += (
                f"; early stop after {self.patience} evaluations without an improvement "
                f"> {self.min_delta:g}, not before step {self.min_steps}"
            )
        return text


def _eval_steps(ft: dict, steps_per_epoch: int, planned: int) -> set[int]:
    every = ft.get("eval_every")
    if every:
        points = set(range(every, planned + 1, every))
    else:
        evals = max(1, int(ft.get("evals_per_epoch", 1)))
        per_epoch = {
            min(steps_per_epoch, round(steps_per_epoch * (k + 1) / evals)) for k in range(evals)
        }
        points = {
            e * steps_per_epoch + s
            for e in range(math.ceil(planned / steps_per_epoch))
            for s in per_epoch
        }
    return {p for p in points if p <= planned} | {planned}


class EarlyStopping:
    """Tracks the best validation value and how many evaluations in a row have not improved it.

    Selection keeps any new best; the patience counter resets only on an improvement larger
    than ``min_delta`` over the last value that reset it.
    """

    def __init__(self, budget: Budget, *, higher_is_better: bool) -> None:
        self.budget = budget
        self.sign = 1.0 if higher_is_better else -1.0
        self.best: float | None = None
        self.reference: float | None = None
        self.stale = 0

    def observe(self, value: float) -> bool:
        """Record one evaluation; True when it is the new best (NaN never is)."""
        if math.isnan(value):
            self.stale += 1
            return False
        if self.reference is None or self.sign * (value - self.reference) > self.budget.min_delta:
            self.reference, self.stale = value, 0
        else:
            self.stale += 1
        if self.best is None or self.sign * (value - self.best) > 0:
            self.best = value
            return True
        return False

    def should_stop(self, step: int) -> bool:
        patience = self.budget.patience
        if not patience:
            return False
        return self.stale >= patience and step >= self.budget.min_steps
