"""Registry parsing and run-config resolution order."""

from __future__ import annotations

import pytest

from findna_bench.errors import ConfigError, UnknownName
from findna_bench.registry import load_registry
from findna_bench.run.config import expand, expand_tasks, parse_overrides, resolve
from findna_bench.runspec import RunSpec

REGISTRY = """
plugins: []
models:
  m: {backbone: {use: cnn, embed_dim: 100}, finetune: {lr: 0.1}}
suites:
  s: {tasks: ["gue/tf_*", gue/mouse_0]}
profiles:
  p:
    finetune: {lr: 0.2, epochs: 7}
    models: {m: {backbone: {embed_dim: 8}}}
    tasks:
      "gue/*": {finetune: {batch_size: 16}, backbone: {cnn: {kernel_size: 5}, other: {x: 1}}}
      gue/tf_0: {finetune: {batch_size: 32}}
"""


@pytest.fixture()
def reg(tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY)
    return load_registry(path)


def test_layers_apply_in_order(reg):
    cfg = resolve(reg, "m", "gue/tf_0", "p", parse_overrides(["finetune.epochs=2"]))
    assert cfg["finetune"]["lr"] == 0.1  # the model's recipe: profile defaults keep it
    assert cfg["finetune"]["epochs"] == 2  # override over profile
    assert cfg["finetune"]["batch_size"] == 32  # exact task pattern over glob
    assert cfg["backbone"] == {
        "use": "cnn",
        "embed_dim": 8,
        "kernel_size": 5,
    }  # only the matching backbone key
    assert resolve(reg, "m", "gue/mouse_0", "p")["finetune"]["batch_size"] == 16


def test_recipes_yield_only_to_per_model_sections_and_overrides(reg, tmp_path):
    sources: dict = {}
    cfg = resolve(
        reg, "m", "gue/tf_0", "p", parse_overrides(["finetune.epochs=2"]), sources=sources
    )
    assert sources["finetune.lr"] == "model m" and cfg["finetune"]["lr"] == 0.1
    assert sources["finetune.epochs"] == "override"
    assert sources["finetune.batch_size"] == "profile p tasks.gue/tf_0"
    assert sources["backbone.embed_dim"] == "profile p models.m"
    path = tmp_path / "r.yaml"
    path.write_text(
        REGISTRY.replace("{m: {backbone: {embed_dim: 8}}}", "{m: {finetune: {lr: 0.3}}}")
    )
    assert resolve(load_registry(path), "m", "gue/tf_0", "p")["finetune"]["lr"] == 0.3
    assert resolve(reg, "m", "gue/tf_0", "p", {"finetune": {"lr": 0.4}})["finetune"]["lr"] == 0.4


def test_trust_remote_code_is_refused_as_an_override(reg):
    with pytest.raises(ConfigError, match="never on the command line"):
        resolve(reg, "m", "gue/tf_0", "p", parse_overrides(["backbone.trust_remote_code=true"]))


def test_override_values_are_yaml_typed_and_checked(reg):
    assert parse_overrides(["a.b=3e-4", "c=[1, 2]", "d=true"]) == {
        "a": {"b": 3e-4},
        "c": [1, 2],
        "d": True,
    }
    with pytest.raises(ConfigError, match="not key=value"):
        parse_overrides(["finetune.lr"])
    with pytest.raises(ConfigError, match=r"'finetune.nope' names no config key"):
        resolve(reg, "m", "gue/tf_0", "p", {"finetune": {"nope": 1}})
    assert (
        resolve(reg, "m", "gue/tf_0", "p", {"backbone": {"dropout": 0.1}})["backbone"]["dropout"]
        == 0.1
    )


def test_suite_expansion_and_spec_identity(reg):
    known = ["gue/tf_0", "gue/tf_1", "gue/mouse_0", "gue/EMP_H3"]
    assert expand_tasks(reg, ["s"], [], known) == ["gue/tf_0", "gue/tf_1", "gue/mouse_0"]
    with pytest.raises(UnknownName, match=r"Did you mean .*'gue/tf_1'"):
        expand_tasks(reg, [], ["gue/tf_l"], known)
    specs = expand(reg, models=["m"], tasks=["gue/tf_0", "gue/tf_1"], seeds=[0, 1], profile="p")
    assert [(s.task, s.seed) for s in specs] == [
        ("gue/tf_0", 0),
        ("gue/tf_0", 1),
        ("gue/tf_1", 0),
        ("gue/tf_1", 1),
    ]
    assert len({s.hash for s in specs}) == 4
    again = RunSpec(
        model="m", task="gue/tf_0", seed=0, profile="p", config=resolve(reg, "m", "gue/tf_0", "p")
    )
    assert again.run_id == specs[0].run_id


def test_bad_registry_files(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("plugins: []\nmodles: {}\n")
    with pytest.raises(ConfigError, match="unknown top-level key"):
        load_registry(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_registry(tmp_path / "missing.yaml")
