"""Stored predictions: compact, atomic, checksummed, and refused when they do not match."""

from __future__ import annotations

import numpy as np
import pytest

from findna_bench import predictions
from findna_bench.errors import DataError


def test_round_trip_keeps_labels_and_full_precision_argmax(tmp_path):
    probs = np.array([[0.50012, 0.49988], [0.2, 0.8], [0.9, 0.1]], dtype=np.float32)
    labels = np.array([0, 1, 1])
    block = predictions.save(tmp_path, "run1", probs, labels)
    assert block["file"] == "run1.preds.npz" and block["rows"] == 3 and block["classes"] == 2
    assert len(block["sha256"]) == 64 and not list(tmp_path.glob(".tmp-*"))
    loaded = predictions.load(tmp_path, {"run_id": "run1", "predictions": block})
    assert np.allclose(loaded.probs, probs, atol=1e-3) and loaded.probs.dtype == np.float32
    assert loaded.labels.tolist() == [0, 1, 1] and loaded.pred.tolist() == [0, 1, 0]
    assert tuple(loaded)[1] is loaded.labels  # a plain tuple too


def test_found_in_a_sub_folder_of_a_merged_store(tmp_path):
    block = predictions.save(tmp_path / "machine2", "r", np.eye(2), np.array([0, 1]))
    assert predictions.load(tmp_path, {"run_id": "r", "predictions": block}).labels.tolist() == [0, 1]


def test_checksum_mismatch_names_the_file(tmp_path):
    block = predictions.save(tmp_path, "r", np.eye(2), np.array([0, 1]))
    predictions.save(tmp_path, "r", np.eye(2)[::-1], np.array([0, 1]))  # replaced behind the record
    with pytest.raises(DataError, match=r"r\.preds\.npz: checksum does not match"):
        predictions.load(tmp_path, {"run_id": "r", "predictions": block})


def test_missing_file_and_missing_block_are_clear(tmp_path):
    with pytest.raises(DataError, match="no stored predictions"):
        predictions.load(tmp_path, {"run_id": "r"})
    block = {"file": "gone.preds.npz", "sha256": "0" * 64, "rows": 1, "classes": 2}
    with pytest.raises(DataError, match="gone.preds.npz: stored predictions not found"):
        predictions.load(tmp_path, {"run_id": "r", "predictions": block})


def test_bad_shapes_are_refused(tmp_path):
    with pytest.raises(ValueError):
        predictions.save(tmp_path, "r", np.eye(2), np.array([0, 1, 1]))
