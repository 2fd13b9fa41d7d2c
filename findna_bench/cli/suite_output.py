"""Runs specs with the progress plugin attached and prints the resulting leaderboard."""

from __future__ import annotations

from pathlib import Path

from findna_bench import ui
from findna_bench.builtins.progress import ProgressPlugin


def run_and_report(session, specs: list, *, data_root: Path, results: Path, device,  # noqa: ANN001
                   quiet: bool, expected_seeds: int) -> None:
    from findna_bench.leaderboard import build
    from findna_bench.runner import RunContext
    from findna_bench.store import ResultsStore
    from findna_bench.suite import run_suite

    pm = session.pm
    progress = ProgressPlugin(ui.err, live=ui.interactive(), quiet=quiet)
    pm.register(progress, name="progress")
    try:
        store = ResultsStore(results)
        ctx = RunContext(catalog=session.catalog, hook=pm.hook, data_root=data_root, device=device)
        outcome = run_suite(specs, ctx, store)
    finally:
        pm.unregister(progress)
    for task, reason in outcome.unavailable.items():
        ui.err.print(f"unavailable: {task}: {reason}", highlight=False)
    wanted = {s.run_id for s in specs}
    records, problems = store.read_all()
    for problem in problems:
        ui.err.print(f"warning: {problem}")
    mine = [r for r in records if r["run_id"] in wanted]
    board = build(mine, expected_seeds=expected_seeds, unavailable=outcome.unavailable)
    failed = sum(1 for r in outcome.records if r.get("status") != "ok")
    ui.out.print(ui.board_table(board.table, title=f"test main metric ×100, mean ± std over seeds "
                                                   f"({len(outcome.records)} run, {len(outcome.skipped)} resumed, "
                                                   f"{failed} failed, results in {results})"))
