"""Builtin metrics: accuracy, MCC, macro/micro F1 and AUROC, each with its direction.

Every function takes numpy arrays ``(y_true, y_pred, y_score)`` where ``y_score`` holds class
probabilities ``[N, C]``. scikit-learn is imported on first use, not at plugin load.
"""

from __future__ import annotations

import math

import numpy as np

from findna_bench import hookimpl


def accuracy(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    return float((y_true == y_pred).mean())


def mcc(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(y_true, y_pred))


def f1_macro(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(
        f1_score(
            y_true, y_pred, average="macro", labels=np.arange(y_score.shape[1]), zero_division=0
        )
    )


def f1_micro(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="micro"))


def auroc(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    """Binary AUROC, or one-vs-rest macro AUROC; NaN when a class is absent from y_true."""
    from sklearn.metrics import roc_auc_score

    classes = y_score.shape[1]
    if len(np.unique(y_true)) < classes:
        return math.nan
    if classes == 2:
        return float(roc_auc_score(y_true, y_score[:, 1]))
    return float(roc_auc_score(y_true, y_score, multi_class="ovr", average="macro"))


@hookimpl
def register_metrics(register) -> None:
    register(
        "accuracy", accuracy, higher_is_better=True, description="fraction correct", version="1"
    )
    register(
        "mcc",
        mcc,
        higher_is_better=True,
        description="Matthews correlation (multiclass aware)",
        version="1",
    )
    register(
        "f1_macro", f1_macro, higher_is_better=True, description="macro-averaged F1", version="1"
    )
    register(
        "f1_micro",
        f1_micro,
        higher_is_better=True,
        description="micro-averaged F1 (= accuracy)",
        version="1",
    )
    register(
        "auroc",
        auroc,
        higher_is_better=True,
        description="ROC AUC (one-vs-rest macro)",
        version="1",
    )
