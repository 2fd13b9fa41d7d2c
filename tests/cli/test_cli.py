"""The CLI end to end on real GUE data: run, resume, leaderboard, list, validate, bad input."""

from __future__ import annotations

import inspect
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def write_gue_task(
    root: Path,
    name: str,
    *,
    rows: int = 64,
    bad_row: str | None = None,
    header: str = "sequence,label",
) -> Path:
    """A small GUE-layout task of random 101-bp sequences (for error paths, not for scores)."""
    rng = random.Random(name)
    folder = root / "gue" / name
    folder.mkdir(parents=True)
    for split in ("train", "dev", "test"):
        lines = [header] + [
            f"{''.join(rng.choice('ACGT') for _ in range(101))},{i % 2}" for i in range(rows)
        ]
        if bad_row is not None and split == "train":
            lines.insert(5, bad_row)
        (folder / f"{split}.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_help_does_not_import_torch():
    code = (
        "import sys; from findna_bench.cli import make_app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(make_app(), ['--help']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pandas', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_command_summary_is_one_line():
    """Rich help keeps a summary's line breaks, so a wrapped first paragraph breaks mid-sentence
    in ``findna-bench --help``: each command's summary must be a single line."""
    import typer

    from findna_bench.cli import make_app

    def commands(group, prefix: str = ""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if hasattr(command, "commands"):  # a group (typer vendors its own click classes)
                yield from commands(command, f"{prefix}{name} ")

    root = typer.main.get_command(make_app())
    wrapped = {
        name: cmd.help.split("\n\n")[0]
        for name, cmd in commands(root)
        if "\n" in inspect.cleandoc(cmd.help or "").split("\n\n")[0]
    }
    assert not wrapped, wrapped
    assert {"run", "list", "training", "data verify"} <= {name for name, _ in commands(root)}


def test_list_of_registry_sections_imports_neither_torch_nor_pandas():
    code = (
        "import sys; from findna_bench.cli import make_app; from typer.testing import CliRunner; "
        "outs = [CliRunner().invoke(make_app(), ['list', s]) for s in "
        "('models', 'suites', 'profiles')]; assert all(r.exit_code == 0 for r in outs); "
        "assert 'findna' in outs[0].output and 'gue' in outs[1].output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_model_lists_a_close_match(cli, data_root):
    result = cli("run", "--model", "cnnn", "--task", "gue/tf_0", "--data-root", data_root)
    assert result.exit_code == 2
    assert "unknown model 'cnnn'. Did you mean 'cnn'?" in result.output


def test_unknown_task_and_suite(cli, data_root):
    assert (
        "Did you mean 'gue/tf_0'"
        in cli("run", "-m", "cnn", "-t", "gue/tf0", "--data-root", data_root).output
    )
    result = cli("run", "-m", "cnn", "-s", "gu", "--data-root", data_root)
    assert result.exit_code == 2 and "unknown suite 'gu'" in result.output


def test_missing_data_root_is_one_line_exit_2(cli, tmp_path):
    result = cli("run", "-m", "cnn", "-t", "gue/tf_0", "--data-root", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"data root {tmp_path / 'nowhere'} does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("bad_row", "header", "message"),
    [
        ("ACGT,one", "sequence,label", "label 'one' is not an integer"),
        (None, "seq,target", "expected columns 'sequence,label'"),
    ],
)
def test_bad_table_stops_with_exit_2_and_keeps_records(cli, tmp_path, bad_row, header, message):
    write_gue_task(tmp_path, "tf_0")
    write_gue_task(tmp_path, "tf_1", bad_row=bad_row, header=header)
    results = tmp_path / "results"
    result = cli(
        "run",
        "-m",
        "cnn",
        "-t",
        "gue/tf_0,gue/tf_1",
        "-p",
        "smoke",
        "--seeds",
        "1",
        "--data-root",
        tmp_path,
        "--results",
        results,
        "-q",
    )
    assert result.exit_code == 2
    assert message in result.output and "tf_1/train.csv" in result.output
    kept = [json.loads(p.read_text()) for p in results.glob("*.json")]
    assert [r["task"] for r in kept] == ["gue/tf_0"]


def test_missing_split_file_reports_task_unavailable(cli, tmp_path):
    folder = write_gue_task(tmp_path, "tf_0")
    (folder / "train.csv").unlink()
    result = cli(
        "run",
        "-m",
        "cnn",
        "-t",
        "gue/tf_0",
        "-p",
        "smoke",
        "--seeds",
        "1",
        "--data-root",
        tmp_path,
        "--results",
        tmp_path / "r",
        "-q",
    )
    assert "unavailable: gue/tf_0: no train split under" in result.output


def test_override_of_unknown_key_is_rejected(cli, data_root):
    result = cli(
        "run",
        "-m",
        "cnn",
        "-t",
        "gue/tf_0",
        "--data-root",
        data_root,
        "finetune.lrr=1",
        "--dry-run",
    )
    assert result.exit_code == 2 and "override 'finetune.lrr' names no config key" in result.output


def test_list_plugins_and_validate(cli):
    listing = cli("list", "backbones")
    assert listing.exit_code == 0 and "cnn" in listing.output
    assert "gue" in cli("plugins").output
    validation = cli("validate")
    assert validation.exit_code == 0, validation.output


def test_baseline_from_one_file_plus_one_registry_line(cli, tmp_path, data_root):
    plugin = tmp_path / "toy_backbone.py"
    plugin.write_text((REPO / "tests/fixtures/plugins/toy_backbone.py").read_text())
    registry = tmp_path / "registry.yaml"
    registry.write_text(f"""
plugins: [{REPO / "plugins/datasets/gue.py"}, toy_backbone.py]
models:
  toy: {{backbone: {{use: toy-gru, hidden: 8}}}}
suites: {{}}
profiles:
  smoke: {{finetune: {{epochs: 1, max_train: 256, max_valid: 128}}}}
""")
    assert "toy-gru" in cli("--registry", registry, "list", "backbones").output
    result = cli(
        "--registry",
        registry,
        "run",
        "-m",
        "toy",
        "-t",
        "gue/mouse_3",
        "-p",
        "smoke",
        "--seeds",
        "1",
        "--data-root",
        data_root,
        "--results",
        tmp_path / "r",
        "-q",
    )
    assert result.exit_code == 0, result.output
    record = json.loads(next((tmp_path / "r").glob("*.json")).read_text())
    assert record["plugins"]["backbone"] == "toy_backbone"
    assert record["data"]["sizes"] == {"train": 256, "valid": 128, "test": 239}


@pytest.mark.slow
def test_run_records_and_leaderboard_formats(cli, tmp_path, data_root):
    results = tmp_path / "r"
    result = cli(
        "run",
        "-m",
        "cnn",
        "-t",
        "gue/mouse_3",
        "-p",
        "smoke",
        "--seeds",
        "2",
        "--data-root",
        data_root,
        "--results",
        results,
        "-q",
    )
    assert result.exit_code == 0, result.output
    records = sorted(
        (json.loads(p.read_text()) for p in results.glob("*.json")), key=lambda r: r["seed"]
    )
    assert [r["seed"] for r in records] == [0, 1]
    for r in records:
        assert set(r["metrics"]["test"]) == {"mcc", "accuracy", "f1_macro", "auroc"}
        assert -1 <= r["metrics"]["test"]["mcc"] <= 1
        assert r["data"]["files"] and all(len(v) == 64 for v in r["data"]["files"].values())
        assert r["environment"]["packages"]["torch"] and r["environment"]["git_sha"]
        assert r["config_hash"] in r["run_id"] and r["parameters"] > 0
    as_json = json.loads(cli("leaderboard", "--results", results, "-f", "json").output)
    mean = sum(r["metrics"]["test"]["mcc"] for r in records) / 2
    assert as_json[0]["n"] == 2 and abs(as_json[0]["mean"] - mean) < 1e-9
    assert "| cnn |" in cli("leaderboard", "--results", results, "-f", "md").output
    assert cli("leaderboard", "--results", results, "-f", "csv").output.startswith(
        "row,task,metric,mean"
    )
