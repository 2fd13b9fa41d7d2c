"""``run --deterministic``: the command re-executes itself with torch's CPU kernels pinned
(AVX2, one thread, deterministic algorithms); its runs are bit-identical and say so."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

ARGS = ("-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,", "finetune.max_train=256")


def deterministic_run(data_root, results) -> dict:
    cmd = [sys.executable, "-m", "findna_bench", "run", "-m", "cnn", *ARGS, "-q"]
    cmd += ["--data-root", str(data_root), "--results", str(results), "--deterministic"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (path,) = [p for p in results.glob("*.json")]
    return json.loads(path.read_text())


def test_deterministic_runs_are_bit_identical_and_name_their_kernel_path(data_root, tmp_path):
    first = deterministic_run(data_root, tmp_path / "a")
    second = deterministic_run(data_root, tmp_path / "b")
    path = first["environment"]["kernel_path"]
    assert "ATen CPU capability AVX2" in path and "1 threads" in path
    assert "deterministic algorithms True" in path
    probs = [
        np.load(folder / r["predictions"]["file"])["probs"]
        for folder, r in ((tmp_path / "a", first), (tmp_path / "b", second))
    ]
    assert np.array_equal(probs[0], probs[1]) and first["metrics"] == second["metrics"]


def test_deterministic_refuses_a_process_that_loaded_torch_already(cli, data_root, tmp_path):
    import torch  # noqa: F401  (pytest's process has it; the pins could no longer apply)

    result = cli("run", "-m", "cnn", *ARGS, "--data-root", data_root, "--deterministic")
    assert result.exit_code == 2
    assert "pins torch's CPU kernels before torch loads" in result.output
