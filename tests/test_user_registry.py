"""A user's registry.yaml extends the bundled one (issue 13, item 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from findna_bench.registry import load_registry

REPO = Path(__file__).resolve().parents[1]
USER_REGISTRY = """
plugins: [plugins/toy_backbone.py]
models:
  toy: {backbone: {use: toy-gru, hidden: 8}}
  cnn: {backbone: {use: cnn, embed_dim: 12}}
profiles:
  smoke:
    models:
      toy: {backbone: {hidden: 4}}
"""


def readme_blocks() -> dict[str, str]:
    """The tutorial's ``lstm.py`` and ``registry.yaml``, as README.md prints them."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Write a plugin in five minutes", 1)[1].split("\n## ", 1)[0]
    python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    yaml = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return {"lstm.py": python, "registry.yaml": yaml}


@pytest.fixture()
def workspace(tmp_path, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins/toy_backbone.py").write_text(
        (REPO / "tests/fixtures/plugins/toy_backbone.py").read_text()
    )
    (tmp_path / "registry.yaml").write_text(USER_REGISTRY)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_user_registry_merges_over_the_bundled_one(workspace):
    bundled = load_registry(REPO / "registry.yaml")
    reg = load_registry()  # ./registry.yaml
    assert reg.path == workspace / "registry.yaml" and reg.base == REPO / "registry.yaml"
    assert reg.plugins[: len(bundled.plugins)] == bundled.plugins
    assert reg.plugins[-1] == str(workspace / "plugins/toy_backbone.py")
    assert reg.plugin_origin(reg.plugins[-1]) == f"{reg.path}: plugins/toy_backbone.py"
    assert reg.plugin_origin(reg.plugins[0]).startswith("bundled: plugins/")
    assert set(bundled.models) < set(reg.models) and "toy" in reg.models
    assert reg.models["cnn"] == {"backbone": {"use": "cnn", "embed_dim": 12}}  # replaced
    smoke = reg.profiles["smoke"]
    assert smoke["models"]["toy"] == {"backbone": {"hidden": 4}}
    assert smoke["models"]["cnn"] == bundled.profiles["smoke"]["models"]["cnn"]  # deep-merged
    assert smoke["finetune"] == bundled.profiles["smoke"]["finetune"]
    assert reg.suites == bundled.suites


def test_extends_false_uses_the_file_alone(workspace):
    (workspace / "registry.yaml").write_text("extends: false\n" + USER_REGISTRY)
    reg = load_registry()
    assert reg.base is None and set(reg.models) == {"toy", "cnn"}
    assert reg.plugins == [str(workspace / "plugins/toy_backbone.py")]


def test_the_bundled_registry_in_the_working_folder_is_used_alone(monkeypatch):
    monkeypatch.chdir(REPO)
    reg = load_registry()
    assert reg.path == REPO / "registry.yaml" and reg.base is None


def test_relative_plugin_paths_follow_the_user_file_not_the_working_folder(workspace, monkeypatch):
    monkeypatch.chdir(workspace / "elsewhere")
    reg = load_registry(Path("../registry.yaml"))
    assert reg.plugins[-1] == str(workspace / "plugins/toy_backbone.py")


def test_validate_plugins_and_dry_run_from_the_users_folder(cli, workspace):
    validate = cli("validate")
    assert validate.exit_code == 0, validate.output
    assert f"ok: {workspace / 'registry.yaml'} (extends the bundled" in validate.output
    assert f"plugins from {workspace / 'registry.yaml'}: plugins/toy_backbone.py" in (
        validate.output
    )
    assert "plugins from bundled: plugins/baselines/cnn.py" in validate.output
    listing = cli("plugins")
    assert listing.exit_code == 0 and "toy_backbone" in listing.output
    dry = cli(
        "run", "-m", "toy,transformer", "-t", "gue/mouse_2", "-p", "smoke", "--dry-run", "--json"
    )
    assert dry.exit_code == 0, dry.output
    backbones = [run["config"]["backbone"] for run in json.loads(dry.stdout)["runs"]]
    assert backbones[0]["use"] == "toy-gru" and backbones[0]["hidden"] == 4
    assert backbones[-1]["use"] == "transformer"  # bundled models still there


def test_the_readme_lstm_ignores_padding():
    namespace: dict = {}
    exec(compile(readme_blocks()["lstm.py"], "lstm.py", "exec"), namespace)
    torch.manual_seed(0)
    net = namespace["LSTM"](hidden=4).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (1, 7)), 5).float()
    mask = torch.ones(1, 7, dtype=torch.bool)
    padded = torch.cat([x, torch.zeros(1, 3, 5)], 1)
    pmask = torch.cat([mask, torch.zeros(1, 3, dtype=torch.bool)], 1)
    with torch.no_grad():
        alone, with_pad = net(x, mask), net(padded, pmask)
    assert with_pad.shape == (1, 10, 8)
    torch.testing.assert_close(with_pad[:, :7], alone)
    assert not with_pad[:, 7:].any()


def test_the_readme_registry_loads_with_the_readme_plugin(cli, tmp_path, monkeypatch):
    for name, text in readme_blocks().items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    assert "lstm" in cli("list", "backbones").output
    dry = cli("run", "-m", "lstm", "-t", "gue/mouse_2", "-p", "smoke", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    run = json.loads(dry.stdout)["runs"][0]
    assert run["config"]["backbone"] == {"use": "lstm", "hidden": 16}


def test_a_package_plugin_in_a_user_registry_keeps_its_own_module_name(cli, workspace):
    package = workspace / "plugins/toy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        (REPO / "tests/fixtures/plugins/toy_backbone.py").read_text().replace("toy-gru", "pkg-gru")
    )
    (workspace / "registry.yaml").write_text(USER_REGISTRY.replace("]", ", plugins/toy_pkg]", 1))
    listing = cli("list", "backbones")
    assert listing.exit_code == 0, listing.output
    assert "pkg-gru" in listing.output and "toy-gru" in listing.output
    import sys

    assert sys.modules["findna_bench_plugins.toy_pkg"].__file__ == str(package / "__init__.py")
