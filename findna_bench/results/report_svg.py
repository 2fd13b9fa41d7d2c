"""A grouped bar chart with error bars as inline SVG, drawn without any plotting library.

Used by the HTML report so that the page needs neither matplotlib nor JavaScript: groups are
tasks, bars are our models (mean ± std over seeds), and published reference values are drawn
as hollow diamonds over the groups they cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5")
MARKERS = ("#222222", "#8a5a00", "#7a1f9c", "#0b6e4f", "#b8002e", "#005f99", "#6b6b00", "#7f7f7f")


@dataclass(frozen=True, kw_only=True)
class Series:
    """One bar per group: (mean, std or None) in display units, or None where missing."""

    label: str
    values: list[tuple[float, float | None] | None]


def _axis(values: list[float]) -> tuple[float, float, float]:
    """(low, high, tick step) covering ``values`` and zero, on a 1/2/5 x 10^k grid."""
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1.0
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def bar_chart(
    groups: list[str],
    series: list[Series],
    *,
    markers: list[Series] = (),
    y_label: str = "",
    title: str = "",
) -> str:
    """The SVG element (a string) for a grouped bar chart with error bars."""
    span = [m + (s or 0) for ser in series for v in ser.values if v for m, s in [v]]
    span += [m - (s or 0) for ser in series for v in ser.values if v for m, s in [v]]
    span += [v[0] for mk in markers for v in mk.values if v]
    low, high, step = _axis(span or [0.0, 1.0])
    bar_w, gap = 14, 18
    group_w = max(1, len(series)) * bar_w + gap
    left, top, plot_h, bottom = 64, 36, 260, 120
    legend_h = 18 * (len(series) + len(markers))
    labels = [f"{s.label} (mean ± std over seeds)" for s in series] + [m.label for m in markers]
    width = max(
        left + group_w * len(groups) + 20,
        left + 30 + 6.5 * max(map(len, labels or [""])),
        left + 8 * len(title),
        480,
    )
    width = int(width)
    height = top + plot_h + bottom + legend_h

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            'font-family="sans-serif" font-size="11">'
        )
    ]
    if title:
        out.append(
            f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        )
    tick = low
    while tick <= high + step / 2:
        out.append(
            f'<line x1="{left}" x2="{width - 20}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{"#888" if tick == 0 else "#e3e3e3"}"/>'
        )
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    out.append(
        f'<text transform="translate(16,{top + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for g, group in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for k, ser in enumerate(series):
            value = ser.values[g]
            if value is None:
                continue
            mean, std = value
            x = x0 + k * bar_w
            top_y, base_y = sorted((y(mean), y(0)))
            out.append(
                f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar_w - 2}" '
                f'height="{max(base_y - top_y, 0.5):.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(ser.label)} on {escape(group)}: {mean:.2f}"
                f"{f' ± {std:.2f}' if std else ''}</title></rect>"
            )
            if std:
                cx = x + (bar_w - 2) / 2
                out.append(
                    f'<path d="M{cx:.1f},{y(mean - std):.1f}V{y(mean + std):.1f}'
                    f'M{cx - 3:.1f},{y(mean - std):.1f}h6M{cx - 3:.1f},{y(mean + std):.1f}h6" '
                    'stroke="#111" fill="none"/>'
                )
        for k, mk in enumerate(markers):
            value = mk.values[g]
            if value is None:
                continue
            cx, cy = x0 + (group_w - gap) / 2, y(value[0])
            out.append(
                f'<path d="M{cx:.1f},{cy - 5:.1f}l5,5l-5,5l-5,-5z" fill="none" '
                f'stroke="{MARKERS[k % len(MARKERS)]}" stroke-width="1.5">'
                f"<title>{escape(mk.label)} on {escape(group)}: {value[0]:.2f}</title></path>"
            )
        label_x, label_y = x0 + (group_w - gap) / 2, top + plot_h + 10
        out.append(
            f'<text x="{label_x:.1f}" y="{label_y}" text-anchor="end" '
            f'transform="rotate(-40 {label_x:.1f} {label_y})">{escape(group)}</text>'
        )
    ly = top + plot_h + bottom
    for k in range(len(series)):
        out.append(
            f'<rect x="{left}" y="{ly + 18 * k:.0f}" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{left + 18}" y="{ly + 18 * k + 10:.0f}">'
            f"{escape(labels[k])}</text>"
        )
    for k, mk in enumerate(markers):
        yy = ly + 18 * (len(series) + k)
        out.append(
            f'<path d="M{left + 6},{yy}l5,6l-5,6l-5,-6z" fill="none" '
            f'stroke="{MARKERS[k % len(MARKERS)]}" stroke-width="1.5"/>'
            f'<text x="{left + 18}" y="{yy + 10}">{escape(mk.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
