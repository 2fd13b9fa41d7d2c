"""Step budgets and early stopping: what is planned, when validation runs, why training stops.

The loop is the real one on a real GUE task; ``predict`` is scripted so that the validation
curve is known in advance (e.g. it plateaus after the second evaluation).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import findna_bench.run.train as train_mod
from findna_bench.model import SequenceClassifier
from findna_bench.run.budget import STOP_EPOCHS, STOP_PATIENCE, STOP_STEPS, Budget, EarlyStopping
from findna_bench.run.config import ENGINE_DEFAULTS
from findna_bench.run.train import Encoded, finetune


def ft(**over) -> dict:
    return {**ENGINE_DEFAULTS["finetune"], "amp": False, "batch_size": 10, **over}


def test_plan_takes_the_smaller_of_epochs_and_max_steps():
    by_epochs = Budget.plan(ft(epochs=3), train_rows=95)  # 10 steps an epoch
    assert (by_epochs.planned_steps, by_epochs.bound) == (30, STOP_EPOCHS)
    assert by_epochs.eval_steps == {10, 20, 30}
    by_steps = Budget.plan(ft(epochs=100, max_steps=25, eval_every=10), train_rows=95)
    assert (by_steps.planned_steps, by_steps.bound) == (25, STOP_STEPS)
    assert by_steps.eval_steps == {10, 20, 25}  # the last planned step is always scored


def test_evals_per_epoch_spreads_evaluations_inside_each_epoch():
    budget = Budget.plan(ft(epochs=2, evals_per_epoch=2), train_rows=100)
    assert budget.eval_steps == {5, 10, 15, 20}


def test_patience_counts_evaluations_without_improvement_beyond_min_delta():
    stopper = EarlyStopping(Budget.plan(ft(patience=2, min_delta=0.01), 100), higher_is_better=True)
    assert stopper.observe(0.5) and not stopper.should_stop(1)
    assert stopper.observe(0.505)  # a new best for selection, but within min_delta: stale 1
    assert not stopper.observe(float("nan"))  # NaN is never an improvement: stale 2
    assert stopper.should_stop(3)


def test_lower_is_better_metrics_improve_downwards():
    stopper = EarlyStopping(Budget.plan(ft(patience=1), 100), higher_is_better=False)
    assert stopper.observe(1.0) and stopper.observe(0.5) and not stopper.observe(0.7)
    assert stopper.should_stop(10)


def test_min_steps_holds_off_the_early_stop():
    stopper = EarlyStopping(Budget.plan(ft(patience=1, min_steps=50), 100), higher_is_better=True)
    stopper.observe(0.9)
    stopper.observe(0.1)
    assert not stopper.should_stop(40) and stopper.should_stop(50)


@pytest.fixture()
def scripted(monkeypatch, catalog, data_root):
    """``scripted(curve, **finetune)`` runs the real loop on gue/mouse_2 with validation
    accuracies taken from ``curve`` in order, and returns the result and the call count."""
    task = catalog.get("task", "gue/mouse_2").factory()
    from findna_bench.data.policy import Policy

    data = task.load(data_root, policy=Policy.from_config({}), valid_fraction=0.1, carve_seed=0)
    train = Encoded.from_split(
        data.splits["train"].sequences[:200], data.splits["train"].labels[:200]
    )
    valid = Encoded.from_split(
        data.splits["valid"].sequences[:50], data.splits["valid"].labels[:50]
    )

    def run(curve: list[float], **over):
        calls = []

        def fake_predict(model, split, **kwargs):
            quality = curve[len(calls)]
            calls.append(quality)
            labels = split.labels.numpy()
            right = np.random.default_rng(0).random(len(labels)) < quality
            return np.eye(2, dtype=np.float32)[np.where(right, labels, 1 - labels)]

        monkeypatch.setattr(train_mod, "predict", fake_predict)
        torch.manual_seed(0)
        backbone = catalog.get("backbone", "cnn").factory(embed_dim=4, channels=[4, 4, 4])
        model = SequenceClassifier(backbone, 2)
        metrics = {"accuracy": catalog.get("metric", "accuracy").factory}
        result = finetune(
            model,
            train,
            valid,
            cfg=ft(**over),
            metrics=metrics,
            main_metric="accuracy",
            higher_is_better=True,
            device=torch.device("cpu"),
            seed=0,
        )
        return result, calls

    return run


def test_a_plateaued_curve_stops_at_patience_and_keeps_the_best(scripted):
    curve = [0.6, 0.9, 0.7, 0.7, 0.7, 0.95, 0.95]
    result, calls = scripted(curve, epochs=50, eval_every=4, patience=3)
    assert len(calls) == 5  # best at evaluation 2, then 3 without improvement
    assert result.stop_reason == STOP_PATIENCE
    assert result.steps == 20 and result.planned_steps == 50 * 20
    assert result.best_step == 8
    assert [p["step"] for p in result.curve] == [4, 8, 12, 16, 20]


def test_the_step_budget_is_honoured_and_named(scripted):
    result, _calls = scripted(
        [0.1 * i for i in range(10)], epochs=50, max_steps=7, eval_every=3, patience=2
    )
    assert result.steps == result.planned_steps == 7
    assert result.stop_reason == STOP_STEPS
    assert [p["step"] for p in result.curve] == [3, 6, 7]


def test_running_out_of_epochs_is_named(scripted):
    result, _ = scripted([0.1 * i for i in range(10)], epochs=2)
    assert (result.steps, result.stop_reason) == (40, STOP_EPOCHS)
