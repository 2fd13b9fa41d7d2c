"""A results folder shared by users and cluster jobs, on a disk that can fill (issue 21): SIGTERM
releases the claim, a held run is reported with its holder and exit 0, locks carry a heartbeat,
a full disk is one line with a failed record and no empty lock, killed writers' leftovers are
swept, and files take the umask."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import findna_bench.results.locks as locks_module
from findna_bench.errors import StoreError
from findna_bench.results import predictions
from findna_bench.results.locks import Claim
from findna_bench.results.store import ResultsStore

TEXT = dict(capture_output=True, text=True, check=True)
RUN = ["run", "-m", "cnn", "-t", "gue/mouse_3", "-p", "smoke", "--seeds", "0,", "-q"]


def run_args(data_root, results, *extra: str) -> list[str]:
    return [*RUN, "--data-root", str(data_root), "--results", str(results), *extra]


def run_key(cli, data_root, results) -> str:
    """The record key (run id and code fingerprint) of the one run, from ``--dry-run --json``."""
    (run,) = json.loads(cli(*run_args(data_root, results), "--dry-run", "--json").stdout)["runs"]
    return f"{run['run_id']}__code-{run['code']}"


def records(results: Path) -> list[str]:
    return sorted(p.name for p in results.glob("[!.]*.json"))


def test_a_run_held_by_another_process_names_the_holder_and_exits_0(cli, tmp_path, data_root):
    results = tmp_path / "r"
    lock = results / f"{run_key(cli, data_root, results)}.lock"
    results.mkdir()
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
    lock.write_text(json.dumps(holder))  # this test process: alive, on this host
    result = cli(*run_args(data_root, results))
    assert result.exit_code == 0, result.output
    assert f"being run by process {os.getpid()} on {socket.gethostname()}" in result.output
    assert f"(lock {lock};" in result.output and "no requested run had data" not in result.output
    assert lock.exists() and not records(results)


def test_sigterm_releases_the_claim_writes_no_record_and_exits_143(tmp_path, data_root):
    results = tmp_path / "r"
    cmd = [sys.executable, "-m", "findna_bench", *run_args(data_root, results)]
    proc = subprocess.Popen(
        [*cmd, "finetune.max_train=4096", "finetune.epochs=4"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not list(results.glob("*.lock")) and time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    time.sleep(0.5)  # training
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, err
    assert err.splitlines()[-1] == (
        "terminated (SIGTERM): 0 runs recorded; rerun the same command to resume"
    )
    assert "Traceback" not in err
    assert not list(results.glob("*.lock")) and not records(results)


def test_a_disk_full_record_write_is_one_line_and_leaves_a_failed_record(
    cli, tmp_path, data_root, monkeypatch
):
    results = tmp_path / "r"
    key = run_key(cli, data_root, results)
    real_fsync, refused = os.fsync, []

    def fsync(fd: int) -> None:  # the first record write finds the disk full
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.endswith(".json") and "/.tmp-" in name and not refused:
            refused.append(name)
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = cli(*run_args(data_root, results))
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert f"{results / key}.json: cannot be written (No space left on device)" in line
    (failed,) = records(results)
    assert ".failed-" in failed
    assert "No space left" in json.loads((results / failed).read_text())["error"]
    assert sorted(p.name for p in results.iterdir()) == [failed]  # no lock, temp or orphan


def test_a_disk_full_claim_leaves_no_empty_lock(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(locks_module.json, "dump", full)
    with pytest.raises(StoreError, match=r"k\.lock: cannot be written"):
        ResultsStore(tmp_path).claim("k")
    assert list(tmp_path.iterdir()) == []


def test_a_held_lock_keeps_its_heartbeat_and_a_silent_one_is_taken_over(tmp_path):
    store = ResultsStore(tmp_path)
    claim = store.claim("k", max_age=0.4)  # a heartbeat every 0.1 s
    assert isinstance(claim, Claim) and json.loads(claim.path.read_text())["heartbeat"] == 0.1
    time.sleep(0.8)  # twice the max age since the lock was made: alive by its heartbeat
    held = store.claim("k", max_age=0.4)
    assert held["pid"] == os.getpid()
    claim.release()
    silent = tmp_path / "elsewhere.lock"  # another host's lock, silent for 10 minutes
    silent.write_text(json.dumps({"pid": 1, "host": "node-7", "time": time.time()}))
    os.utime(silent, (time.time() - 600,) * 2)
    said: list[str] = []
    assert isinstance(store.claim("elsewhere", max_age=300, notify=said.append), Claim)
    assert "no heartbeat for 600s, more than FINDNA_BENCH_LOCK_MAX_AGE=300s" in said[0]


def test_a_requeued_slurm_job_takes_over_the_lock_its_killed_incarnation_left(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.delenv("SLURM_RESTART_COUNT", raising=False)
    store = ResultsStore(tmp_path)
    first = store.claim("k")  # then SIGKILLed on its node: the lock stays, its heartbeat fresh
    assert isinstance(first, Claim)
    monkeypatch.setenv("SLURM_JOB_ID", "4243")  # another array task: the lock is held
    assert store.claim("k")["slurm_job"] == "4242"
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")  # the same job, requeued on any node
    said: list[str] = []
    assert isinstance(store.claim("k", notify=said.append), Claim)
    assert "left by SLURM job 4242 before it was requeued" in said[0]


def test_a_stale_lock_this_user_may_not_move_is_left_without_a_traceback(tmp_path, monkeypatch):
    silent = tmp_path / "k.lock"
    silent.write_text(json.dumps({"pid": 1, "host": "node-7", "time": time.time()}))
    os.utime(silent, (time.time() - 3600,) * 2)

    def refuse(*args):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(locks_module.os, "rename", refuse)
    store = ResultsStore(tmp_path)
    store.sweep()
    assert store.claim("k")["host"] == "node-7" and silent.exists()


def test_run_sweeps_old_temp_files_and_locks_left_by_killed_runs(cli, tmp_path, data_root):
    results = tmp_path / "r"
    assert cli(*run_args(data_root, results)).exit_code == 0
    (done,) = records(results)
    old, fresh = results / ".tmp-old.json", results / ".tmp-new.json"
    for path in (old, fresh):
        path.write_text("{")
    os.utime(old, (time.time() - 7200,) * 2)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **TEXT)
    left = results / done.replace(".json", ".lock")  # killed after its record was written
    left.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    again = cli(*run_args(data_root, results))
    assert again.exit_code == 0, again.output
    assert not old.exists() and fresh.exists() and not left.exists()
    assert f"removed the stale lock {left.name}" in again.output


def test_records_and_predictions_take_the_umask(tmp_path):
    before = os.umask(0o022)
    try:
        record = {"run_id": "m__t__seed0__abc", "status": "ok", "model": "m", "task": "t"}
        written = ResultsStore(tmp_path).write({**record, "seed": 0})
        block = predictions.save(tmp_path, "m__t", np.full((4, 2), 0.5), np.zeros(4))
    finally:
        os.umask(before)
    assert oct(written.path.stat().st_mode & 0o777) == "0o644"
    assert oct((tmp_path / block["file"]).stat().st_mode & 0o777) == "0o644"
