"""Inputs that used to end in a traceback now stop the command with one line naming the file,
key or value and exit 2, before any work (README "Exit codes", issue 21)."""

from __future__ import annotations

import pytest
from test_cli_inputs import one_line_error

DRY = ["-t", "gue/tf_0", "-p", "smoke", "--dry-run"]


@pytest.mark.parametrize(
    "command",
    [
        ["run", "-m", "cnn", "--seeds", "0,", *DRY],
        ["validate"],
        ["list"],
        ["plugins"],
        ["data", "status"],
    ],
)
def test_a_registry_that_is_not_utf8_is_named(cli, tmp_path, monkeypatch, data_root, command):
    (tmp_path / "registry.yaml").write_bytes(b'models:\n  x: {description: "caf\xe9"}\n')
    monkeypatch.chdir(tmp_path)
    extra = ["--data-root", data_root] if command[0] == "data" else []
    line = one_line_error(cli(*command, *extra))
    assert f"{tmp_path / 'registry.yaml'}: not UTF-8 text (byte 0xe9 at offset 31)" in line


@pytest.mark.parametrize("command", [["run", "-m", "cnn", "--seeds", "0,", *DRY], ["pretrain"]])
def test_an_override_value_that_is_not_yaml_is_named(cli, tmp_path, command):
    if command == ["pretrain"]:
        command = ["pretrain", "-m", "findna", "-p", "smoke", "--data-root", tmp_path / "none"]
    line = one_line_error(cli(*command, "backbone.channels=[16,8"))
    assert "override 'backbone.channels=[16,8': the value is not valid YAML" in line


def test_report_out_that_is_a_file_is_refused_before_reading_records(cli, tmp_path):
    taken = tmp_path / "page.html"
    taken.write_text("mine")
    line = one_line_error(cli("report", "--results", tmp_path / "none", "--out", taken))
    assert f"--out {taken} is a file, not a folder" in line
    assert taken.read_text() == "mine"


def test_a_plugin_path_that_is_not_python_is_named(cli, tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("x = 1\n")
    (tmp_path / "registry.yaml").write_text("plugins: [notes.txt]\n")
    monkeypatch.chdir(tmp_path)
    line = one_line_error(cli("list"))
    assert f"plugin path {tmp_path / 'notes.txt'} is not a .py file or a package folder" in line


@pytest.mark.parametrize(
    ("seeds", "expected"),
    [
        ("1000000000", "--seeds 1000000000: at most 1000 seeds per invocation"),
        ("4294967296,", "--seeds 4294967296,: seeds are integers from 0 to 4294967295"),
    ],
)
def test_seeds_out_of_range_are_refused_before_any_list_is_built(cli, seeds, expected):
    assert expected in one_line_error(cli("run", "-m", "cnn", "--seeds", seeds, *DRY))


def test_the_largest_seed_is_accepted(cli):
    result = cli("run", "-m", "cnn", "--seeds", "4294967295,", *DRY, "--json")
    assert result.exit_code == 0 and '"seed": 4294967295' in result.stdout


def test_an_empty_model_name_is_bad_input(cli, tmp_path):
    line = one_line_error(cli("run", "-m", "", "--seeds", "0,", *DRY))
    assert "--model '' names no model" in line


@pytest.mark.parametrize("value", ["1d", "0", "nan"])
def test_a_lock_max_age_that_is_not_seconds_is_one_line(cli, monkeypatch, value):
    monkeypatch.setenv("FINDNA_BENCH_LOCK_MAX_AGE", value)
    line = one_line_error(cli("run", "-m", "cnn", "--seeds", "0,", *DRY))
    assert f"FINDNA_BENCH_LOCK_MAX_AGE='{value}': expected a number of seconds > 0" in line
