"""Stored test-split predictions: one compact ``<key>.<sha12>.preds.npz`` beside each record.

A run's class probabilities are kept as float16 (half the size of float32; enough for any
bootstrap statistic), with the integer labels and the predicted class taken from the
full-precision probabilities, so metrics recomputed from the file equal the record's exactly
even where float16 rounding would tie two classes. The file is written atomically (temp file +
``os.replace``) and the record keeps its name and sha256 (``save`` returns that block), so every
statistic is computed post hoc from the results store, and a file that does not match its record
is refused by ``load`` with a message naming it. The name carries the first 12 hex digits of
the file's sha256, so a rerun's record (written beside the first one) gets its own file and no
file is ever overwritten by different content.

The runner hands the arrays to the suite under ``PENDING`` in the record it returns; ``attach``
saves them and replaces them with the record's ``predictions`` block before the record is
written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from findna_bench.data import checksums
from findna_bench.errors import DataError
from findna_bench.file_modes import as_new_file
from findna_bench.results.store_io import unwritable

SUFFIX = ".preds.npz"
PENDING = "_test_predictions"  # (probs, labels) in a record the runner returns, not yet saved


class Predictions(NamedTuple):
    """A run's test split: probabilities ``[N, C]`` (float32), labels ``[N]`` and predictions ``[N]``."""

    probs: np.ndarray
    labels: np.ndarray
    pred: np.ndarray


def sha256(path: Path) -> str:
    """The file's sha256, always read afresh (a stored file is checked against its record)."""
    return checksums.sha256(path, cached=False)


def _check_shapes(probs: np.ndarray, labels: np.ndarray) -> None:
    if probs.ndim != 2 or labels.ndim != 1 or len(probs) != len(labels):
        raise ValueError(
            f"predictions: probs must be [N, C] and labels [N]; got {probs.shape} "
            f"and {labels.shape}"
        )


def save(results_root: Path, run_id: str, probs: np.ndarray, labels: np.ndarray) -> dict:
    """Write ``<results_root>/<run_id>.<sha12>.preds.npz`` atomically; return the record's
    block ``{"file", "sha256", "rows", "classes"}``. ``run_id`` may be any stem (a store key)."""
    probs, labels = np.asarray(probs), np.asarray(labels)
    _check_shapes(probs, labels)
    root = Path(results_root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-", suffix=SUFFIX)
    except OSError as exc:
        raise unwritable(root / f"{run_id}.<sha12>{SUFFIX}", exc) from None
    try:
        as_new_file(fd)
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(
                handle,
                probs=probs.astype(np.float16),
                labels=labels.astype(np.int32),
                pred=probs.argmax(-1).astype(np.int32),
            )
            handle.flush()
            os.fsync(handle.fileno())
        digest = sha256(Path(tmp))
        name = f"{run_id}.{digest[:12]}{SUFFIX}"
        os.replace(tmp, root / name)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # disk full, quota: one line naming the file
            raise unwritable(root / f"{run_id}.<sha12>{SUFFIX}", exc) from None
        raise
    return {"file": name, "sha256": digest, "rows": len(labels), "classes": int(probs.shape[1])}


def attach(record: dict, results_root: Path, stem: str) -> dict:
    """Save the predictions a runner left under ``PENDING`` (if any) and put the file's block
    in the record as ``predictions``; returns the record."""
    pending = record.pop(PENDING, None)
    if pending is not None:
        record["predictions"] = save(results_root, stem, *pending)
    return record


def locate(results_root: Path, name: str) -> Path:
    """The file beside its record: directly under the root, or in a sub-folder (merged stores).
    ``name`` comes from a record, so it must be a bare ``.preds.npz`` file name: a path could
    point outside the results folder."""
    root = Path(results_root)
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(SUFFIX):
        raise DataError(
            f"predictions.file {name!r} in a record under {root} is not a {SUFFIX} file name "
            "beside the record; refused (the record was edited or is not findna-bench's)"
        )
    direct = root / name
    if direct.is_file():
        return direct
    found = sorted(root.rglob(name)) if root.is_dir() else []
    if not found:
        raise DataError(
            f"{direct}: stored predictions not found; copy the .preds.npz files "
            "together with their records"
        )
    return found[0]


def load(results_root: Path, record: dict) -> Predictions:
    """The predictions of a record, after checking the file's sha256, rows and classes."""
    block = record.get("predictions")
    if not block:
        raise DataError(f"record {record.get('run_id')} has no stored predictions")
    path = locate(results_root, block["file"])
    if sha256(path) != block["sha256"]:
        raise DataError(
            f"{path}: checksum does not match its record {record.get('run_id')} "
            "(file changed or replaced); re-run that run or restore the file"
        )
    with np.load(path) as data:
        probs = data["probs"].astype(np.float32)
        labels, pred = data["labels"].astype(np.int64), data["pred"].astype(np.int64)
    if probs.shape != (block["rows"], block["classes"]):
        raise DataError(
            f"{path}: holds {probs.shape} predictions, the record says "
            f"{block['rows']} x {block['classes']}"
        )
    return Predictions(probs=probs, labels=labels, pred=pred)
