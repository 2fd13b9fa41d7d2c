"""Helpers for the evaluation tests: hand-made records and a tiny real-data run setup."""

from __future__ import annotations

import pytest


def record(
    model: str,
    task: str,
    seed: int,
    value: float | None,
    *,
    status: str = "ok",
    metric: str = "mcc",
    profile: str = "cpu",
    mode: str = "full",
) -> dict:
    """A minimal record as the runner (status ok) or the suite (status failed) writes it."""
    out = {
        "run_id": f"{model}__{task.replace('/', '-')}__seed{seed}__fixture",
        "status": status,
        "model": model,
        "task": task,
        "seed": seed,
        "profile": profile,
        "finetune_mode": mode,
        "main_metric": metric,
        "higher_is_better": True,
        "started_at": f"2024-01-01T00:00:{seed:02d}Z",
    }
    if status == "ok":
        out["metrics"] = {"test": {metric: value}, "valid": {metric: value}}
    else:
        out["error"] = "NonFiniteLoss: fine-tuning loss became nan at step 1"
    return out


@pytest.fixture()
def make_record():
    return record
