"""The validation carve (for benchmarks without a dev split) is stratified and reproducible."""

from __future__ import annotations

from collections import Counter

import numpy as np

from findna_bench.data.policy import Policy
from findna_bench.results.protocol import declared
from findna_bench.run.config import resolve
from findna_bench.tasks import carve, load_splits


def test_carve_is_stratified_disjoint_and_seeded():
    labels = np.array([0] * 700 + [1] * 200 + [2] * 100)
    np.random.default_rng(3).shuffle(labels)
    train, valid = carve(labels, 0.1, seed=7)
    assert set(train).isdisjoint(valid) and len(train) + len(valid) == len(labels)
    assert Counter(labels[valid].tolist()) == {0: 70, 1: 20, 2: 10}
    again_train, again_valid = carve(labels, 0.1, seed=7)
    assert np.array_equal(valid, again_valid) and np.array_equal(train, again_train)
    assert not np.array_equal(valid, carve(labels, 0.1, seed=8)[1])


def test_real_task_without_dev_gets_a_recorded_carve(catalog, registry, data_root):
    task = catalog.get("task", "gue/prom_core_tata").factory()
    files = {**task.split_files(data_root), "valid": None}  # as if the benchmark had no dev split
    policy = Policy.from_config({})
    data = load_splits(task, files, policy=policy, valid_fraction=0.1, carve_seed=0)
    train, valid = data.splits["train"], data.splits["valid"]
    total = len(train.labels) + len(valid.labels)
    assert total == 4904 and len(valid.labels) == 491
    for cls in (0, 1):  # class shares equal to within one row
        share = (train.labels == cls).sum() + (valid.labels == cls).sum()
        assert abs((valid.labels == cls).sum() - 0.1 * share) <= 1
    same = load_splits(task, files, policy=policy, valid_fraction=0.1, carve_seed=0)
    assert same.splits["valid"].sequences == valid.sequences
    other = load_splits(task, files, policy=policy, valid_fraction=0.1, carve_seed=1)
    assert other.splits["valid"].sequences != valid.sequences
    # the record's protocol block states the carve
    cfg = resolve(registry, "cnn", "gue/prom_core_tata", "smoke")
    block = declared(cfg, main_metric="mcc", data_protocol=data.protocol)
    assert block["valid"].startswith("carved from train: 10%, stratified by label, seed 0")
    with_dev = load_splits(
        task, task.split_files(data_root), policy=policy, valid_fraction=0.1, carve_seed=0
    )
    assert declared(cfg, main_metric="mcc", data_protocol=with_dev.protocol)["valid"].startswith(
        "dev: "
    )
