"""Factory keyword values are checked, not only their names: ``backbone.dropout=2`` on a whole
suite is one line and exit 2 before any data is read, not one failed record per run (issue 21;
``config_schema.BACKBONE_KEYWORDS`` and a factory's own ``keyword_rules``)."""

from __future__ import annotations

import pytest
from test_cli_inputs import one_line_error


@pytest.mark.parametrize(
    ("model", "item", "expected"),
    [
        ("cnn", "backbone.dropout=2", "backbone.dropout=2: expected a number in [0, 1)"),
        ("cnn", "backbone.kernel_size=0", "backbone.kernel_size=0: expected an integer >= 1"),
        (
            "cnn",
            "backbone.channels=[16,0]",
            "backbone.channels=[16, 0]: expected a non-empty list of integers >= 1",
        ),
        ("convnova", "backbone.dim=0.5", "backbone.dim=0.5: expected an integer >= 1"),
        ("chordmixer", "backbone.layer_dropout=-0.1", "expected a number in [0, 1)"),
        ("findna", "pretrain.backbone.dropout=1", "pretrain.backbone.dropout=1: expected"),
    ],
)
def test_a_keyword_value_out_of_range_stops_the_suite_before_any_work(
    cli, tmp_path, model, item, expected
):
    args = ["run", "-m", model, "-s", "gue", "-p", "smoke", "--seeds", "3", "-q"]
    where = ["--data-root", tmp_path / "none", "--results", tmp_path / "r"]
    line = one_line_error(cli(*args, *where, item))
    assert expected in line
    assert not (tmp_path / "r").exists()


def test_null_passes_where_the_factory_defaults_to_null(cli):
    result = cli("run", "-m", "convnova", "-t", "gue/tf_0", "-p", "smoke", "--dry-run")
    assert result.exit_code == 0, result.output
    again = cli(
        "run",
        "-m",
        "convnova",
        "-t",
        "gue/tf_0",
        "-p",
        "smoke",
        "--dry-run",
        "backbone.layers=null",
    )
    assert again.exit_code == 0, again.output


def test_a_factory_declares_rules_for_its_own_keywords(cli, tmp_path, monkeypatch):
    (tmp_path / "wide.py").write_text("""
from torch import nn

from findna_bench import hookimpl
from findna_bench.run.config_schema import integer


class Wide(nn.Module):
    def __init__(self, *, width: int = 4) -> None:
        super().__init__()
        self.dim = width
        self.proj = nn.Linear(5, width)

    def forward(self, x, mask):
        return self.proj(x)


Wide.keyword_rules = {"width": integer(2)}


@hookimpl
def register_backbones(register):
    register("wide", Wide)
""")
    (tmp_path / "registry.yaml").write_text(
        "plugins: [wide.py]\nmodels:\n  wide: {backbone: {use: wide}}\n"
    )
    monkeypatch.chdir(tmp_path)
    args = ["run", "-m", "wide", "-t", "gue/tf_0", "-p", "smoke", "--dry-run"]
    line = one_line_error(cli(*args, "backbone.width=1"))
    assert "backbone.width=1: expected an integer >= 2 (backbone 'wide')" in line
    assert cli(*args, "backbone.width=2").exit_code == 0
