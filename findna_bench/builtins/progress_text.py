"""The words of the progress display (``progress.py``): metric lists, a finished run's result,
the best validation so far, where pretrained weights came from, and data-policy warnings.
Pure functions of records and numbers; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from findna_bench.builtins.eta import duration
from findna_bench.data.policy import DEFAULTS

WARN_EFFECT = {
    "invalid_chars": "dropped (invalid characters)",
    "lowercase": "upper-cased",
    "empty": "dropped (empty)",
    "too_long": "dropped (too long)",
    "unknown_label": "dropped (unknown label)",
}


def metrics_text(metrics: dict) -> str:
    return " ".join(f"{k} {v:.4g}" for k, v in metrics.items())


@dataclass(kw_only=True)
class Validation:
    """The run's validation main metric: the last value and the best so far (with its step)."""

    metric: str
    higher: bool
    last: float | None = None
    best: float | None = None
    best_step: int = 0

    def observe(self, value: float, step: int) -> None:
        self.last = value
        if self.best is None or (value > self.best if self.higher else value < self.best):
            self.best, self.best_step = value, step

    def text(self) -> str:
        """``valid mcc 0.512 (best 0.530 @400)``."""
        return f"valid {self.metric} {self.last:.3f} (best {self.best:.3f} @{self.best_step})"


def result_text(record: dict) -> str:
    """A finished run: its test main metric, the selected validation value, epoch and time."""
    if record.get("status") != "ok":
        return f"FAILED: {record.get('error')}"
    metric = record["main_metric"]
    if record.get("sealed_test") is True:
        return (
            f"test sealed (valid {record['metrics']['valid'].get(metric, float('nan')):.4f}, "
            f"epoch {record['best_epoch']:.2f}, {record['wall_seconds']:.1f}s)"
        )
    return (
        f"test {metric} {record['metrics']['test'][metric]:.4f} (valid "
        f"{record['metrics']['valid'].get(metric, float('nan')):.4f}, epoch {record['best_epoch']:.2f}, "
        f"{record['wall_seconds']:.1f}s)"
    )


def short_path(path: str) -> str:
    """``/home/me/.cache/x`` -> ``~/.cache/x``."""
    home = str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + "/") else path


def pretrained_line(record: dict) -> str | None:
    """Where a run's pretrained weights came from, or None for a model that does not pretrain."""
    block = record.get("pretrained")
    if not block:
        return None
    where = short_path(block["checkpoint"])
    steps = f"{block.get('steps')} steps"
    given = ((record.get("config") or {}).get("pretrain") or {}).get("checkpoint")
    if given:
        return f"pretrained weights: --checkpoint {where} ({steps})"
    if block.get("cache_hit"):
        return f"pretrained weights: cache hit {where} ({steps})"
    took = duration(block.get("pretrain_seconds"))
    return f"pretrained weights: pretrained now ({steps}, {took}), cached in {where}"


def _leakage_lines(task: str | None, counts: dict, actions: dict) -> list[str]:
    """One line per pair of splits sharing rows (exact or reverse complement) that the ``warn``
    policy kept, and per near-single-class split; a record from before the audit: train-test."""
    if "exact" not in counts:
        shared = counts.get("train_test_duplicates", 0)
        if shared and actions["leakage"] == "warn":
            return [
                f"data warning: {task}: {shared} sequence(s) in both train and test, kept "
                "(data.policy.leakage=warn)"
            ]
        return []
    policy = counts.get("policy") or {}
    lines = []
    for rule, key, how in (
        ("leakage", "exact", ""),
        ("rc_leakage", "reverse_complement", "reverse complements of "),
    ):
        for pair, n in (counts.get(key) or {}).items():
            if n and policy.get(rule) == "warn":
                earlier, later = pair.split("-")
                lines.append(
                    f"data warning: {task}: {n} {later} rows are {how}{earlier} sequences, "
                    f"kept (data.policy.{rule}=warn)"
                )
    if policy.get("single_class") == "warn":
        lines += [
            f"data warning: {task}: the {split} split is near single-class "
            f"({counts['majority_share'][split]:.0%} one class)"
            for split in counts.get("near_single_class") or []
        ]
    return lines


def warn_lines(record: dict) -> list[str]:
    """One line per split whose rows the ``warn`` policy changed, with the counts."""
    data = record.get("data") or {}
    overrides = ((record.get("config") or {}).get("data") or {}).get("policy") or {}
    actions = {**DEFAULTS, **overrides}
    lines = []
    for split, counts in (data.get("validation") or {}).items():
        if split == "leakage":
            lines += _leakage_lines(record.get("task"), counts, actions)
            continue
        changed = [
            f"{counts[rule]} {WARN_EFFECT[rule]}"
            for rule in WARN_EFFECT
            if counts.get(rule) and actions.get(rule) == "warn"
        ]
        if changed:
            lines.append(
                f"data warning: {record.get('task')} {split}: {', '.join(changed)} "
                f"(rows {counts.get('rows_in')} -> {counts.get('rows_out')}; data.policy=warn)"
            )
    return lines
