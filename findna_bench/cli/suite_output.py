"""Renders a local suite run: the plan line, unavailable tasks and the leaderboard."""

from __future__ import annotations

from pathlib import Path

from findna_bench import ui


def say(message: str) -> None:
    """A message of the engine (plan, warnings, claims) as one plain line on stderr."""
    ui.err.print(message, highlight=False, markup=False, soft_wrap=True)


def run_and_report(
    engine,
    specs: list,
    *,
    data_root: Path,
    results: Path,
    device,
    quiet: bool,
    expected_seeds: int,
    cache_dir: Path | None = None,
    rerun: bool = False,
    reuse: str = "same-code",
) -> None:
    """Run ``specs`` here with progress shown (unless ``quiet``), then print the board."""
    progress = engine.plugin("progress")
    if progress is not None:
        progress.configure(ui.err, live=ui.interactive(), quiet=quiet)

    def show_plan(plan) -> None:
        if not quiet or plan.duplicates or plan.other_code:
            say(plan.line())

    try:
        run = engine.run_local(
            specs,
            data_root=data_root,
            results=results,
            device=device,
            cache_dir=cache_dir,
            rerun=rerun,
            reuse=reuse,
            notify=say,
            on_plan=show_plan,
        )
    finally:
        if progress is not None:
            progress.configure(None)
    outcome = run.outcome
    show_unavailable(outcome.unavailable)
    board = engine.board(
        run.store,
        run.plan,
        expected_seeds=expected_seeds,
        unavailable=outcome.unavailable,
        notify=warn,
    )
    for note in board.notes:
        say(note)
    failed = sum(1 for r in outcome.records if r.get("status") != "ok")
    busy = f", {len(outcome.busy)} left to another process" if outcome.busy else ""
    title = (
        f"test main metric ×100, mean ± std over seeds ({len(outcome.records)} run, "
        f"{len(outcome.skipped)} resumed, {failed} failed{busy}, results in {results})"
    )
    ui.out.print(ui.board_table(board.table, title=title))


def warn(message: str) -> None:
    """A warning or a plain engine message as one line on stderr (wrapped by the terminal)."""
    ui.err.print(message, highlight=False, markup=False)


def show_unavailable(unavailable: dict[str, str]) -> None:
    """One line per task whose data is missing, with the reason (local and launched runs)."""
    for task, reason in unavailable.items():
        ui.err.print(f"unavailable: {task}: {reason}", highlight=False)
