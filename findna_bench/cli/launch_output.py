"""Renders ``run --launcher slurm|submitit-local``: the plan, the jobs, and (submitit-local,
which is waited for) the failures and the leaderboard.

Runs whose record of the same code exists (resume) and tasks whose data is missing are not
submitted; ``--rerun`` and ``--reuse-records`` apply as for a local run. SLURM jobs are left
running (check them later with ``findna-bench leaderboard``).
"""

from __future__ import annotations

from findna_bench import ui
from findna_bench.cli.suite_output import show_unavailable, warn
from findna_bench.run.settings import SuiteSettings


def submit_and_report(
    engine,
    specs: list,
    settings: SuiteSettings,
    *,
    launcher: str,
    options: list[str],
    device: str,
    expected_seeds: int,
) -> None:
    results = settings.results
    sub = engine.submit(
        specs, settings, launcher=launcher, options=options, device=device, notify=warn
    )
    plan = sub.plan
    show_unavailable(plan.unavailable)
    warn(plan.line())
    ui.err.print(
        f"submitted {len(sub.jobs)} {launcher} job(s), {len(plan.skipped)} resumed; logs in "
        f"{sub.folder}",
        highlight=False,
    )
    for job, spec in zip(sub.jobs, sub.todo):
        ui.out.print(f"{job.job_id}\t{spec.run_id}")
    if launcher != "submitit-local":
        ui.err.print(
            f"when they finish: findna-bench leaderboard --results {results}", highlight=False
        )
        return
    _wait(sub)
    if any(plan.selects(r) for r in sub.store.read_all()[0]):
        board = engine.board(
            sub.store, plan, expected_seeds=expected_seeds, unavailable=plan.unavailable
        )
        title = f"test main metric ×100, mean ± std over seeds (results in {results})"
        ui.out.print(ui.frame_table(board.table, title=title))


def _wait(sub) -> None:
    """Wait for every job; say which crashed and which runs failed."""
    for job, spec in zip(sub.jobs, sub.todo):
        try:
            outcome = job.result()
        except Exception as exc:  # the job process itself died: say which, go on
            ui.err.print(
                f"job {job.job_id} ({spec.run_id}) crashed: {str(exc).splitlines()[0]}",
                highlight=False,
            )
            continue
        if outcome["status"] == "failed":
            ui.err.print(f"failed: {spec.run_id}: {outcome['error']}", highlight=False)
