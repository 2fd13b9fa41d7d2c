"""Critical-difference diagrams (Demšar, JMLR 7, 2006) as self-contained SVG strings.

An axis of average ranks (1 = best, on the left), each model's name joined to its rank, the
Nemenyi critical difference drawn as a scale bar, and a thick bar under every maximal group of
models whose ranks differ by less than the critical difference (not significantly different).
No plotting library and no script: the string can be inlined in HTML or written as a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from findna_bench.results import stats

FAMILY = 'font-family="system-ui, sans-serif"'
FONT = f'{FAMILY} font-size="12"'
AXIS_Y = 56  # the rank axis
ROW = 20  # vertical distance between label lines
SIDE = 170  # room for names on each side


def _x(rank: float, k: int, left: float, right: float) -> float:
    return left + (rank - 1) / max(k - 1, 1) * (right - left)


def _scale(cd: float, k: int, left: float, right: float) -> list[str]:
    """The axis with integer ticks, and the CD scale bar above it."""
    axis = (
        f'<line class="axis" x1="{left:.1f}" y1="{AXIS_Y}" x2="{right:.1f}" y2="{AXIS_Y}" '
        'stroke="#222" stroke-width="1"/>'
    )
    parts = [axis]
    for tick in range(1, k + 1):
        x = _x(tick, k, left, right)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{AXIS_Y - 5}" x2="{x:.1f}" y2="{AXIS_Y}" '
            'stroke="#222"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{AXIS_Y - 9}" text-anchor="middle" {FONT}>{tick}</text>'
        )
    end = _x(min(1 + cd, k), k, left, right)
    parts.append(
        f'<line class="cd" x1="{left:.1f}" y1="18" x2="{end:.1f}" y2="18" stroke="#b8002e" '
        'stroke-width="2"/>'
    )
    parts.append(
        f'<text x="{(left + end) / 2:.1f}" y="13" text-anchor="middle" {FONT}>CD = {cd:.2f}</text>'
    )
    return parts


def _labels(
    ordered: list[str], ranks: Mapping[str, float], k: int, left: float, right: float, top: float
) -> list[str]:
    """Better half labelled on the left, the rest on the right, each joined to its rank."""
    half = math.ceil(len(ordered) / 2)
    parts = []
    for i, name in enumerate(ordered):
        on_left = i < half
        row = i if on_left else len(ordered) - 1 - i
        y, x = top + row * ROW, _x(ranks[name], k, left, right)
        edge, anchor = (left - 10, "end") if on_left else (right + 10, "start")
        parts.append(
            f'<polyline points="{x:.1f},{AXIS_Y} {x:.1f},{y:.1f} {edge:.1f},{y:.1f}" '
            'fill="none" stroke="#555" stroke-width="1"/>'
        )
        text_x = edge - 4 if on_left else edge + 4
        parts.append(
            f'<text class="model" x="{text_x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
            f"{FONT}>{escape(name)}</text>"
        )
        rank_x = edge + 2 if on_left else edge - 2
        parts.append(
            f'<text class="rank" x="{rank_x:.1f}" y="{y - 3:.1f}" '
            f'text-anchor="{"start" if on_left else "end"}" {FAMILY} font-size="10" '
            f'fill="#555">{ranks[name]:.2f}</text>'
        )
    return parts


def _cliques(
    groups: list[tuple[str, ...]], ranks: Mapping[str, float], k: int, left: float, right: float
) -> list[str]:
    parts = []
    for j, group in enumerate(groups):
        y = AXIS_Y + 9 + 8 * j
        low = _x(min(ranks[m] for m in group), k, left, right) - 4
        high = _x(max(ranks[m] for m in group), k, left, right) + 4
        parts.append(
            f'<line class="clique" x1="{low:.1f}" y1="{y}" x2="{high:.1f}" y2="{y}" '
            'stroke="#222" stroke-width="3" stroke-linecap="round"/>'
        )
    return parts


def svg(
    ranks: Mapping[str, float], cd: float, *, width: int = 720, caption: str | None = None
) -> str:
    """The diagram of average ``ranks`` (model -> rank, 1 = best) with critical difference ``cd``."""
    if not ranks:
        raise ValueError("a critical-difference diagram needs at least one model")
    k = len(ranks)
    ordered = sorted(ranks, key=lambda m: ranks[m])
    groups = stats.nemenyi_groups(ranks, cd)
    left, right = SIDE, width - SIDE
    top = AXIS_Y + 18 + 8 * len(groups)
    height = top + ROW * math.ceil(k / 2) + (22 if caption else 6)
    body = [
        *_scale(cd, k, left, right),
        *_cliques(groups, ranks, k, left, right),
        *_labels(ordered, ranks, k, left, right, top),
    ]
    if caption:
        body.append(
            f'<text class="caption" x="{width / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'{FONT} fill="#555">{escape(caption)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="critical difference diagram">'
        + "".join(body)
        + "</svg>"
    )


def from_scores(
    models: Sequence[str],
    scores: np.ndarray,
    higher_is_better: bool | Sequence[bool] = True,
    *,
    alpha: float = 0.05,
    width: int = 720,
) -> str:
    """Diagram of a complete ``[models, tasks]`` score matrix: average ranks, Nemenyi CD and,
    with three models or more, the Friedman p-value in the caption."""
    matrix = np.asarray(scores, float)
    ranks = stats.average_ranks(matrix, higher_is_better)
    k, n = matrix.shape
    cd = stats.nemenyi_cd(k, n, alpha)
    caption = f"Nemenyi CD at alpha={alpha:g} over {n} tasks"
    if k >= 3:
        caption += f"; Friedman p={stats.friedman(matrix, higher_is_better).p_value:.3g}"
    return svg(dict(zip(models, map(float, ranks))), cd, width=width, caption=caption)
