"""Runs a suite in this process (``run --launcher local``) and renders it: the plan line, the
progress display, unavailable tasks, the leaderboard and the exit code; on Ctrl-C (exit 130) or
SIGTERM (exit 143), how many runs were recorded and how to resume. An interrupted run releases
its claim (the suite's ``finally``), so rerunning the same command resumes at once.
"""

from __future__ import annotations

from pathlib import Path

import typer

from findna_bench import hookimpl, ui
from findna_bench.run.settings import SuiteSettings

INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def say(message: str) -> None:
    """A message of the engine (plan, warnings, claims) as one plain line on stderr."""
    ui.err.print(message, highlight=False, markup=False, soft_wrap=True)


class Recorded:
    """Counts the success records this invocation wrote (for the Ctrl-C message); called first,
    so a run whose end the display has shown is counted."""

    def __init__(self) -> None:
        self.count = 0

    @hookimpl(tryfirst=True)
    def on_run_end(self, record: dict) -> None:
        self.count += record.get("status") == "ok"


def run_here(
    engine, specs: list, settings: SuiteSettings, *, device, quiet: bool, expected_seeds: int
) -> None:
    """The in-process launcher: the suite with progress, the board, and the exit code."""
    from findna_bench.cli.exit_codes import SuiteTally
    from findna_bench.cli.signals import TERMINATED, Terminated, sigterm_as_interrupt

    tally, recorded = SuiteTally(), Recorded()
    engine.pm.register(tally, name="exit-codes")
    engine.pm.register(recorded, name="recorded-runs")
    try:
        with sigterm_as_interrupt():
            run = run_and_report(
                engine, specs, settings, device=device, quiet=quiet, expected_seeds=expected_seeds
            )
    except KeyboardInterrupt as exc:
        runs = "run" if recorded.count == 1 else "runs"
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        say(f"{how}: {recorded.count} {runs} recorded; rerun the same command to resume")
        raise typer.Exit(TERMINATED if isinstance(exc, Terminated) else INTERRUPTED) from None
    finally:
        engine.pm.unregister(tally)
        engine.pm.unregister(recorded)
    tally.verdict(settings.results, busy=len(run.outcome.busy))


def show_progress(engine, *, quiet: bool) -> None:
    """Point the progress plugin (unless blocked) at stderr: bars on a terminal, else lines."""
    progress = engine.plugin("progress")
    if progress is not None:
        catalog = engine.catalog
        directions = {m: catalog.metric(m).higher_is_better for m in catalog.names("metric")}
        progress.configure(ui.err, live=ui.interactive(), quiet=quiet, higher_is_better=directions)


def run_and_report(
    engine, specs: list, settings: SuiteSettings, *, device, quiet: bool, expected_seeds: int
):
    """Run ``specs`` here with progress shown (unless ``quiet``), print the board, and return
    the run (``engine.LocalRun``)."""

    def show_plan(plan) -> None:
        if not quiet or plan.duplicates or plan.other_code:
            say(plan.line())
        if not quiet:
            say(engine.cost(plan, settings).line())

    show_progress(engine, quiet=quiet)
    try:
        run = engine.run_local(specs, settings, device=device, notify=say, on_plan=show_plan)
    finally:
        if engine.plugin("progress") is not None:
            engine.plugin("progress").configure(None)
    show_board(engine, run, results=settings.results, expected_seeds=expected_seeds)
    return run


def show_board(engine, run, *, results: Path, expected_seeds: int) -> None:
    """Unavailable tasks, the board's notes, and the leaderboard of this invocation's plan."""
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
