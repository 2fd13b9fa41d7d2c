"""PNG plots for the report, drawn with matplotlib (the optional ``report`` extra).

``bars.png``: the report's per-task bar chart (means with the page's error bars, published
values as diamonds). ``curves.png``: each run's validation main metric per evaluation, one panel
per task, in each leaderboard row's bar colour, which shows where selection picked its epoch.
Importing this module requires matplotlib.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from findna_bench.results.report_svg import Bar, Series
from findna_bench.results.rows import row_labels


def _errors(bars: list[Bar]) -> list[list[float]]:
    """matplotlib's asymmetric ``yerr``: distances below and above each mean (0: no bar)."""
    below = [b.mean - b.low if b.low is not None else 0.0 for b in bars]
    above = [b.high - b.mean if b.high is not None else 0.0 for b in bars]
    return [below, above]


def bars(path: Path, tasks: list[str], series: list[Series], markers: list[Series]) -> Path:
    width = max(1, len(series))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(tasks) + 2), 4.8))
    step = 0.8 / width
    for k, ser in enumerate(series):
        xs = [i - 0.4 + step * (k + 0.5) for i, v in enumerate(ser.values) if v]
        shown = [v for v in ser.values if v]
        ax.bar(
            xs,
            [b.mean for b in shown],
            width=step * 0.95,
            yerr=_errors(shown),
            capsize=2,
            label=ser.label,
            color=ser.colour,
        )
    for mk in markers:
        xs = [i for i, v in enumerate(mk.values) if v]
        ax.scatter(
            xs,
            [v.mean for v in mk.values if v],
            marker="D",
            facecolors="none",
            edgecolors=mk.colour,
            label=mk.label,
            zorder=3,
        )
    ax.set_xticks(range(len(tasks)), tasks, rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("test main metric ×100")
    ax.axhline(0, color="#888", linewidth=0.8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def curves(path: Path, records: list[dict], colours: dict[str, str]) -> Path | None:
    """One panel per task; ``colours`` maps leaderboard rows to colours (others grey)."""
    labelled = [
        (r, row)
        for r, row in zip(records, row_labels(records))
        if r.get("status") == "ok" and r.get("curve") and r.get("main_metric")
    ]
    if not labelled:
        return None
    tasks = list(dict.fromkeys(r["task"] for r, _ in labelled))
    cols = min(4, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        for r, row in ((r, row) for r, row in labelled if r["task"] == task):
            main = r["main_metric"]
            color = colours.get(row, "#999999")
            ax.plot(
                [p["epoch"] for p in r["curve"]],
                [100 * p[main] for p in r["curve"]],
                color=color,
                linewidth=1,
                alpha=0.8,
                marker="o",
                markersize=2,
            )
            ax.axvline(r["best_epoch"], color=color, linestyle=":", linewidth=0.8)
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("valid main metric ×100", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.axis("off")
    handles = [Line2D([], [], color=colour, label=row) for row, colour in colours.items()]
    fig.legend(handles=handles, loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_pngs(
    out: Path, tasks: list[str], series: list[Series], markers: list[Series], *, records: list[dict]
) -> list[Path]:
    """Write the PNGs into ``out`` and return their paths."""
    written = [bars(out / "bars.png", tasks, series, markers)] if tasks else []
    curve = curves(out / "curves.png", records, {s.label: s.colour for s in series})
    return written + ([curve] if curve else [])
