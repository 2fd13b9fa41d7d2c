"""Runs specs with the progress plugin attached and prints the resulting leaderboard."""

from __future__ import annotations

from pathlib import Path

from findna_bench import ui
from findna_bench.builtins.progress import ProgressPlugin


def say(message: str) -> None:
    """A message of the engine (plan, warnings, claims) as one plain line on stderr."""
    ui.err.print(message, highlight=False, markup=False, soft_wrap=True)


def run_and_report(
    session,
    specs: list,
    *,
    data_root: Path,
    results: Path,
    device,
    quiet: bool,
    expected_seeds: int,
    rerun: bool = False,
    reuse: str = "same-code",
) -> None:
    from findna_bench.leaderboard import build
    from findna_bench.plugins import GuardedHooks
    from findna_bench.runner import RunContext
    from findna_bench.store import ResultsStore
    from findna_bench.suite import plan_suite, run_suite

    pm = session.pm
    progress = ProgressPlugin(ui.err, live=ui.interactive(), quiet=quiet)
    pm.register(progress, name="progress")
    try:
        store = ResultsStore(results)
        ctx = RunContext(
            catalog=session.catalog, hook=GuardedHooks(pm.hook), data_root=data_root, device=device
        )
        plan = plan_suite(specs, ctx, store, rerun=rerun, reuse=reuse, notify=say)
        if not quiet or plan.duplicates or plan.other_code:
            say(plan.line())
        outcome = run_suite(specs, ctx, store, plan=plan, notify=say)
    finally:
        pm.unregister(progress)
    for task, reason in outcome.unavailable.items():
        ui.err.print(f"unavailable: {task}: {reason}", highlight=False)
    records, problems = store.read_all()
    for problem in problems:
        ui.err.print(f"warning: {problem}", highlight=False, markup=False)
    mine = [r for r in records if plan.selects(r)]
    board = build(mine, expected_seeds=expected_seeds, unavailable=outcome.unavailable)
    for note in board.notes:
        say(note)
    failed = sum(1 for r in outcome.records if r.get("status") != "ok")
    busy = f", {len(outcome.busy)} left to another process" if outcome.busy else ""
    ui.out.print(
        ui.board_table(
            board.table,
            title=f"test main metric ×100, mean ± std over seeds "
            f"({len(outcome.records)} run, {len(outcome.skipped)} resumed, "
            f"{failed} failed{busy}, results in {results})",
        )
    )
