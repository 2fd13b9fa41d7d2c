"""HTML building blocks of the report: the style sheet and tables (pandas frames to markup).

``html_table`` renders any frame; ``board_html`` renders a leaderboard, transposed (tasks as
rows, models as columns, the mean and rank rows last) when tasks outnumber models, so a 13-task
suite reads top to bottom without horizontal scrolling. A cell's bracketed interval goes on a
second line. Published rows (or columns, transposed) are marked.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from html import escape

import pandas as pd

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1a1a1a;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:16px 0 4px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #d6d6d6;padding:3px 6px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
th.model{white-space:normal;max-width:150px;vertical-align:bottom}
tr.published td,td.published,th.published{background:#f6f6fb;color:#555;font-style:italic}
tr.summary td{font-weight:600;background:#fafafa}
td.short{background:#fff4d6}td.failed{background:#fde2e2;color:#900}
td.unavailable{color:#999}.ci{color:#555;font-size:11px}
.note{color:#555;font-size:12px;max-width:1100px}
.scroll{overflow-x:auto}details{margin:8px 0}summary{cursor:pointer;font-weight:600}
"""
SUMMARY_ROWS = ("mean", "rank")


def cell_class(text: str) -> str:
    if text.startswith("failed"):
        return "failed"
    if text == "unavailable":
        return "unavailable"
    return "short" if "!" in text.split(" [")[0] else ""


def cell_html(text: str) -> str:
    """The text, with a trailing ``[interval]`` on its own line."""
    main, sep, bound = text.partition(" [")
    if not sep or not text.endswith("]"):
        return escape(text)
    return f'{escape(main)}<br><span class="ci">[{escape(bound)}</span>'


def _td(text: str, extra: str = "") -> str:
    klass = " ".join(k for k in (cell_class(text), extra) if k)
    attr = f' class="{klass}"' if klass else ""
    return f"<td{attr}>{cell_html(text)}</td>"


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def html_table(
    frame: pd.DataFrame, *, published: AbstractSet[str] = frozenset(), index: bool = True
) -> str:
    """A plain HTML table; rows whose label is in ``published`` get the 'published' class."""
    head = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for label, row in frame.iterrows():
        head_td = f"<td>{escape(str(label))}</td>" if index else ""
        klass = ' class="published"' if label in published else ""
        rows.append(f"<tr{klass}>{head_td}" + "".join(_td(_text(v)) for v in row) + "</tr>")
    return '<div class="scroll"><table>\n' + "\n".join(rows) + "\n</table></div>"


def transposed_html(board: pd.DataFrame, *, published: AbstractSet[str] = frozenset()) -> str:
    """Tasks as rows and models as columns; the mean and rank rows last, in bold."""
    models = list(board.index)
    head = '<th class="model">task</th>' + "".join(
        f'<th class="model{" published" if m in published else ""}">{escape(str(m))}</th>'
        for m in models
    )
    rows = [f"<tr>{head}</tr>"]
    for column in board.columns:
        tds = "".join(
            _td(_text(board.loc[m, column]), "published" if m in published else "") for m in models
        )
        klass = ' class="summary"' if column in SUMMARY_ROWS else ""
        rows.append(f"<tr{klass}><td>{escape(str(column))}</td>{tds}</tr>")
    return '<div class="scroll"><table>\n' + "\n".join(rows) + "\n</table></div>"


def board_html(board: pd.DataFrame, *, published: AbstractSet[str] = frozenset()) -> str:
    """The leaderboard, transposed when it has more task columns than model rows."""
    tasks = [c for c in board.columns if c not in SUMMARY_ROWS]
    if len(tasks) > len(board.index):
        return transposed_html(board, published=published)
    return html_table(board, published=published)
