"""Transfer of pretrained weights into task backbones, and the run/pretrain CLI paths."""

from __future__ import annotations

import hashlib
import json

import pytest
import torch

from findna_bench.pretrain.transfer import backbone_warnings, copy_weights


def chordmixer(catalog, **kw):
    return catalog.get("backbone", "chordmixer").factory(
        **{"track_size": 2, "hidden": 8, "dim": 12, **kw}
    )


def test_fewer_layers_drop_and_more_blocks_stay_random(catalog):
    pretrained = chordmixer(catalog, blocks=2, max_len=138)  # 8 layers per encoder
    task = chordmixer(catalog, blocks=3, max_len=101)  # 7 layers per encoder, one more encoder
    before = {k: v.clone() for k, v in task.state_dict().items()}
    moved = copy_weights(task, pretrained.state_dict())
    state = task.state_dict()
    assert "embed" in moved["copied_modules"] and "encoders.1.layers.6" in moved["copied_modules"]
    assert moved["dropped_modules"] == ["encoders.0.layers.7", "encoders.1.layers.7"]
    assert moved["kept_random_modules"] == [f"encoders.2.layers.{i}" for i in range(7)]
    assert moved["copied"] == 2 + 2 * 7 * 4
    assert torch.equal(
        state["encoders.1.layers.3.mlp.fc1.weight"],
        pretrained.state_dict()["encoders.1.layers.3.mlp.fc1.weight"],
    )
    assert torch.equal(
        state["encoders.2.layers.0.mlp.fc1.weight"], before["encoders.2.layers.0.mlp.fc1.weight"]
    )


def test_longer_task_keeps_extra_layers_random(catalog):
    pretrained = chordmixer(catalog, blocks=1, max_len=64)  # 6 layers
    task = chordmixer(catalog, blocks=1, max_len=300)  # 9 layers
    moved = copy_weights(task, pretrained.state_dict())
    assert moved["kept_random_modules"] == [
        "encoders.0.layers.6",
        "encoders.0.layers.7",
        "encoders.0.layers.8",
    ]
    assert moved["dropped_modules"] == []


def test_track_size_override_is_a_warning():
    pre = {"use": "chordmixer", "dim": 308, "track_size": 28, "hidden": 512, "blocks": 4}
    assert backbone_warnings(pre, {**pre, "max_len": 101}) == []
    (line,) = backbone_warnings(pre, {**pre, "track_size": 44})
    assert "track_size" in line and "44" in line and "28" in line


@pytest.mark.slow
def test_run_pretrains_once_then_reuses_and_takes_checkpoint(cli, data_root, tmp_path, monkeypatch):
    # the default cache is user-level ($XDG_CACHE_HOME/findna-bench), whatever the folder
    monkeypatch.delenv("FINDNA_BENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    common = [
        "--task",
        "gue/tf_0",
        "--profile",
        "smoke",
        "--data-root",
        data_root,
        "--quiet",
        "pretrain.steps=6",
        "finetune.max_train=256",
        "finetune.max_valid=128",
    ]
    result = cli("run", "--model", "findna", "--seeds", "2", "--results", tmp_path / "r1", *common)
    assert result.exit_code == 0, result.output
    records = sorted(
        (json.loads(p.read_text()) for p in (tmp_path / "r1").glob("*.json")),
        key=lambda r: r["seed"],
    )
    assert [r["pretrained"]["cache_hit"] for r in records] == [False, True]
    where = records[0]["pretrained"]["checkpoint"]  # portable: relative to the cache
    assert where.startswith("<cache>/pretrained/") and where.endswith("/final.pt")
    final = tmp_path / "xdg" / "findna-bench" / where.removeprefix("<cache>/")
    assert (
        records[0]["pretrained"]["weights_sha256"] == hashlib.sha256(final.read_bytes()).hexdigest()
    )
    assert records[0]["pretrained"]["copied"] > 0 and records[0]["pretrained"]["steps"] == 6
    # a cache hit fine-tunes exactly as the run that pretrained (pretraining leaves the RNG alone)
    monkeypatch.chdir(tmp_path / "two")  # another folder finds the same cache
    again = cli("run", "--model", "findna", "--seeds", "1", "--results", tmp_path / "r3", *common)
    assert again.exit_code == 0, again.output
    (hit,) = [json.loads(p.read_text()) for p in (tmp_path / "r3").glob("*.json")]
    assert hit["pretrained"]["cache_hit"] and hit["metrics"] == records[0]["metrics"]
    # --checkpoint uses the given file (a model without a recipe is refused: tests/test_cli_inputs.py)
    given = cli(
        "run",
        "--model",
        "findna",
        "--seeds",
        "1",
        "--results",
        tmp_path / "r2",
        "--checkpoint",
        final,
        *common,
    )
    assert given.exit_code == 0, given.output
    by_model = {
        json.loads(p.read_text())["model"]: json.loads(p.read_text())
        for p in (tmp_path / "r2").glob("*.json")
    }
    assert by_model["findna"]["pretrained"]["checkpoint"] == where  # the same file, in the cache


def test_pretrain_command_refuses_a_model_without_recipe(cli, data_root):
    result = cli(
        "pretrain", "--model", "chordmixer", "--profile", "smoke", "--data-root", data_root
    )
    assert result.exit_code == 2 and "no pretrain: recipe" in result.output
