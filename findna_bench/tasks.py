"""The loader shared by table-based benchmarks (the ``Task`` contract is in ``types.py``).

A task plugin registers ``factory(**kw) -> Task``. ``load_splits`` turns split files into a
``TaskData``: validated sequences, integer labels, the declared protocol (which split selects,
which split is scored), file checksums and the validation summary. When a benchmark has no
validation split, a seeded, stratified share of train is carved off and the carve is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from findna_bench.data import checksums, tables
from findna_bench.data import policy as policy_mod
from findna_bench.errors import DataError, DataUnavailable
from findna_bench.types import Task

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True, kw_only=True, slots=True)
class Split:
    sequences: list[str]
    labels: np.ndarray
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskData:
    splits: dict[str, Split]
    classes: list[str]
    protocol: dict
    files: dict[str, str] = field(default_factory=dict)
    validation: dict = field(default_factory=dict)


def carve(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded (train_idx, valid_idx) split of ``range(len(labels))``."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(labels))
    train_idx, valid_idx = train_test_split(
        index, test_size=fraction, random_state=seed, stratify=labels, shuffle=True
    )
    return np.sort(train_idx), np.sort(valid_idx)


def read_split(
    path: Path, task: Task, policy: policy_mod.Policy, reader: Callable
) -> tuple[Split, dict]:
    """One split file read and validated: (the split, its validation counts)."""
    classes = set(range(len(task.classes)))
    seqs, labels, counts = policy_mod.check_rows(
        reader(path), source=str(path), max_len=task.max_len, classes=classes, policy=policy
    )
    if not seqs:
        raise DataError(f"{path}: no usable rows after validation; check the file and data.policy")
    split = Split(sequences=seqs, labels=np.asarray(labels, dtype=np.int64), source=str(path))
    return split, counts


def carve_valid(splits: dict[str, Split], fraction: float, seed: int) -> str:
    """Replace train by its stratified carve into train and valid (in place); returns the
    protocol's description of the validation split."""
    train = splits["train"]
    tr, va = carve(train.labels, fraction, seed)
    splits["valid"] = Split(
        sequences=[train.sequences[i] for i in va],
        labels=train.labels[va],
        source=f"{train.source} (carved)",
    )
    splits["train"] = Split(
        sequences=[train.sequences[i] for i in tr], labels=train.labels[tr], source=train.source
    )
    return f"carved from train: {fraction:.0%}, stratified by label, seed {seed}"


def load_splits(
    task: Task,
    files: dict[str, Path | None],
    *,
    policy: policy_mod.Policy,
    valid_fraction: float,
    carve_seed: int,
    reader: Callable[[Path], list[tuple[int | str, str, int]]] = tables.read_rows,
) -> TaskData:
    """Read, validate and (when there is no validation file) carve the splits of a task.

    ``reader`` turns one split's path into ``(line or location, sequence, label)`` rows; the
    default reads ``sequence,label`` CSV files, a plugin passes its own for other layouts.
    """
    for split in ("train", "test"):
        if files.get(split) is None:
            raise DataUnavailable(
                f"{task.name}: no {split} split under the data root "
                f"(see `findna-bench data status`)"
            )
    out: dict[str, Split] = {}
    summary: dict[str, dict] = {}
    for split in SPLITS:
        if files.get(split) is not None:
            out[split], summary[split] = read_split(files[split], task, policy, reader)
    protocol = {
        "train": str(files["train"]),
        "test": str(files["test"]),
        "selection": "best epoch on the validation main metric; test scored once",
    }
    if "valid" in out:
        protocol["valid"] = str(files["valid"])
    else:
        protocol["valid"] = carve_valid(out, valid_fraction, carve_seed)
    summary["leakage"] = handle_leakage(task.name, out, policy)
    digests = {str(p): checksums.digest(p) for p in files.values() if p is not None}
    return TaskData(
        splits=out, classes=list(task.classes), protocol=protocol, files=digests, validation=summary
    )


def handle_leakage(name: str, splits: dict[str, Split], policy: policy_mod.Policy) -> dict:
    """Apply the leakage rule to train/test duplicates (in place) and return its summary."""
    shared = policy_mod.leakage(splits["train"].sequences, splits["test"].sequences)
    summary = {"train_test_duplicates": len(shared)}
    if shared:
        action = policy["leakage"]
        if action == "error":
            raise DataError(
                f"{name}: {len(shared)} sequences appear in both train and test; "
                "set data.policy.leakage=warn|fix to proceed"
            )
        if action == "fix":
            train = splits["train"]
            keep = [i for i, s in enumerate(train.sequences) if s not in shared]
            splits["train"] = Split(
                sequences=[train.sequences[i] for i in keep],
                labels=train.labels[keep],
                source=train.source,
            )
            summary["dropped_from_train"] = len(train.sequences) - len(keep)
    return summary
