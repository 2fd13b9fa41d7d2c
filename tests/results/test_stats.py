"""The statistics module against hand-computed cases (numpy/scipy only, seconds)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from findna_bench.results import stats


def synthetic(
    n: int, accuracy: float, seed: int, classes: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities of a classifier right on about ``accuracy`` of ``n`` examples."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    right = rng.random(n) < accuracy
    pred = np.where(right, labels, (labels + 1) % classes)
    probs = np.full((n, classes), 0.1 / (classes - 1))
    probs[np.arange(n), pred] = 0.9
    return labels, probs


def test_known_difference_is_detected():
    labels, good = synthetic(600, 0.9, seed=0)
    _, bad = synthetic(600, 0.7, seed=1)
    result = stats.paired_bootstrap(labels, [good, good], [bad, bad], stats.mcc, n_boot=500)
    assert result.difference > 0.3 and result.p_value < 0.05
    assert result.low <= result.difference <= result.high and result.low > 0


def test_identical_single_runs_give_zero_difference_and_p_one():
    labels, probs = synthetic(300, 0.8, seed=3)
    result = stats.paired_bootstrap(labels, probs, probs, stats.mcc, n_boot=300)
    assert result.difference == 0 and result.p_value == 1.0 and result.low == result.high == 0


def test_cell_ci_contains_the_mean_over_seeds():
    labels, a = synthetic(400, 0.8, seed=5)
    _, b = synthetic(400, 0.75, seed=6)
    ci = stats.cell_ci(labels, [a, b], stats.mcc, n_boot=400)
    mean = (stats.mcc(labels, a.argmax(1), a) + stats.mcc(labels, b.argmax(1), b)) / 2
    assert math.isclose(ci.estimate, mean) and ci.low < ci.estimate < ci.high
    assert ci.high - ci.low < 0.3 and (ci.n_seeds, ci.n_examples) == (2, 400)


def test_generic_metric_path_matches_point_estimate():
    labels, probs = synthetic(100, 0.8, seed=7)

    def brier(y, p, s):
        return float(-((s - np.eye(2)[y]) ** 2).sum(1).mean())

    ci = stats.cell_ci(labels, probs, brier, n_boot=50)
    assert ci.low <= ci.estimate <= ci.high


def test_seed_level_fallback():
    result = stats.seed_level([0.5, 0.52, 0.51], [0.3, 0.31, 0.29])
    assert math.isclose(result.difference, 0.21) and result.p_value < 0.01 and result.low > 0
    assert stats.seed_level([0.5, 0.5], [0.5, 0.5]).p_value == 1.0
    assert math.isnan(stats.seed_level([0.5], [0.4]).p_value)


def test_wilcoxon_all_zero_and_consistent_sign():
    assert stats.wilcoxon_tasks([0.0, 0.0, 0.0]).p_value == 1.0
    result = stats.wilcoxon_tasks([0.1, 0.2, 0.05, 0.3, 0.15, 0.12, 0.08])
    assert result.p_value == pytest.approx(2 / 2**7) and result.n == 7  # exact: all 7 positive


def test_average_ranks_ties_and_direction():
    scores = np.array([[0.9, 0.2], [0.9, 0.3], [0.5, 0.1]])  # models x tasks
    ranks = stats.task_ranks(scores, [True, False])  # task 2: lower is better
    assert ranks[:, 0].tolist() == [1.5, 1.5, 3.0] and ranks[:, 1].tolist() == [2.0, 3.0, 1.0]
    assert stats.average_ranks(scores, [True, False]).tolist() == [1.75, 2.25, 2.0]


def test_friedman_hand_case():
    # ranks per task (1 = best): A 1,1,1,2; B 2,2,2,1; C 3,3,3,3 -> mean ranks 1.25, 1.75, 3
    scores = np.array([[0.9, 0.9, 0.9, 0.8], [0.8, 0.8, 0.8, 0.9], [0.1, 0.2, 0.3, 0.4]])
    result = stats.friedman(scores)
    # chi2 = 12N/(k(k+1)) (sum R^2 - k(k+1)^2/4) = 4 (13.625 - 12) = 6.5; p = exp(-6.5/2)
    assert result.statistic == pytest.approx(6.5) and result.p_value == pytest.approx(
        math.exp(-3.25)
    )
    assert result.iman_davenport == pytest.approx(
        3 * 6.5 / (8 - 6.5)
    )  # (N-1)chi2 / (N(k-1) - chi2)
    assert result.ranks == [1.25, 1.75, 3.0]
    with pytest.raises(ValueError):
        stats.friedman(scores[:2])


def test_nemenyi_cd_matches_demsar_table():
    # Demšar 2006, Table 5: q_0.05 = 2.569 for k = 4; CD = 2.569 sqrt(4*5 / (6*13))
    assert stats.nemenyi_cd(4, 13) == pytest.approx(2.569 * math.sqrt(20 / 78), abs=1e-3)
    assert stats.nemenyi_cd(4, 13) == pytest.approx(1.301, abs=1e-3)
    assert stats.nemenyi_cd(2, 10) == pytest.approx(1.960 * math.sqrt(6 / 60), abs=1e-3)


def test_nemenyi_groups_are_maximal_runs():
    ranks = {"a": 1.0, "b": 1.5, "c": 2.2, "d": 3.9, "e": 4.0}
    assert stats.nemenyi_groups(ranks, cd=1.3) == [("a", "b", "c"), ("d", "e")]
    assert stats.nemenyi_groups(ranks, cd=0.05) == []
    assert stats.nemenyi_groups(ranks, cd=10) == [("a", "b", "c", "d", "e")]


def parse_svg(text: str):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"

    def of(kind: str, klass: str) -> list:
        return [e for e in root.iter(f"{ns}{kind}") if e.get("class") == klass]

    return root, of


def test_cd_diagram_labels_and_bars_on_a_hand_case():
    from findna_bench.results import cd_diagram

    ranks = {"findna": 1.0, "chordmixer": 1.5, "cnn <small>": 2.2, "transformer": 3.9, "lstm": 4.0}
    root, of = parse_svg(cd_diagram.svg(ranks, cd=1.3, caption="hand case"))
    assert sorted(e.text for e in of("text", "model")) == sorted(ranks)  # '<' escaped, parsed back
    assert len(of("line", "clique")) == 2  # {findna, chordmixer, cnn}, {transformer, lstm}
    assert [e.text for e in of("text", "rank")][:1] == ["1.00"] and len(of("line", "cd")) == 1
    bars = sorted(of("line", "clique"), key=lambda e: float(e.get("x1")))
    assert float(bars[0].get("x2")) < float(bars[1].get("x1"))  # disjoint groups
    assert root.get("width") and root.get("viewBox")


def test_cd_diagram_from_scores_no_bar_when_all_differ():
    from findna_bench.results import cd_diagram

    scores = np.array([[0.9] * 30, [0.5] * 30, [0.1] * 30])  # always the same order
    _, of = parse_svg(cd_diagram.from_scores(["a", "b", "c"], scores))
    assert len(of("line", "clique")) == 0 and [e.text for e in of("text", "rank")] == [
        "1.00",
        "2.00",
        "3.00",
    ]
    caption = of("text", "caption")[0].text
    assert "30 tasks" in caption and "Friedman p=" in caption
