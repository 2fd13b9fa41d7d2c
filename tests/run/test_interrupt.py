"""Ctrl-C during ``run``: one line saying how many runs were recorded, exit code 130, no claim
left behind, and the same command resumes where it stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

ARGS = [
    "run",
    "-m",
    "cnn",
    "-t",
    "gue/mouse_3",
    "-p",
    "smoke",
    "--seeds",
    "3",
    "finetune.max_train=1024",
]


def default_sigint() -> None:
    """A shell's background job ignores SIGINT, and children inherit that: restore it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after_first_run(cmd: list[str]) -> tuple[int, list[str]]:
    """Start ``cmd``, press Ctrl-C once it has shown a finished run; (exit code, stderr lines)."""
    proc = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, preexec_fn=default_sigint
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.time() + 120
    while not any(": test mcc" in line for line in lines) and time.time() < deadline:
        assert proc.poll() is None, "".join(lines)
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    return proc.returncode, [line.rstrip("\n") for line in lines]


@pytest.mark.slow
def test_ctrl_c_says_what_was_recorded_exits_130_and_the_rerun_resumes(tmp_path, data_root):
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
    code, err = interrupt_after_first_run(cmd)
    assert code == 130, "\n".join(err)
    recorded = len(list(results.glob("[!.]*.json")))
    assert 1 <= recorded < 3, "the suite should have been interrupted part-way"
    runs = "run" if recorded == 1 else "runs"
    assert err[-1] == f"interrupted: {recorded} {runs} recorded; rerun the same command to resume"
    assert not any("Traceback" in line for line in err) and not list(results.glob("*.lock"))

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    resumed = f"resume: {recorded} run(s) already recorded, {3 - recorded} to run"
    assert resumed in rerun.stderr and "stale lock" not in rerun.stderr
    assert len(list(results.glob("[!.]*.json"))) == 3
