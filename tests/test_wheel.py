"""The built wheel carries the first-party plugins and registry and runs outside a checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_user_registry import readme_blocks

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_runs_its_bundled_plugins_outside_the_checkout(tmp_path, data_root):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("findna_bench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "findna_bench/_bundled/registry.yaml" in names
    assert "findna_bench/_bundled/plugins/datasets/gue.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {
        "PYTHONPATH": str(site),
        "PATH": "/usr/bin:/bin",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    code = "import sys; from findna_bench.cli import main; sys.argv[0] = 'findna-bench'; main()"
    validate = subprocess.run(
        [sys.executable, "-c", code, "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert validate.returncode == 0, validate.stderr
    assert str(site / "findna_bench/_bundled/registry.yaml") in validate.stdout
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "run",
            "-m",
            "cnn",
            "-t",
            "gue/mouse_3",
            "-p",
            "smoke",
            "--seeds",
            "1",
            "--data-root",
            str(data_root),
            "--results",
            str(tmp_path / "r"),
            "-q",
            "finetune.max_train=128",  # the bundled plugins running is the point, not training
            "finetune.max_valid=64",
            "finetune.epochs=1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "r").glob("*.json"))) == 1

    # the README tutorial, as a pip user follows it: a folder holding only its registry.yaml and
    # lstm.py, which extends the bundled registry (issue 13, item 8)
    tutorial = tmp_path / "tutorial"
    tutorial.mkdir()
    for name, text in readme_blocks().items():
        (tutorial / name).write_text(text)
    validate = subprocess.run(
        [sys.executable, "-c", code, "validate"],
        capture_output=True,
        text=True,
        cwd=tutorial,
        env=env,
    )
    assert validate.returncode == 0, validate.stderr
    assert f"plugins from {tutorial / 'registry.yaml'}: lstm.py" in validate.stdout
    run = subprocess.run(
        [
            *(sys.executable, "-c", code, "run", "-m", "lstm", "-t", "gue/mouse_2"),
            *("--profile", "smoke", "--seeds", "0,", "--data-root", str(data_root), "-q"),
            *("finetune.max_train=256", "finetune.max_valid=64", "finetune.epochs=1"),
        ],
        capture_output=True,
        text=True,
        cwd=tutorial,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    (record,) = (tutorial / "results").glob("*.json")
    data = json.loads(record.read_text())
    assert data["status"] == "ok", data
    assert data["config"]["backbone"] == {"use": "lstm", "hidden": 16}
