"""The HTML report: one self-contained page from the results store (no JavaScript, no fetches).

Sections: the leaderboard (ours, then published rows marked and unranked; transposed when
tasks outnumber models) naming its metric, with 95% intervals from stored predictions, and the
tasks of the suites run that had no data; a per-task bar chart with interval error bars and the
validation curves, both inline SVG in one colour per model (``report_svg``, ``report_curves``);
the top two models compared and the critical-difference diagram (``report_compare``); how the
runs trained (stop reasons, steps and hours per model, ``training``); the leakage audit of each
task's splits (``report_leakage``); the machines and total compute; efficiency (parameters and
time from the records, plus ``findna-bench speed`` JSON where given); published GUE group means;
failed runs; and the table of every run. PNG plots are written beside the page when matplotlib
(the ``report`` extra) is installed (``report_png``).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

import pandas as pd

from findna_bench.results import references, report_compare, rows
from findna_bench.results.report_curves import curves_svg
from findna_bench.results.report_data import Analysis, Inputs, analyse, metric_phrase
from findna_bench.results.report_html import CSS, board_html, html_table
from findna_bench.results.report_leakage import leakage_table
from findna_bench.results.report_svg import bar_chart
from findna_bench.results.report_tables import (
    compute_hours,
    efficiency,
    group_means_table,
    machines,
    profile_table,
    run_table,
)
from findna_bench.results.training import formatted, training_table


def _head(inputs: Inputs, records: list[dict]) -> list[str]:
    failed = sum(r.get("status") != "ok" for r in records)
    profiles = sorted({str(r.get("profile")) for r in records})
    shas = sorted(
        {(r.get("environment") or {}).get("git_sha", "?") for r in records if r.get("environment")}
    )
    title = escape(inputs.title)
    return [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="note">{len(records)} runs ({len(records) - failed} ok, {failed} failed); '
        f"profiles: {escape(', '.join(profiles))}; git: {escape(', '.join(shas) or 'unknown')}; "
        f"generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.</p>",
    ]


def _leaderboard(a: Analysis) -> list[str]:
    spread = "mean ± std over seeds" + (" [95% CI]" if a.with_ci else "")
    ci = (
        " The interval is a percentile bootstrap over the test examples and the seeds, from "
        "the stored test predictions."
        if a.with_ci
        else ""
    )
    parts = [
        f"<h2>Leaderboard: test {escape(metric_phrase(a.board.cells))} × 100, {spread}</h2>",
        f'<p class="note">Cells are mean ± std over seeds with n; "!" (shaded) marks fewer seeds '
        f"than asked.{ci} Weights were selected on validation only and the test split was scored "
        "once (see each run's protocol in the table of every run). Rows (or columns) in italics are "
        "published numbers, transcribed and not re-run, under their own protocols; they are "
        "not ranked.</p>",
        f'<div id="leaderboard">{board_html(a.board.table, published={r.label for r in a.used})}'
        "</div>",
    ]
    parts += [f'<p class="note">{escape(line)}</p>' for line in a.board.notes]
    return parts + [f'<p class="note">{escape(line)}</p>' for line in references.legend(a.used)]


def _unavailable(inputs: Inputs, a: Analysis) -> list[str]:
    if not inputs.unavailable:
        return []
    total = len(inputs.unavailable) + len(a.tasks)
    frame = pd.DataFrame(
        {"reason": list(inputs.unavailable.values())},
        index=pd.Index(list(inputs.unavailable), name="task"),
    )
    return [
        f"<h3>Unavailable: {len(inputs.unavailable)} of the {total} tasks of "
        f"{escape(', '.join(inputs.suites) or 'the suites run')} (no data here)</h3>",
        "<details open><summary>tasks and reasons</summary>",
        html_table(frame),
        "</details>",
    ]


def _charts(a: Analysis) -> list[str]:
    if not a.tasks:
        return []
    bars = "95% CI, or dashed: ± std over seeds"
    parts = [
        "<h2>Per-task results</h2>",
        bar_chart(
            a.tasks,
            a.series,
            markers=a.markers,
            y_label=f"test {metric_phrase(a.board.cells)} ×100",
            title=f"Test {metric_phrase(a.board.cells)} per task (error bars: "
            + (bars if a.with_ci else "std over seeds")
            + ")",
        ),
    ]
    labels = rows.row_labels(a.records)
    curves = curves_svg(a.records, labels, {s.label: s.colour for s in a.series}, a.tasks)
    if curves:
        parts += [
            "<h2>Validation curves</h2>",
            '<p class="note">Validation main metric ×100 at each evaluation, one line per run; '
            "the dot marks the evaluation selection kept.</p>",
            curves,
        ]
    return parts


def _training(records: list[dict]) -> list[str]:
    table = training_table(records)
    if table.empty:
        return []
    return [
        "<h2>How the runs trained</h2>",
        '<p class="note">Runs by stop reason (patience: the validation curve stopped improving; '
        "step budget or epochs: the declared budget ended first), steps, and hours summed over "
        "runs; each pretrained checkpoint is counted once.</p>",
        html_table(formatted(table)),
    ]


def _leakage(records: list[dict]) -> list[str]:
    table, older = leakage_table(records)
    if table.empty:
        return []
    before = f" {older} tasks have records from before the audit, not shown." if older else ""
    return [
        "<h2>Leakage audit of the splits</h2>",
        '<p class="note">Rows of the later split whose sequence is in the earlier one (valid=train, '
        "test=train, test=valid), whose reverse complement only is there (rc), and rows repeating "
        "an earlier row of their own split; the largest class share names the near-single-class "
        f"splits. The policy shows the rules not left at warn.{before}</p>",
        html_table(table, index=False),
    ]


def _compute(records: list[dict]) -> list[str]:
    table = machines(records)
    if table.empty:
        return []
    hours = compute_hours(records)
    unknown = f"; {hours['unknown']:.3f} h on machines not recorded" if hours["unknown"] else ""
    return [
        "<h2>Hardware and compute</h2>",
        f'<p class="note">Total: {hours["cpu"]:.3f} CPU hours and {hours["gpu"]:.3f} GPU hours '
        f"(wall-clock time of the runs, summed from their records{unknown}).</p>",
        html_table(table),
    ]


def _efficiency(inputs: Inputs, records: list[dict]) -> list[str]:
    parts = []
    eff = efficiency(records)
    if not eff.empty:
        parts += ["<h2>Efficiency of these runs</h2>", html_table(eff)]
    if inputs.profile_rows:
        parts += [
            "<h2>Efficiency from <code>findna-bench speed</code></h2>",
            '<p class="note">Each row names the profile whose backbone sizes were measured.</p>',
            html_table(profile_table(list(inputs.profile_rows))),
        ]
    return parts


def _group_means(refs: references.References | None, tasks: list[str]) -> list[str]:
    if refs is None or not refs.group_means or not any(t.startswith("gue/") for t in tasks):
        return []
    return [
        "<h2>Published GUE group means (MCC ×100; Covid F1)</h2>",
        html_table(group_means_table(refs), published=set(refs.group_means.get("rows") or {})),
    ]


def _runs(records: list[dict], png_files: list[str]) -> list[str]:
    failed = [r for r in records if r.get("status") != "ok"]
    parts = []
    if failed:
        parts += [
            f"<h2>Failed runs ({len(failed)})</h2>",
            html_table(
                run_table(failed)[["run_id", "model", "task", "seed", "error"]], index=False
            ),
        ]
    if png_files:
        parts += (
            ["<h2>PNG plots</h2><ul>"] + [f"<li>{escape(p)}</li>" for p in png_files] + ["</ul>"]
        )
    return [
        *parts,
        f"<h2>Every run ({len(records)})</h2><details open><summary>the table</summary>",
        html_table(run_table(records), index=False),
        "</details>",
    ]


def render(
    inputs: Inputs, *, png_files: Sequence[str] = (), analysis: Analysis | None = None
) -> str:
    """The whole page as one HTML string (records without model/task/seed/status are left out);
    ``analysis`` is ``analyse(inputs)`` when the caller has it already."""
    a = analysis or analyse(inputs)
    parts = _head(inputs, a.records) + _leaderboard(a) + _unavailable(inputs, a) + _charts(a)
    parts += report_compare.section(
        a.records,
        a.board.cells,
        list(a.board.table.index),
        results_root=inputs.results_root,
        resolve=inputs.resolve,
        n_boot=inputs.n_boot,
    )
    parts += _training(a.records) + _leakage(a.records) + _compute(a.records)
    parts += _efficiency(inputs, a.records)
    parts += _group_means(inputs.refs, a.tasks) + _runs(a.records, list(png_files))
    return "\n".join([*parts, "</body></html>"])


def matplotlib_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write(out: Path, inputs: Inputs) -> list[Path]:
    """Write ``out/index.html`` (and PNGs when matplotlib is installed); return the files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    a = analyse(inputs)
    pngs: list[Path] = []
    if matplotlib_available():  # the 'report' extra; without it the page alone
        from findna_bench.results import report_png

        pngs = report_png.write_pngs(out, a.tasks, a.series, a.markers, records=a.records)
    page = out / "index.html"
    page.write_text(render(inputs, png_files=[p.name for p in pngs], analysis=a), encoding="utf-8")
    return [page, *pngs]
