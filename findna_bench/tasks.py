"""The loader shared by table-based benchmarks (the ``Task`` contract is in ``types.py``).

A task plugin registers ``factory(**kw) -> Task``. ``load_splits`` turns split files into a
``TaskData``: validated sequences, integer labels, the declared protocol (which split selects,
which split is scored), file checksums and the validation summary. When a benchmark has no
validation split, a seeded, stratified share of train is carved off and the carve is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from findna_bench.data import checksums, leakage, tables
from findna_bench.data import policy as policy_mod
from findna_bench.errors import DataError, DataUnavailable
from findna_bench.types import Split, Task, TaskData

SPLITS = ("train", "valid", "test")


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
    reader: Callable[[Path], Sequence[tuple[int | str, str, int]]] = tables.read_rows,
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
        path = files.get(split)
        if path is not None:
            out[split], summary[split] = read_split(path, task, policy, reader)
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
    """Audit the splits for leakage (``data.leakage``), apply each rule's action (in place) and
    return the record's block: every count, the action per rule, and the rows ``fix`` dropped.

    ``train_test_duplicates`` (distinct sequences in both train and test) keeps its meaning
    from before the audit; the audit's own counts are rows of the later split of each pair.
    """
    seqs = {s: splits[s].sequences for s in leakage.ORDER if s in splits}
    marks = leakage.mark(seqs)
    found = leakage.audit(seqs, {s: splits[s].labels for s in seqs}, marks)
    for rule, what in found.breaches():
        if policy[rule] == "error":
            fix = "|fix" if rule in leakage.FIXABLE else ""
            raise DataError(f"{name}: {what}; set data.policy.{rule}=warn{fix} to proceed")
    block = {
        "train_test_duplicates": found.shared.get("train-test", 0),
        "policy": {rule: policy[rule] for rule in leakage.RULES},
        **found.as_dict(),
    }
    dropped = {}
    for split in ("valid", "test"):
        if split in splits:
            dropped[split] = _drop_flagged(name, splits, split, marks, policy)
    block["dropped"] = dropped
    return block


def _drop_flagged(
    name: str, splits: dict[str, Split], split: str, marks: leakage.Marks, policy
) -> dict:
    """Drop the rows of ``split`` that a rule set to ``fix`` flags; ``{rule: rows, "rows": n}``."""
    counts, drop = {}, [False] * len(splits[split].sequences)
    for rule in leakage.FIXABLE:
        flagged = marks.flagged(rule, split) if policy[rule] == "fix" else None
        if flagged:
            counts[rule] = sum(flagged)
            drop = [a or b for a, b in zip(drop, flagged)]
    counts["rows"] = sum(drop)
    if counts["rows"]:
        old = splits[split]
        keep = [i for i, gone in enumerate(drop) if not gone]
        if not keep:
            raise DataError(
                f"{name}: data.policy fixes drop every {split} row; set the leakage rules to warn"
            )
        splits[split] = Split(
            sequences=[old.sequences[i] for i in keep], labels=old.labels[keep], source=old.source
        )
    return counts
