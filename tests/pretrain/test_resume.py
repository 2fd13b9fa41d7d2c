"""Checkpoints: a run stopped (or SIGKILLed) at any point resumes to the same steps and losses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from findna_bench.pretrain import checkpoint
from findna_bench.pretrain.loop import pretrain

REPO = Path(__file__).resolve().parents[2]
CPU = torch.device("cpu")


def losses(curve: list[dict]) -> list[tuple[int, float, float]]:
    return [(p["step"], p["loss"], p["mnm_loss"]) for p in curve]


def test_stop_and_resume_matches_uninterrupted(catalog, data_root, tmp_path, tiny_recipe):
    recipe = tiny_recipe()
    whole = pretrain(
        recipe, catalog=catalog, data_root=data_root, device=CPU, checkpoint_dir=tmp_path / "a"
    )
    part = pretrain(
        recipe,
        catalog=catalog,
        data_root=data_root,
        device=CPU,
        checkpoint_dir=tmp_path / "b",
        stop_at=3,
    )
    assert part.checkpoint is None and not (tmp_path / "b" / checkpoint.FINAL).exists()
    assert checkpoint.load(tmp_path / "b" / checkpoint.LAST)["step"] == 3
    rest = pretrain(
        recipe, catalog=catalog, data_root=data_root, device=CPU, checkpoint_dir=tmp_path / "b"
    )
    assert rest.resumed_from == 3 and len(rest.curve) == len(whole.curve) == 8
    assert losses(rest.curve) == losses(whole.curve)
    a = checkpoint.load(whole.checkpoint)["transfer"]
    b = checkpoint.load(rest.checkpoint)["transfer"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_refuses_another_recipe(catalog, data_root, tmp_path, tiny_recipe):
    from findna_bench.errors import ConfigError

    pretrain(
        tiny_recipe(),
        catalog=catalog,
        data_root=data_root,
        device=CPU,
        checkpoint_dir=tmp_path,
        stop_at=1,
    )
    with pytest.raises(ConfigError, match="different pretraining recipe"):
        pretrain(
            tiny_recipe(lr=1e-3),
            catalog=catalog,
            data_root=data_root,
            device=CPU,
            checkpoint_dir=tmp_path,
        )


def _cli(data_root: Path, folder: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "findna_bench",
        "pretrain",
        "--model",
        "findna",
        "--profile",
        "smoke",
        "--data-root",
        str(data_root),
        "--checkpoint-dir",
        str(folder),
        "--quiet",
        "pretrain.steps=120",
        "pretrain.checkpoint_every=1",
        "pretrain.log_every=5",
        *extra,
    ]


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_gives_the_same_curve(data_root, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # only the run to be killed saves every step; the others' curves do not depend on it
    reference = subprocess.run(
        _cli(data_root, tmp_path / "ref", "pretrain.checkpoint_every=60"),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert reference.returncode == 0, reference.stderr
    proc = subprocess.Popen(
        _cli(data_root, tmp_path / "killed"),
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    last = tmp_path / "killed" / checkpoint.LAST
    deadline = time.time() + 240
    while time.time() < deadline and not (last.exists() and checkpoint.load(last)["step"] >= 20):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    killed_at = checkpoint.load(last)["step"]
    assert 20 <= killed_at < 120 and not (tmp_path / "killed" / checkpoint.FINAL).exists()
    resumed = subprocess.run(
        _cli(data_root, tmp_path / "killed", "--resume", "pretrain.checkpoint_every=60"),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    a = checkpoint.load(tmp_path / "ref" / checkpoint.FINAL)
    b = checkpoint.load(tmp_path / "killed" / checkpoint.FINAL)
    assert a["steps"] == b["steps"] == 120
    assert losses(a["curve"]) == losses(b["curve"])
