"""The hierarchical bootstrap, multiplicity adjustment and Monte-Carlo error on known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from findna_bench.results import multiplicity, report_compare, resample, stats


def runs(n: int, accuracies: list[float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and one run per accuracy, each right on about that fraction of ``n`` examples."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    preds = np.array([np.where(rng.random(n) < acc, labels, 1 - labels) for acc in accuracies])
    return labels, np.eye(2)[preds]


def test_pattern_counts_resample_like_drawn_indices():
    labels, probs = runs(500, [0.8, 0.7, 0.6], seed=0)
    preds = probs.argmax(-1)

    def accuracy_by_hand(y, p, s):  # not a builtin: the index path
        return float(np.mean(y == p))

    from findna_bench.builtins.metrics import accuracy

    rng = np.random.default_rng(1)
    fast = resample.example_scores(labels, probs, preds, accuracy, 4000, rng)
    slow = resample.example_scores(labels, probs, preds, accuracy_by_hand, 4000, rng)
    assert np.allclose(fast.mean(0), slow.mean(0), atol=0.002)
    assert np.allclose(fast.std(0), slow.std(0), rtol=0.08)
    assert np.allclose(np.corrcoef(fast.T), np.corrcoef(slow.T), atol=0.05)  # one shared draw


def test_confusion_forms_equal_scikit_learn_on_explicit_resamples():
    from findna_bench.builtins import metrics

    rng = np.random.default_rng(0)
    labels, pred = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    for metric in (stats.mcc, metrics.mcc, metrics.accuracy, metrics.f1_macro, metrics.f1_micro):
        batch = resample.batch_form(metric)
        assert batch is not None, metric.__name__
        for i in rng.integers(0, 200, size=(5, 200)):
            cm = np.zeros((1, 3, 3))
            np.add.at(cm[0], (labels[i], pred[i]), 1)
            assert math.isclose(
                batch(cm)[0], metric(labels[i], pred[i], np.eye(3)[pred[i]]), abs_tol=1e-12
            )


def test_identical_models_have_no_significant_difference():
    labels, probs = runs(400, [0.8, 0.7, 0.75], seed=2)
    result = stats.paired_bootstrap(labels, probs, probs, stats.mcc, n_boot=2000)
    assert result.difference == 0 and result.low < 0 < result.high and result.p_value > 0.5
    one = stats.paired_bootstrap(labels, probs[:1], probs[:1], stats.mcc, n_boot=500)
    assert (one.p_value, one.low, one.high, one.mc_error) == (1.0, 0.0, 0.0, 0.0)


def test_better_on_every_example_is_significant_at_the_floor():
    labels, good = runs(300, [1.0, 1.0, 1.0], seed=3)
    _, bad = runs(300, [0.6, 0.65, 0.7], seed=4)
    result = stats.paired_bootstrap(labels, good, bad, stats.mcc, n_boot=999)
    assert result.p_value == pytest.approx(2 / 1000) and result.low > 0.3


def test_seed_variance_widens_the_interval_beyond_examples_only():
    labels, a = runs(2000, [0.6, 0.8, 0.95], seed=5)  # seeds far apart
    _, b = runs(2000, [0.74, 0.75, 0.76], seed=6)
    args = dict(n_boot=2000, seed=7)
    both = stats.paired_bootstrap(labels, a, b, stats.mcc, **args)
    examples = stats.paired_bootstrap(labels, a, b, stats.mcc, resample_seeds=False, **args)
    assert both.high - both.low > 3 * (examples.high - examples.low)
    assert examples.p_value < 0.01 and both.p_value > 0.05  # seed variance hides it
    assert both.method.startswith("hierarchical") and examples.method.startswith("paired")


def test_different_seed_counts_pair_on_examples_and_name_a_single_seed():
    labels, a = runs(300, [0.8], seed=8)
    _, b = runs(300, [0.7, 0.72, 0.71, 0.69], seed=9)
    result = stats.paired_bootstrap(labels, a, b, stats.mcc, n_boot=500)
    assert result.method == "hierarchical bootstrap (one seed of A: no seed variance)"
    assert result.low <= result.difference <= result.high and len(result.draws) == 500


def test_monte_carlo_error_matches_the_spread_of_p_over_bootstrap_seeds():
    labels, a = runs(400, [0.75, 0.74], seed=10)
    _, b = runs(400, [0.72, 0.73], seed=11)
    found = [stats.paired_bootstrap(labels, a, b, stats.mcc, n_boot=400, seed=s) for s in range(30)]
    p = np.array([f.p_value for f in found])
    assert 0.05 < p.mean() < 0.95  # a p in the middle, where its error is largest
    assert 0.6 < p.std() / np.mean([f.mc_error for f in found]) < 1.5


def test_two_sided_p_and_its_error():
    assert stats.two_sided(np.ones(99)) == (pytest.approx(0.02), pytest.approx(2 * 0.1 / 10))
    p, error = stats.two_sided(np.linspace(-1, 1, 1001))  # symmetric around 0
    assert p == 1.0 and error == pytest.approx(2 * math.sqrt(0.25 / 1001), rel=0.01)


def test_holm_and_benjamini_hochberg_hand_cases():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # Holm: sorted 0.005 x4, 0.01 x3, 0.03 x2, 0.04 x1, then running maximum
    assert np.allclose(multiplicity.adjust(p, "holm")[:4], [0.03, 0.06, 0.06, 0.02])
    # BH: p x 4 / rank (0.02, 0.02, 0.04, 0.04), running minimum from the largest
    assert np.allclose(multiplicity.adjust(p, "bh")[:4], [0.02, 0.04, 0.04, 0.02])
    assert math.isnan(multiplicity.adjust(p, "holm")[4])
    assert np.array_equal(multiplicity.adjust(p, "none")[:4], p[:4])
    assert multiplicity.adjust([0.6, 0.9], "holm").tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="unknown adjustment 'bonf'"):
        multiplicity.adjust(p, "bonf")


def test_fragile_when_the_monte_carlo_band_straddles_alpha():
    errors = [0.002, 0.0001, 0.01]
    # Holm doubles the middle p: 2 x (0.016 +- 0.004) = 0.024 .. 0.040, always below 0.05
    assert multiplicity.fragile([0.016, 0.0001, 0.5], errors, "holm", 0.05).tolist() == [
        False,
        False,
        False,
    ]
    # 2 x (0.025 +- 0.004) = 0.042 .. 0.058: another bootstrap seed may flip it
    assert multiplicity.fragile([0.025, 0.0001, 0.5], errors, "holm", 0.05).tolist() == [
        True,
        False,
        False,
    ]
    assert not multiplicity.fragile([0.025], [0.002], "none", 0.05)[0]  # 0.021 .. 0.029


def test_task_mean_resamples_tasks_and_uses_point_values_without_draws():
    same = stats.task_mean([0.02, 0.02, 0.02], [None, None, None], n_boot=999)
    assert (same.difference, same.low, same.high) == (0.02, 0.02, 0.02)
    assert same.p_value == pytest.approx(2 / 1000)
    rng = np.random.default_rng(0)
    spread = stats.task_mean(
        [0.05, -0.04, 0.01], [0.05 + 0.01 * rng.standard_normal(2000), None, None], n_boot=2000
    )
    assert spread.low < 0 < spread.high and spread.p_value > 0.2
    assert math.isclose(spread.difference, 0.02 / 3)


def test_nemenyi_fragile_names_the_task_that_decides_a_pair():
    # a beats c on 6 of 7 tasks (ranks 9/7 and 19/7, CD 1.25); without one of those six they
    # are 4/3 apart and the CD for 6 tasks is 1.35: the pair is no longer separated
    scores = np.array(
        [
            [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9],
        ]
    )
    ranks = stats.average_ranks(scores)
    cd = stats.nemenyi_cd(3, 7)
    assert ranks[2] - ranks[0] == pytest.approx(10 / 7) and cd < 10 / 7  # a and c apart
    fragile = stats.nemenyi_fragile(scores)
    assert fragile == [(0, 2, t) for t in range(6)]
    tasks = [f"t{t}" for t in range(7)]
    assert report_compare.fragile_edges(["a", "b", "c"], tasks, scores, [True] * 7) == (
        "Leave-one-task-out, fragile pairs: a – c (apart; changes without t0, t1, t2, t3, t4, t5)."
    )
    assert stats.nemenyi_fragile(np.array([[0.9] * 8, [0.5] * 8, [0.1] * 8])) == []
