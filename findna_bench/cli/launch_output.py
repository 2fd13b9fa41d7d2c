"""``run --launcher slurm|submitit-local``: submit one job per run and report the jobs.

Runs whose record of the same code exists (resume) and tasks whose data is missing are not
submitted; ``--rerun`` and ``--reuse-records`` apply as for a local run. SLURM jobs
are left running (check them later with ``findna-bench leaderboard``); submitit-local jobs are
waited for and the leaderboard of the runs is printed, as an in-process run would.
"""

from __future__ import annotations

from pathlib import Path

from findna_bench import ui


def submit_and_report(
    session,
    specs: list,
    *,
    launcher: str,
    options: list[str],
    data_root: Path,
    results: Path,
    device: str,
    expected_seeds: int,
    rerun: bool = False,
    reuse: str = "same-code",
) -> None:
    import torch

    from findna_bench.launch import JobSpec, parse_options, submit
    from findna_bench.leaderboard import build
    from findna_bench.runner import RunContext
    from findna_bench.store import ResultsStore
    from findna_bench.suite import plan_suite

    params = parse_options(options)
    folder = Path(params.pop("folder", results.parent / f"{results.name}-jobs"))
    store = ResultsStore(results)
    ctx = RunContext(
        catalog=session.catalog,
        hook=session.pm.hook,
        data_root=data_root,
        device=torch.device("cpu"),
    )
    plan = plan_suite(
        specs,
        ctx,
        store,
        rerun=rerun,
        reuse=reuse,
        notify=lambda m: ui.err.print(m, highlight=False, markup=False),
    )
    unavailable = plan.unavailable
    for task, reason in unavailable.items():
        ui.err.print(f"unavailable: {task}: {reason}", highlight=False)
    ui.err.print(plan.line(), highlight=False, markup=False)
    todo, resumed = plan.todo, len(plan.skipped)
    jobs = submit(
        [
            JobSpec.from_run(
                s,
                registry=session.registry.path,
                data_root=data_root,
                results=results,
                device=device,
                rerun=rerun,
                reuse=reuse,
            )
            for s in todo
        ],
        launcher=launcher,
        folder=folder,
        options=params,
    )
    ui.err.print(
        f"submitted {len(jobs)} {launcher} job(s), {resumed} resumed; logs in {folder}",
        highlight=False,
    )
    for job, spec in zip(jobs, todo):
        ui.out.print(f"{job.job_id}\t{spec.run_id}")
    if launcher != "submitit-local":
        ui.err.print(
            f"when they finish: findna-bench leaderboard --results {results}", highlight=False
        )
        return
    for job, spec in zip(jobs, todo):
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
    records = [r for r in store.read_all()[0] if plan.selects(r)]
    if records:
        board = build(records, expected_seeds=expected_seeds, unavailable=unavailable)
        ui.out.print(
            ui.frame_table(
                board.table,
                title=f"test main metric ×100, mean ± std over seeds (results in {results})",
            )
        )
