"""Many tasks at once: adjusted p-values and verdicts fragile within Monte-Carlo error.

* ``adjust``: Holm's step-down adjustment (controls the family-wise error rate over the tasks,
  any dependence), Benjamini-Hochberg's step-up adjustment (controls the false discovery rate,
  independent or positively dependent tests) or none. NaN p-values (a task with no test) are
  left NaN and do not count in the family.
* ``fragile``: tasks whose verdict at ``alpha`` (by the adjusted p) is not settled by the
  bootstrap's Monte-Carlo error: significant when every raw p is lowered by two standard errors
  and not significant when every raw p is raised by two. Both adjustments are non-decreasing in
  each raw p, so the two ends bracket every verdict a rerun with another bootstrap seed is
  likely to give.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "unadjusted"}
BAND = 2.0  # standard errors either side of a p-value


def _holm(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(1.0, scaled)
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")[::-1]  # largest first
    scaled = np.minimum.accumulate(p[order] * m / (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(1.0, scaled)
    return out


def adjust(p_values: Sequence[float] | np.ndarray, method: str) -> np.ndarray:
    """The adjusted p-values, in the order given (``method``: holm, bh or none)."""
    if method not in METHODS:
        raise ValueError(f"unknown adjustment {method!r}; choose {', '.join(METHODS)}")
    p = np.asarray(p_values, float)
    out = p.copy()
    finite = ~np.isnan(p)
    if method != "none" and finite.any():
        adjusted = (_holm if method == "holm" else _bh)(p[finite])
        out[finite] = np.maximum(adjusted, p[finite])  # never below p (BH's p * m / m rounds)
    return out


def fragile(
    p_values: Sequence[float], errors: Sequence[float], method: str, alpha: float
) -> np.ndarray:
    """Per task, whether its adjusted-p verdict could flip within the Monte-Carlo error."""
    p, se = np.asarray(p_values, float), np.asarray(errors, float)
    low = adjust(np.clip(p - BAND * se, 0.0, 1.0), method)
    high = adjust(np.clip(p + BAND * se, 0.0, 1.0), method)
    return (low < alpha) & ~(high < alpha)
