"""The GUE loader on the real shared data: sizes, classes, protocol and checksums."""

from __future__ import annotations

import json

from findna_bench.data.policy import Policy


def test_tf_0_matches_the_data_manifest(catalog, data_root):
    task = catalog.build("task", "gue/tf_0")
    data = task.load(data_root, policy=Policy.from_config({}), valid_fraction=0.1, carve_seed=0)
    sizes = {k: len(v.labels) for k, v in data.splits.items()}
    assert sizes == {"train": 32378, "valid": 1000, "test": 1000}
    assert data.splits["test"].labels.sum() == 500 and data.classes == ["0", "1"]
    assert data.protocol["valid"].endswith("gue/tf_0/dev.csv.gz")
    manifest = {
        e["path"]: e["sha256"]
        for e in json.loads((data_root / "manifest.json").read_text())
        if not e.get("missing")
    }
    for path, digest in data.files.items():
        assert manifest[str(path).split(str(data_root) + "/")[1]] == digest
    assert (
        data.validation["train"]["rows_out"] == 32378
        and data.validation["leakage"]["train_test_duplicates"] >= 0
    )


def test_n_rows_pass_and_unavailable_tasks_are_detected(catalog, data_root):
    prom = catalog.build("task", "gue/prom_300_all").split_files(data_root)
    assert prom["train"] is None and prom["valid"] is not None and prom["test"] is not None
    assert catalog.build("task", "gue/virus_covid").split_files(data_root) == {
        "train": None,
        "valid": None,
        "test": None,
    }
    assert catalog.build("task", "gue/virus_covid").metrics[0] == "f1_macro"
