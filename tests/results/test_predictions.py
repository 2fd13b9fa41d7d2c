"""Stored predictions: compact, atomic, checksummed, and refused when they do not match."""

from __future__ import annotations

import numpy as np
import pytest

from findna_bench.errors import DataError
from findna_bench.results import predictions


def test_round_trip_keeps_labels_and_full_precision_argmax(tmp_path):
    probs = np.array([[0.50012, 0.49988], [0.2, 0.8], [0.9, 0.1]], dtype=np.float32)
    labels = np.array([0, 1, 1])
    block = predictions.save(tmp_path, "run1", probs, labels)
    assert (
        block["file"] == f"run1.{block['sha256'][:12]}.preds.npz"
        and block["rows"] == 3
        and block["classes"] == 2
    )
    assert len(block["sha256"]) == 64 and not list(tmp_path.glob(".tmp-*"))
    loaded = predictions.load(tmp_path, {"run_id": "run1", "predictions": block})
    assert np.allclose(loaded.probs, probs, atol=1e-3) and loaded.probs.dtype == np.float32
    assert loaded.labels.tolist() == [0, 1, 1] and loaded.pred.tolist() == [0, 1, 0]
    assert tuple(loaded)[1] is loaded.labels  # a plain tuple too


def test_found_in_a_sub_folder_of_a_merged_store(tmp_path):
    block = predictions.save(tmp_path / "machine2", "r", np.eye(2), np.array([0, 1]))
    assert predictions.load(tmp_path, {"run_id": "r", "predictions": block}).labels.tolist() == [
        0,
        1,
    ]


def test_a_rerun_gets_its_own_file_and_a_changed_file_is_refused(tmp_path):
    block = predictions.save(tmp_path, "r", np.eye(2), np.array([0, 1]))
    again = predictions.save(tmp_path, "r", np.eye(2)[::-1], np.array([0, 1]))
    assert again["file"] != block["file"] and len(list(tmp_path.glob("*.preds.npz"))) == 2
    (tmp_path / block["file"]).write_bytes((tmp_path / again["file"]).read_bytes())
    with pytest.raises(DataError, match=rf"{block['file']}: checksum does not match"):
        predictions.load(tmp_path, {"run_id": "r", "predictions": block})


def test_attach_saves_what_the_runner_left_and_nothing_otherwise(tmp_path):
    record = {"run_id": "r", predictions.PENDING: (np.eye(3), np.array([0, 1, 2]))}
    predictions.attach(record, tmp_path, "r__code-abc")
    assert predictions.PENDING not in record and record["predictions"]["rows"] == 3
    assert record["predictions"]["file"].startswith("r__code-abc.")
    failed = predictions.attach({"run_id": "f", "status": "failed"}, tmp_path, "f")
    assert "predictions" not in failed


def test_missing_file_and_missing_block_are_clear(tmp_path):
    with pytest.raises(DataError, match="no stored predictions"):
        predictions.load(tmp_path, {"run_id": "r"})
    block = {"file": "gone.preds.npz", "sha256": "0" * 64, "rows": 1, "classes": 2}
    with pytest.raises(DataError, match=r"gone.preds.npz: stored predictions not found"):
        predictions.load(tmp_path, {"run_id": "r", "predictions": block})


def test_bad_shapes_are_refused(tmp_path):
    with pytest.raises(ValueError):
        predictions.save(tmp_path, "r", np.eye(2), np.array([0, 1, 1]))
