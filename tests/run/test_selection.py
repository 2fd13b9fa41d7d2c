"""No test-split number influences selection: weights are chosen on validation, test is scored once.

The fixture makes the best validation epoch (2) differ from the best test epoch (3): ``predict``
is wrapped so that the quality of its output depends on which epoch's weights are loaded (found
by a fingerprint of the state dict) and on the split. A harness that selected on test, or scored
test more than once, would report the epoch-3 test number or more than one test call.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import findna_bench.run.runner as runner_mod
import findna_bench.run.train as train_mod
from findna_bench.run.config import resolve
from findna_bench.run.runner import RunContext, run_one
from findna_bench.runspec import RunSpec

VALID_QUALITY = [0.60, 0.90, 0.70]  # best on validation: epoch 2
TEST_QUALITY = [0.60, 0.70, 0.95]  # best on test: epoch 3


def fingerprint(model: torch.nn.Module) -> tuple:
    return tuple(round(float(t.float().sum()), 5) for t in model.state_dict().values())


def probs_with_accuracy(labels: np.ndarray, quality: float, classes: int = 2) -> np.ndarray:
    right = np.random.default_rng(0).random(len(labels)) < quality
    pred = np.where(right, labels, (labels + 1) % classes)
    return np.eye(classes, dtype=np.float32)[pred]


@pytest.fixture()
def instrumented(monkeypatch, registry, catalog, data_root):
    def setup(selection: str):
        overrides = {
            "finetune": {"epochs": 3, "max_train": 128, "max_valid": 200, "selection": selection}
        }
        cfg = resolve(registry, "cnn", "gue/prom_core_tata", "smoke", overrides)
        spec = RunSpec(model="cnn", task="gue/prom_core_tata", seed=0, profile="smoke", config=cfg)
        hook = type("Hooks", (), {"__getattr__": lambda self, name: lambda **kw: None})()
        ctx = RunContext(
            catalog=catalog,
            hook=hook,
            data_root=data_root,
            device=torch.device("cpu"),
            cache_dir=data_root,  # never written: no model here pretrains
        )
        task = catalog.get("task", spec.task).factory()
        test_split = ctx.task_data(task, cfg)[1]["test"]
        states: list[tuple] = []
        calls: list[str] = []

        def fake_predict(model, data, **kwargs):
            key = fingerprint(model)
            if data is test_split:
                calls.append("test")
                return probs_with_accuracy(data.labels.numpy(), TEST_QUALITY[states.index(key)])
            calls.append("valid")
            if key not in states:
                states.append(key)
            return probs_with_accuracy(data.labels.numpy(), VALID_QUALITY[states.index(key)])

        monkeypatch.setattr(train_mod, "predict", fake_predict)
        monkeypatch.setattr(runner_mod, "predict", fake_predict)
        return run_one(spec, ctx), calls, test_split

    return setup


def test_best_valid_epoch_is_selected_and_test_scored_once(instrumented):
    record, calls, test_split = instrumented("best-valid")
    assert calls == ["valid", "valid", "valid", "test"]
    assert record["best_epoch"] == 2.0
    labels = test_split.labels.numpy()
    epoch2 = probs_with_accuracy(labels, TEST_QUALITY[1]).argmax(1)
    epoch3 = probs_with_accuracy(labels, TEST_QUALITY[2]).argmax(1)
    assert record["metrics"]["test"]["accuracy"] == pytest.approx(float((epoch2 == labels).mean()))
    assert record["metrics"]["test"]["accuracy"] < float((epoch3 == labels).mean())
    assert record["metrics"]["valid"]["accuracy"] == max(c["accuracy"] for c in record["curve"])
    assert record["protocol"]["selection"].startswith("best evaluation: highest validation mcc")
    assert record["protocol"]["test"] == "scored once, after training, with the selected weights"


def test_last_epoch_rule_keeps_the_final_weights(instrumented):
    record, calls, test_split = instrumented("last-epoch")
    assert calls.count("test") == 1 and calls[-1] == "test"
    assert record["best_epoch"] == 3.0
    labels = test_split.labels.numpy()
    epoch3 = probs_with_accuracy(labels, TEST_QUALITY[2]).argmax(1)
    assert record["metrics"]["test"]["accuracy"] == pytest.approx(float((epoch3 == labels).mean()))
    assert record["protocol"]["selection"].startswith("last evaluation (at most 3 epochs")
