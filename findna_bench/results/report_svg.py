"""A grouped bar chart with error bars as inline SVG, drawn without any plotting library.

Used by the HTML report so that the page needs neither matplotlib nor JavaScript: groups are
tasks, bars are our models (each in its own colour, the one the curves use too) with a 95%
interval as a solid whisker (or ± std over seeds, dashed, where a cell has no interval), and
published reference values are drawn as hollow diamonds over the groups they cover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5")
MARKERS = ("#222222", "#8a5a00", "#7a1f9c", "#0b6e4f", "#b8002e", "#005f99", "#6b6b00", "#7f7f7f")
BAR_W, GAP = 14, 18  # one bar, and the space between groups
LEFT, TOP, PLOT_H, BOTTOM = 64, 36, 260, 120


@dataclass(frozen=True, kw_only=True, slots=True)
class Bar:
    """A value in display units with its error bar: ``low``/``high`` (None: no bar), and what
    the bar is (``"95% CI"`` or ``"± std"``, drawn dashed)."""

    mean: float
    low: float | None = None
    high: float | None = None
    kind: str = "95% CI"

    @property
    def text(self) -> str:
        if self.low is None or self.high is None:
            return f"{self.mean:.2f}"
        return f"{self.mean:.2f} [{self.low:.2f}, {self.high:.2f}] ({self.kind})"


@dataclass(frozen=True, kw_only=True)
class Series:
    """One bar (or marker) per group, None where missing, in one colour."""

    label: str
    values: list[Bar | None]
    colour: str = PALETTE[0]


def _axis(values: list[float]) -> tuple[float, float, float]:
    """(low, high, tick step) covering ``values`` and zero, on a 1/2/5 x 10^k grid."""
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1.0
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot's geometry: value range and pixel sizes."""

    low: float
    high: float
    step: float
    width: int
    group_w: float

    def y(self, value: float) -> float:
        return TOP + PLOT_H * (self.high - value) / (self.high - self.low)


def _frame(groups: list[str], series: list[Series], markers: list[Series], labels, title):
    span = [
        v
        for ser in [*series, *markers]
        for b in ser.values
        if b
        for v in (b.mean, b.low, b.high)
        if v is not None
    ]
    low, high, step = _axis(span or [0.0, 1.0])
    group_w = max(1, len(series)) * BAR_W + GAP
    width = max(
        LEFT + group_w * len(groups) + 20,
        LEFT + 30 + 6.5 * max(map(len, labels or [""])),
        LEFT + 8.6 * len(title),
        480,
    )
    return Frame(low, high, step, int(width), group_w)


def _grid(f: Frame, y_label: str) -> list[str]:
    out = []
    tick = f.low
    while tick <= f.high + f.step / 2:
        colour = "#888" if tick == 0 else "#e3e3e3"
        out.append(
            f'<line x1="{LEFT}" x2="{f.width - 20}" y1="{f.y(tick):.1f}" y2="{f.y(tick):.1f}" '
            f'stroke="{colour}"/>'
            f'<text x="{LEFT - 6}" y="{f.y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
        tick += f.step
    out.append(
        f'<text transform="translate(16,{TOP + PLOT_H / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    return out


def _bar(f: Frame, x: float, ser: Series, group: str, bar: Bar) -> str:
    top_y, base_y = sorted((f.y(bar.mean), f.y(0)))
    out = (
        f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{BAR_W - 2}" '
        f'height="{max(base_y - top_y, 0.5):.1f}" fill="{ser.colour}">'
        f"<title>{escape(ser.label)} on {escape(group)}: {escape(bar.text)}</title></rect>"
    )
    if bar.low is None or bar.high is None:
        return out
    cx, lo, hi = x + (BAR_W - 2) / 2, f.y(bar.low), f.y(bar.high)
    dash = "" if bar.kind == "95% CI" else ' stroke-dasharray="2,2"'
    return out + (
        f'<path class="err" d="M{cx:.1f},{lo:.1f}V{hi:.1f}M{cx - 3:.1f},{lo:.1f}h6'
        f'M{cx - 3:.1f},{hi:.1f}h6" stroke="#111" fill="none"{dash}/>'
    )


def _diamond(cx: float, cy: float, colour: str, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<path d="M{cx:.1f},{cy - 5:.1f}l5,5l-5,5l-5,-5z" fill="none" stroke="{colour}" '
        f'stroke-width="1.5">{title}</path>'
    )


def _group(
    f: Frame, g: int, group: str, series: Sequence[Series], markers: Sequence[Series]
) -> list[str]:
    """One task: its bars, its published diamonds and its slanted name."""
    x0 = LEFT + g * f.group_w + GAP / 2
    out = [
        _bar(f, x0 + k * BAR_W, ser, group, bar)
        for k, ser in enumerate(series)
        if (bar := ser.values[g]) is not None
    ]
    centre = x0 + (f.group_w - GAP) / 2
    out += [
        _diamond(centre, f.y(mark.mean), mk.colour, f"{mk.label} on {group}")
        for mk in markers
        if (mark := mk.values[g]) is not None
    ]
    label_y = TOP + PLOT_H + 10
    out.append(
        f'<text x="{centre:.1f}" y="{label_y}" text-anchor="end" '
        f'transform="rotate(-40 {centre:.1f} {label_y})">{escape(group)}</text>'
    )
    return out


def _legend(series: list[Series], markers: list[Series], labels: list[str]) -> list[str]:
    ly = TOP + PLOT_H + BOTTOM
    out = [
        f'<rect x="{LEFT}" y="{ly + 18 * k:.0f}" width="12" height="12" fill="{ser.colour}"/>'
        f'<text x="{LEFT + 18}" y="{ly + 18 * k + 10:.0f}">{escape(labels[k])}</text>'
        for k, ser in enumerate(series)
    ]
    for k, mk in enumerate(markers):
        yy = ly + 18 * (len(series) + k)
        out.append(
            _diamond(LEFT + 6, yy + 1, mk.colour)
            + f'<text x="{LEFT + 18}" y="{yy + 10}">{escape(mk.label)}</text>'
        )
    return out


def bar_chart(
    groups: list[str],
    series: list[Series],
    *,
    markers: Sequence[Series] = (),
    y_label: str = "",
    title: str = "",
) -> str:
    """The SVG element (a string) for a grouped bar chart with error bars."""
    labels = [s.label for s in series] + [m.label for m in markers]
    f = _frame(groups, series, list(markers), labels, title)
    height = TOP + PLOT_H + BOTTOM + 18 * len(labels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{f.width}" height="{height}" '
        f'viewBox="0 0 {f.width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="11">'
    ]
    if title:
        out.append(
            f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        )
    out += _grid(f, y_label)
    for g, group in enumerate(groups):
        out += _group(f, g, group, series, list(markers))
    out += _legend(series, list(markers), labels)
    out.append("</svg>")
    return "\n".join(out)
