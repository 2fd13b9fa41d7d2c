"""Validation curves as inline SVG small multiples: one panel per task, one line per run.

Each successful run's validation main metric (×100) at every evaluation, in its leaderboard
row's colour (the bar chart's), with a dot on the evaluation that selection kept (the
``best_epoch``). No plotting library and no script; the PNG twin is ``report_png.curves``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

COLUMNS = 4
PANEL_W, PANEL_H = 300, 190
LEFT, RIGHT, TOP, BOTTOM = 42, 12, 26, 30  # margins inside a panel
LEGEND_H = 26
GREY = "#999999"


@dataclass(frozen=True, slots=True)
class Run:
    row: str
    xs: list[float]
    ys: list[float]
    best: float | None


def runs_by_task(records: list[dict], rows: list[str]) -> dict[str, list[Run]]:
    """Task -> runs with a validation curve of their main metric (the board's row per run)."""
    out: dict[str, list[Run]] = {}
    for record, row in zip(records, rows):
        main = record.get("main_metric")
        points = [p for p in record.get("curve") or [] if p.get(main) is not None]
        if record.get("status") != "ok" or not points:
            continue
        run = Run(
            row=row,
            xs=[float(p["epoch"]) for p in points],
            ys=[100 * float(p[main]) for p in points],
            best=record.get("best_epoch"),
        )
        out.setdefault(record["task"], []).append(run)
    return out


def _scale(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    return low - pad, high + pad


def _panel(task: str, runs: list[Run], colours: Mapping[str, str], x0: float, y0: float) -> str:
    xs, ys = [x for r in runs for x in r.xs], [y for r in runs for y in r.ys]
    (xl, xh), (yl, yh) = _scale(xs), _scale(ys)
    w, h = PANEL_W - LEFT - RIGHT, PANEL_H - TOP - BOTTOM

    def px(x: float) -> float:
        return x0 + LEFT + w * (x - xl) / (xh - xl)

    def py(y: float) -> float:
        return y0 + TOP + h * (yh - y) / (yh - yl)

    parts = [
        f'<text x="{x0 + LEFT}" y="{y0 + 16}" font-weight="bold">{escape(task)}</text>',
        f'<rect x="{x0 + LEFT}" y="{y0 + TOP}" width="{w}" height="{h}" fill="none" '
        'stroke="#ccc"/>',
        *(
            f'<text x="{x0 + LEFT - 4}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>'
            for v in {min(ys), max(ys)}
        ),
        f'<text x="{x0 + LEFT + w / 2:.1f}" y="{y0 + PANEL_H - 8}" text-anchor="middle">'
        f"epoch {min(xs):g} to {max(xs):g}</text>",
    ]
    for run in runs:
        parts.append(_line(run, colours.get(run.row, GREY), px, py))
    return "".join(parts)


def _line(run: Run, colour: str, px: Callable, py: Callable) -> str:
    """One run's curve, with a dot on the evaluation selection kept."""
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(run.xs, run.ys))
    out = (
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.3">'
        f"<title>{escape(run.row)}</title></polyline>"
    )
    if run.best in run.xs:
        y = run.ys[run.xs.index(run.best)]
        out += f'<circle cx="{px(run.best):.1f}" cy="{py(y):.1f}" r="2.6" fill="{colour}"/>'
    return out


def _legend(colours: Mapping[str, str]) -> str:
    parts, x = [], LEFT
    for row, colour in colours.items():
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="16">{escape(row)}</text>'
        )
        x += 40 + 7 * len(row)
    return "".join(parts)


def curves_svg(
    records: list[dict], rows: list[str], colours: Mapping[str, str], order: Sequence[str] = ()
) -> str | None:
    """The panels for ``records`` (``rows[i]`` is record i's leaderboard row), or None when no
    run has a curve. ``colours`` maps rows to the bar chart's colours (other rows are grey);
    tasks in ``order`` come first, in that order (the bar chart's)."""
    found = runs_by_task(records, rows)
    if not found:
        return None
    by_task = {t: found[t] for t in order if t in found} | found
    cols = min(COLUMNS, len(by_task))
    height = LEGEND_H + PANEL_H * -(-len(by_task) // cols)
    width = PANEL_W * cols
    panels = [
        _panel(task, runs, colours, PANEL_W * (i % cols), LEGEND_H + PANEL_H * (i // cols))
        for i, (task, runs) in enumerate(by_task.items())
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="validation curves" '
        'font-family="sans-serif" font-size="11">' + _legend(colours) + "".join(panels) + "</svg>"
    )
