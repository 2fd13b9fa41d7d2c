"""Data-parallel pretraining: 2 gloo processes under torchrun match one process.

Tolerance: every logged loss within 1e-4 absolute. The two runs see the same windows and
augmentation draws; only the order of floating-point reductions differs (two half-batch
gradients averaged by all-reduce against one whole-batch gradient).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from findna_bench.pretrain import checkpoint

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_gloo_matches_single_process(data_root, tmp_path):
    args = [
        "-m",
        "findna_bench",
        "pretrain",
        "--model",
        "findna",
        "--profile",
        "smoke",
        "--device",
        "cpu",
        "--data-root",
        str(data_root),
        "--quiet",
        "pretrain.steps=12",
        "pretrain.log_every=1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = subprocess.run(
        [sys.executable, *args, "--checkpoint-dir", str(tmp_path / "one")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr
    torchrun = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(free_port()),
    ]
    double = subprocess.run(
        [*torchrun, *args, "--checkpoint-dir", str(tmp_path / "two")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert double.returncode == 0, double.stderr[-2000:]
    one = checkpoint.load(tmp_path / "one" / checkpoint.FINAL)
    two = checkpoint.load(tmp_path / "two" / checkpoint.FINAL)
    assert (
        [p["step"] for p in one["curve"]] == [p["step"] for p in two["curve"]] == list(range(1, 13))
    )
    for a, b in zip(one["curve"], two["curve"]):
        for key in ("loss", "mnm_loss", "cl_loss", "mnm_acc", "ema"):
            assert abs(a[key] - b[key]) <= TOLERANCE, (a["step"], key, a[key], b[key])
    assert a["loss"] != one["curve"][0]["loss"]  # the runs actually trained
