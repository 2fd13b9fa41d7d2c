"""PNG plots for the report, drawn with matplotlib (the optional ``report`` extra).

``bars.png``: the report's per-task bar chart (mean ± std over seeds, published values as
diamonds). ``curves.png``: each run's validation main metric per evaluation, one panel per task,
which shows where selection picked its epoch. Importing this module requires matplotlib.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from findna_bench.results.report_svg import MARKERS, PALETTE, Series


def bars(path: Path, tasks: list[str], series: list[Series], markers: list[Series]) -> Path:
    width = max(1, len(series))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(tasks) + 2), 4.8))
    step = 0.8 / width
    for k, ser in enumerate(series):
        xs = [i - 0.4 + step * (k + 0.5) for i, v in enumerate(ser.values) if v]
        means = [v[0] for v in ser.values if v]
        errs = [v[1] or 0.0 for v in ser.values if v]
        ax.bar(
            xs,
            means,
            width=step * 0.95,
            yerr=errs,
            capsize=2,
            label=ser.label,
            color=PALETTE[k % len(PALETTE)],
        )
    for k, mk in enumerate(markers):
        xs = [i for i, v in enumerate(mk.values) if v]
        ax.scatter(
            xs,
            [v[0] for v in mk.values if v],
            marker="D",
            facecolors="none",
            edgecolors=MARKERS[k % len(MARKERS)],
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


def curves(path: Path, records: list[dict]) -> Path | None:
    ok = [
        r
        for r in records
        if r.get("status") == "ok"
        and r.get("curve")
        and r.get("task")
        and r.get("model")
        and r.get("main_metric")
    ]
    if not ok:
        return None
    tasks = list(dict.fromkeys(r["task"] for r in ok))
    models = list(dict.fromkeys(r["model"] for r in ok))
    cols = min(4, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        for r in (r for r in ok if r["task"] == task):
            main = r["main_metric"]
            color = PALETTE[models.index(r["model"]) % len(PALETTE)]
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
    handles = [
        Line2D([], [], color=PALETTE[i % len(PALETTE)], label=m) for i, m in enumerate(models)
    ]
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
    curve = curves(out / "curves.png", records)
    return written + ([curve] if curve else [])
