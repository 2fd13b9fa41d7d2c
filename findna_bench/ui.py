"""The CLI's consoles and table rendering: people read stderr, programs read stdout."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True, markup=False)  # data, never markup: "[linear-probe]"


def fit_width() -> None:
    """Files and pipes (logs, make, SLURM) get 200 columns rather than rich's 80, which wraps
    every leaderboard cell; a terminal keeps its own width. Called when a command starts, when
    the streams it writes to are known."""
    for console in (out, err):
        if not console.is_terminal:
            console.width = 200


def interactive() -> bool:
    return err.is_terminal and sys.stderr.isatty()


def rows_table(rows: list[dict], *, title: str | None = None) -> Table:
    """A rich Table from dicts of the same keys (no pandas: ``list`` stays light)."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for i, name in enumerate(rows[0] if rows else []):
        table.add_column(name, style="bold" if i == 0 else None, no_wrap=i == 0)
    for row in rows:
        table.add_row(*[str(v) for v in row.values()])
    return table


def frame_table(frame, *, title: str | None = None, index_name: str | None = None) -> Table:
    """A rich Table from a pandas DataFrame (its index becomes the first column)."""
    table = Table(title=title, show_lines=False, header_style="bold")
    table.add_column(index_name or frame.index.name or "", style="bold", no_wrap=True)
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for index, row in frame.iterrows():
        table.add_row(str(index), *[str(v) for v in row.tolist()])
    return table


def board_table(table, *, title: str) -> Table:
    """A leaderboard for the terminal: models as columns when there are more tasks than models,
    so a 28-task suite reads top to bottom instead of overflowing the width."""
    if len(table.columns) - 2 > max(4, len(table.index)):
        transposed = table.T
        transposed.index.name = "task"
        return frame_table(transposed, title=title)
    return frame_table(table, title=title)
