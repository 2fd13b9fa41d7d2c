"""Kill a suite with SIGKILL, re-run it, and check nothing is repeated or lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARGS = [
    "run",
    "-m",
    "cnn",
    "-t",
    "gue/mouse_3,gue/mouse_2,gue/prom_core_tata",
    "-p",
    "smoke",
    "--seeds",
    "2",
    "-q",
    "finetune.max_train=1024",  # runs of about a second: killed part-way, and soon
    "finetune.epochs=1",
]


def records(folder: Path) -> dict[str, bytes]:
    """The records so far; not the store's ``.tmp-*.json``, which a write holds for an instant
    (and a SIGKILL mid-write leaves behind; the store never reads it)."""
    return {p.name: p.read_bytes() for p in folder.glob("[!.]*.json")}


@pytest.mark.slow
def test_sigkill_then_rerun_completes_only_the_missing_runs(tmp_path, data_root):
    results = tmp_path / "results"
    cmd = [
        sys.executable,
        "-m",
        "findna_bench",
        *ARGS,
        "--data-root",
        str(data_root),
        "--results",
        str(results),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 120
    while len(records(results)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = records(results)
    assert 2 <= len(before) < 6, "the suite should have been killed part-way"
    assert not list(results.glob("*.failed-*"))

    stale = list(results.glob("*.lock"))  # the killed run's claim: its pid is gone
    rerun = subprocess.run(
        [c for c in cmd if c != "-q"], capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert all(f"removed the stale lock {p.name}" in rerun.stderr for p in stale)  # swept
    assert not list(results.glob("*.lock"))
    assert (
        f"resume: {len(before)} run(s) already recorded, {6 - len(before)} to run" in rerun.stderr
    )
    after = records(results)
    assert len(after) == 6
    assert {name: after[name] for name in before} == before  # nothing rewritten
