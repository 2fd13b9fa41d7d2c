"""Cluster launch through submitit: one job per run, each writing its own record, requeue-safe."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from findna_bench.engine import run_job
from findna_bench.errors import ConfigError
from findna_bench.results.store import ResultsStore
from findna_bench.run.config import expand
from findna_bench.run.launch import JobSpec, RunJob, make_executor, parse_options, submit
from findna_bench.run.settings import SuiteSettings

pytest.importorskip("submitit")
TINY = {"finetune": {"max_train": 128, "max_valid": 128}}


def jobs_for(registry, data_root, results, seeds=(0,)) -> list[JobSpec]:
    settings = SuiteSettings(data_root=data_root, results=results)
    specs = expand(
        registry,
        models=["cnn"],
        tasks=["gue/prom_core_tata"],
        seeds=list(seeds),
        profile="smoke",
        overrides=TINY,
    )
    return [
        JobSpec(spec=s, registry=str(registry.path), settings=settings.absolute(), device="cpu")
        for s in specs
    ]


def test_a_requeued_job_resumes_instead_of_rerunning(registry, data_root, tmp_path):
    job = RunJob(jobs_for(registry, data_root, tmp_path / "results")[0], run_job)
    first = job()
    assert first["status"] == "ok"
    (record,) = ResultsStore(tmp_path / "results").success_files(first["run_id"])
    written = record.stat().st_mtime_ns
    requeued = job.checkpoint()  # what submitit calls on preemption or timeout
    assert isinstance(requeued.function, RunJob) and requeued.function.job == job.job
    assert requeued.function() == {"run_id": first["run_id"], "status": "resumed"}
    assert record.stat().st_mtime_ns == written and len(list(record.parent.glob("*.json"))) == 1


def _launch_local(cli, data_root, tmp_path, tasks: str):
    return cli(
        "run",
        "-m",
        "cnn",
        "-t",
        tasks,
        "--seeds",
        "2",
        "--profile",
        "smoke",
        "--data-root",
        data_root,
        "--results",
        tmp_path / "results",
        "--launcher",
        "submitit-local",
        "--slurm",
        f"folder={tmp_path / 'jobs'}",
        "finetune.max_train=128",
        "finetune.max_valid=128",
    )


@pytest.mark.slow
def test_submitit_local_launcher_writes_one_record_per_job(cli, data_root, tmp_path):
    results = tmp_path / "results"
    out = _launch_local(cli, data_root, tmp_path, "gue/prom_core_tata,gue/EMP_H3")
    assert out.exit_code == 0, out.output
    records = [json.loads(p.read_text()) for p in sorted(results.glob("*.json"))]
    assert [(r["task"], r["seed"], r["status"]) for r in records] == [
        ("gue/prom_core_tata", 0, "ok"),
        ("gue/prom_core_tata", 1, "ok"),
    ]
    assert "unavailable" in out.output  # EMP_H3 has no train split here: not submitted
    assert len(list((tmp_path / "jobs").glob("*_log.out"))) == 2  # one job per (model, task, seed)
    again = _launch_local(cli, data_root, tmp_path, "gue/prom_core_tata")
    assert "submitted 0 submitit-local job(s), 2 resumed" in again.output


def fake_slurm(bin_dir: Path) -> Path:
    """``srun`` and ``sbatch`` stand-ins: sbatch keeps the script it was given and answers a job id."""
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "sbatch").write_text(
        f'#!/bin/sh\ncp "$1" {bin_dir}/submitted.sh\necho "Submitted batch job 4242"\n'
    )
    for tool in ("srun", "sbatch"):
        (bin_dir / tool).chmod(stat.S_IRWXU)
    return bin_dir / "submitted.sh"


def test_slurm_submits_one_array_task_per_run(registry, data_root, tmp_path, monkeypatch):
    script = fake_slurm(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    jobs = jobs_for(registry, data_root, tmp_path / "results", seeds=(0, 1, 2))
    handles = submit(
        jobs,
        run=run_job,
        launcher="slurm",
        folder=tmp_path / "jobs",
        options=parse_options(["slurm_partition=gpu", "timeout_min=240", "gpus_per_node=1"]),
    )
    assert [h.job_id for h in handles] == ["4242_0", "4242_1", "4242_2"]
    text = script.read_text()
    for line in (
        "#SBATCH --array=0-2",
        "#SBATCH --partition=gpu",
        "#SBATCH --time=240",
        "#SBATCH --gpus-per-node=1",
        "#SBATCH --signal=USR2@",
    ):  # USR2: requeue via checkpoint
        assert line in text


def test_launcher_errors_are_one_line(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="use one of local, slurm, submitit-local"):
        make_executor("pbs", tmp_path, {})
    with pytest.raises(ConfigError, match="key=value"):
        parse_options(["partition"])
    if shutil.which("srun") is None:
        with pytest.raises(ConfigError, match="--launcher slurm"):
            make_executor("slurm", tmp_path, {})
    with pytest.raises(ConfigError, match="no_such_parameter"):
        make_executor("submitit-local", tmp_path, {"no_such_parameter": 1})
