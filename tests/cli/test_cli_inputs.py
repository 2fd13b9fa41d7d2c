"""Inputs are checked before any work, and the exit status says what happened (README "Exit codes").

2: bad input (config value, --results, --checkpoint, --seeds), one line, before data is read or a
model is built; 3: nothing to run; 1: a run failed; 0: all ran or were already recorded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from test_cli import write_gue_task

REPO = Path(__file__).resolve().parents[2]
TINY = ["-p", "smoke", "--seeds", "0,", "-q"]


def cnn_run(task: str, data_root, results) -> list:
    """``run -m cnn -t TASK`` at the tiny budget, reading DATA_ROOT and writing RESULTS."""
    return ["run", "-m", "cnn", "-t", task, *TINY, "--data-root", data_root, "--results", results]


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("finetune.lr=abc", 'finetune.lr="abc": expected a number > 0'),
        ("finetune.epochs=two", 'finetune.epochs="two": expected an integer >= 1'),
        ("finetune.batch_size=0", "finetune.batch_size=0: expected an integer >= 1"),
        (
            "finetune.mode=linear_probe",
            'finetune.mode="linear_probe": expected one of full, linear-probe',
        ),
        ("finetune.pooling=max", 'finetune.pooling="max": expected one of mean, mean-with-padding'),
        (
            "backbone.dropuot=0.1",
            "backbone.dropuot: backbone 'cnn' takes no such keyword; did you mean backbone.dropout?",
        ),
        ("finetune=3", "override 'finetune=3': finetune is a section"),
        (
            "finetune.lrr=1",
            "override 'finetune.lrr' names no config key; did you mean finetune.lr?",
        ),
    ],
)
def test_bad_config_value_stops_run_before_any_data(cli, tmp_path, item, expected, dry_run):
    # the data root does not exist: the config error must come first
    args = [
        *cnn_run("gue/tf_0", tmp_path / "none", tmp_path / "r"),
        item,
    ]
    line = one_line_error(cli(*args, *(["--dry-run"] if dry_run else [])))
    assert expected in line
    assert not (tmp_path / "r").exists()


def test_carve_seed_can_be_overridden(cli):
    result = cli(
        "run", "-m", "cnn", "-t", "gue/tf_0", *TINY, "--dry-run", "--json", "data.carve_seed=5"
    )
    assert result.exit_code == 0 and '"carve_seed": 5' in result.stdout


def test_validate_names_a_bad_preset_value(cli, tmp_path):
    registry = tmp_path / "registry.yaml"
    registry.write_text(f"""
plugins: [{REPO / "plugins/baselines/cnn.py"}, {REPO / "plugins/datasets/gue.py"}]
models:
  a: {{backbone: {{use: cnn, dropuot: 0.1}}}}
  b: {{backbone: {{use: cnn}}, finetune: {{epochs: two}}}}
suites: {{}}
profiles: {{p: {{}}}}
""")
    result = cli("--registry", registry, "validate")
    assert result.exit_code == 2
    assert (
        "backbone.dropuot: backbone 'cnn' takes no such keyword; did you mean backbone.dropout?"
        in result.output
    )
    assert 'finetune.epochs="two": expected an integer >= 1' in result.output


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("pretrain.steps=0", "pretrain.steps=0: expected an integer >= 1"),
        ("pretrain.batch_size=abc", 'pretrain.batch_size="abc": expected an integer >= 1'),
        ("pretrain.stepz=3", "did you mean pretrain.steps?"),
        ("pretrain.objective.tau_ss=1", "did you mean pretrain.objective.tau_s?"),
    ],
)
def test_pretrain_checks_the_recipe_before_reading_the_genome(cli, tmp_path, item, expected):
    result = cli(
        "pretrain",
        "-m",
        "findna",
        "-p",
        "smoke",
        "--data-root",
        tmp_path / "none",
        "--checkpoint-dir",
        tmp_path / "ck",
        item,
    )
    assert expected in one_line_error(result)


def test_results_that_is_a_file_or_under_a_file_is_refused_up_front(cli, tmp_path, data_root):
    taken = tmp_path / "results.txt"
    taken.write_text("not a folder")
    for results in (taken, taken / "sub"):
        line = one_line_error(cli(*cnn_run("gue/mouse_3", data_root, results)))
        assert f"--results {results}" in line


def test_results_that_cannot_be_written_is_refused_up_front(cli, tmp_path, data_root, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    line = one_line_error(cli(*cnn_run("gue/mouse_3", data_root, tmp_path / "r")))
    assert f"--results {tmp_path / 'r'}: cannot write in {tmp_path} (Permission denied)" in line


def test_checkpoint_missing_corrupt_or_ignored_is_refused(cli, tmp_path, data_root):
    common = ["-t", "gue/mouse_3", *TINY, "--data-root", data_root, "--results", tmp_path / "r"]
    missing = tmp_path / "nope.pt"
    line = one_line_error(cli("run", "-m", "findna", *common, "--checkpoint", missing))
    assert f"--checkpoint {missing} does not exist" in line
    corrupt = tmp_path / "final.pt"
    corrupt.write_bytes(b"\x00not a torch file")
    line = one_line_error(cli("run", "-m", "findna", *common, "--checkpoint", corrupt))
    assert f"--checkpoint {corrupt} cannot be read" in line
    line = one_line_error(
        cli("run", "-m", "findna,cnn,chordmixer", *common, "--checkpoint", corrupt)
    )
    assert "chordmixer, cnn would ignore it" in line
    assert not (tmp_path / "r").exists()


def test_seeds_zero_alone_is_an_error_with_the_fix(cli):
    line = one_line_error(cli("run", "-m", "cnn", "-t", "gue/tf_0", "--seeds", "0", "--dry-run"))
    assert "use --seeds 0," in line
    result = cli("run", "-m", "cnn", "-t", "gue/tf_0", "--seeds", "0,", "--dry-run", "--json")
    assert result.exit_code == 0 and result.stdout.count('"run_id"') == 1


def test_no_seed_is_nothing_to_run(cli, tmp_path):
    line = one_line_error(
        cli("run", "-m", "cnn", "-t", "gue/tf_0", "--seeds", ",", "--data-root", tmp_path), code=3
    )
    assert "names no seed" in line


def test_every_task_unavailable_exits_3(cli, tmp_path):
    (write_gue_task(tmp_path, "tf_0") / "train.csv").unlink()
    result = cli(*cnn_run("gue/tf_0", tmp_path, tmp_path / "r"))
    assert result.exit_code == 3, result.output
    assert "unavailable: gue/tf_0" in result.output and "nothing ran" in result.output


def test_failed_run_exits_1_and_a_resumed_suite_exits_0(cli, tmp_path):
    write_gue_task(tmp_path, "tf_0", rows=32)
    common = cnn_run("gue/tf_0", tmp_path, tmp_path / "r")
    failed = cli(*common, "finetune.lr=1e30")  # a valid value whose loss becomes NaN
    assert failed.exit_code == 1, failed.output
    assert "1 of 1 run(s) failed" in failed.output
    assert cli(*common, "finetune.epochs=1").exit_code == 0
    again = cli(*common, "finetune.epochs=1")
    assert again.exit_code == 0, again.output


def test_task_and_suite_case_and_short_suggestions(cli):
    assert (
        cli(
            "run", "-m", "cnn", "-t", "GUE/tf_*", "--seeds", "0,", "--dry-run", "--json"
        ).stdout.count('"run_id"')
        == 5
    )
    assert cli("run", "-m", "cnn", "-s", "GUE", "--seeds", "0,", "--dry-run").exit_code == 0
    line = one_line_error(cli("run", "-m", "cnn", "-t", "gue/promoter_*", "--dry-run"))
    assert "Did you mean 'gue/prom_*'" in line and line.count("gue/") <= 6
    assert "Did you mean 'cnn'" in one_line_error(
        cli("run", "-m", "CNN", "-t", "gue/tf_0", "--dry-run")
    )


def test_make_test_passes_an_absolute_data_root(data_root):
    assert data_root.is_absolute()  # tests that chdir keep finding the data
    if shutil.which("make") is None:
        pytest.skip("no make")
    env = {"PATH": "/usr/bin:/bin"}
    shown = subprocess.run(
        ["make", "-n", "test"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    # make's abspath keeps symbolic links, as a user's ../shared may be one
    assert f"FINDNA_BENCH_DATA={os.path.abspath(REPO.parent / 'shared' / 'data')} " in shown.stdout
