"""The HTML report: one self-contained page from the results store (no JavaScript, no fetches).

Sections: the leaderboard (ours, then published rows marked and unranked), a per-task bar chart
with error bars (inline SVG from ``report_svg``), efficiency (parameters and time from the
records, plus ``findna-bench speed`` JSON where given), published GUE group means, failed runs,
and the manifest of every run (protocol, config hash, git sha, device, versions). PNG plots are
written beside the page when matplotlib (the ``report`` extra) is installed (``report_png``).
"""

from __future__ import annotations

import importlib.util
import time
from html import escape
from pathlib import Path

import pandas as pd

from findna_bench.results import leaderboard, references
from findna_bench.results.report_svg import Series, bar_chart
from findna_bench.results.report_tables import (
    efficiency,
    group_means_table,
    manifest,
    profile_table,
)

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1a1a1a;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #d6d6d6;padding:3px 6px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
tr.published td{background:#f6f6fb;color:#555;font-style:italic}
td.short{background:#fff4d6}td.failed{background:#fde2e2;color:#900}
td.unavailable{color:#999}.note{color:#555;font-size:12px;max-width:1100px}
.scroll{overflow-x:auto}details{margin:8px 0}summary{cursor:pointer;font-weight:600}
"""


def _cell_class(text: str) -> str:
    if text.startswith("failed"):
        return "failed"
    if text == "unavailable":
        return "unavailable"
    return "short" if text.endswith("!") else ""


def html_table(
    frame: pd.DataFrame, *, published: set[str] = frozenset(), index: bool = True
) -> str:
    """A plain HTML table; rows whose label is in ``published`` get the 'published' class."""
    head = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for label, row in frame.iterrows():
        cells = [str(label)] if index else []
        cells += ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in row]
        tds = "".join(
            f'<td class="{_cell_class(c)}">{escape(c)}</td>'
            if _cell_class(c)
            else f"<td>{escape(c)}</td>"
            for c in cells
        )
        klass = ' class="published"' if label in published else ""
        rows.append(f"<tr{klass}>{tds}</tr>")
    return '<div class="scroll"><table>\n' + "\n".join(rows) + "\n</table></div>"


def chart_data(
    board: leaderboard.Board, used: list[references.Reference]
) -> tuple[list[str], list[Series], list[Series]]:
    """Tasks, our series (×100 mean ± std) and published markers for the bar chart."""
    cells = board.cells
    if "published" in cells.columns:
        cells = cells[~cells["published"].astype(bool)]
    ours = cells[cells.n > 0]
    tasks = [t for t in board.table.columns if t in set(ours.task)]
    series = []
    for row in dict.fromkeys(r for r in board.table.index if r in set(ours.row)):
        sub = ours[ours.row == row].set_index("task")
        series.append(
            Series(
                label=row,
                values=[
                    (
                        100 * sub.loc[t, "mean"],
                        100 * sub.loc[t, "std"] if sub.loc[t, "n"] > 1 else None,
                    )
                    if t in sub.index
                    else None
                    for t in tasks
                ],
            )
        )
    metrics = references.main_metrics(ours)
    markers = []
    for ref in used:
        values = [ref.value(t, metrics[t]) for t in tasks]
        markers.append(
            Series(label=ref.label, values=[(100 * v[0], None) if v else None for v in values])
        )
    return tasks, series, markers


def board_and_references(
    records: list[dict], refs: references.References | None, expected_seeds: int | None
) -> tuple[leaderboard.Board, list]:
    if refs is None:
        return leaderboard.build(records, expected_seeds=expected_seeds), []
    return references.with_references(records, refs, expected_seeds=expected_seeds)


def render(
    records: list[dict],
    *,
    refs: references.References | None = None,
    expected_seeds: int | None = None,
    profile_rows: list[dict] = (),
    png_files: list[str] = (),
    title: str = "findna-bench report",
) -> str:
    """The whole page as one HTML string (records without model/task/seed/status are left out)."""
    records = [r for r in records if leaderboard.usable(r)]
    board, used = board_and_references(records, refs, expected_seeds)
    tasks, series, markers = chart_data(board, used)
    failed = [r for r in records if r.get("status") != "ok"]
    profiles = sorted({str(r.get("profile")) for r in records})
    shas = sorted(
        {(r.get("environment") or {}).get("git_sha", "?") for r in records if r.get("environment")}
    )
    parts = [
        (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>"
        ),
        f"<h1>{escape(title)}</h1>",
        (
            f'<p class="note">{len(records)} runs ({len(records) - len(failed)} ok, {len(failed)} failed); '
            f"profiles: {escape(', '.join(profiles))}; git: {escape(', '.join(shas) or 'unknown')}; "
            f"generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.</p>"
        ),
        "<h2>Leaderboard: test main metric ×100</h2>",
        (
            '<p class="note">Cells are mean ± std over seeds with n; "!" (shaded) marks fewer seeds '
            "than asked. Weights were selected on validation only and the test split was scored once "
            "(see each run's protocol in the manifest). Rows in italics are published numbers, "
            "transcribed and not re-run, under their own protocols; they are not ranked.</p>"
        ),
        html_table(board.table, published={r.label for r in used}),
    ]
    parts += [f'<p class="note">{escape(line)}</p>' for line in board.notes]
    parts += [f'<p class="note">{escape(line)}</p>' for line in references.legend(used)]
    if tasks:
        parts += [
            "<h2>Per-task results</h2>",
            bar_chart(
                tasks,
                series,
                markers=markers,
                y_label="test main metric ×100",
                title="Test main metric per task (error bars: std over seeds)",
            ),
        ]
    eff = efficiency(records)
    if not eff.empty:
        parts += ["<h2>Efficiency of these runs</h2>", html_table(eff)]
    if profile_rows:
        parts += [
            "<h2>Efficiency from <code>findna-bench speed</code></h2>",
            html_table(profile_table(list(profile_rows))),
        ]
    if refs is not None and refs.group_means and any(t.startswith("gue/") for t in tasks):
        parts += [
            "<h2>Published GUE group means (MCC ×100; Covid F1)</h2>",
            html_table(group_means_table(refs), published=set(refs.group_means.get("rows") or {})),
        ]
    if failed:
        parts += [
            f"<h2>Failed runs ({len(failed)})</h2>",
            html_table(manifest(failed)[["run_id", "model", "task", "seed", "error"]], index=False),
        ]
    if png_files:
        parts += (
            ["<h2>PNG plots</h2><ul>"] + [f"<li>{escape(p)}</li>" for p in png_files] + ["</ul>"]
        )
    parts += [
        f"<h2>Manifest ({len(records)} runs)</h2><details open><summary>every run</summary>",
        html_table(manifest(records), index=False),
        "</details></body></html>",
    ]
    return "\n".join(parts)


def matplotlib_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write(
    out: Path,
    records: list[dict],
    *,
    refs: references.References | None = None,
    expected_seeds: int | None = None,
    profile_rows: list[dict] = (),
) -> list[Path]:
    """Write ``out/index.html`` (and PNGs when matplotlib is installed); return the files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = [r for r in records if leaderboard.usable(r)]
    pngs: list[Path] = []
    if matplotlib_available():  # the 'report' extra; without it the page alone
        from findna_bench.results import report_png

        pngs = report_png.write_pngs(
            out, *chart_data(*board_and_references(records, refs, expected_seeds)), records=records
        )
    page = out / "index.html"
    page.write_text(
        render(
            records,
            refs=refs,
            expected_seeds=expected_seeds,
            profile_rows=profile_rows,
            png_files=[p.name for p in pngs],
        ),
        encoding="utf-8",
    )
    return [page, *pngs]
