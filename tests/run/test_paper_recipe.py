"""The paper profile's per-task fine-tuning recipe applies to chordmixer-based models only;
baselines keep their own, and the record's ``config_sources`` says which layer set each key."""

from __future__ import annotations

import json
from pathlib import Path

from findna_bench.run.config import resolve


def test_paper_recipe_is_keyed_by_backbone(registry):
    findna = resolve(registry, "findna", "gue/tf_0", "paper")["finetune"]
    assert (findna["batch_size"], findna["lr"], findna["weight_decay"], findna["epochs"]) == (
        256,
        5e-4,
        0.01,
        20,
    )
    assert findna["grad_clip"] == 0.5 and findna["amp"] is True
    assert (
        resolve(registry, "chordmixer", "gue/prom_core_notata", "paper")["finetune"]["batch_size"]
        == 512
    )
    assert resolve(registry, "findna", "mtcdna/16k", "paper")["finetune"]["weight_decay"] == 0.01
    for baseline in ("cnn", "transformer"):
        paper = resolve(registry, baseline, "gue/tf_0", "paper")["finetune"]
        assert paper["lr"] == registry.model(baseline)["finetune"]["lr"]
        assert paper["batch_size"] == 64 and paper["grad_clip"] == 1.0


def test_record_says_which_layer_set_each_key(cli, data_root, tmp_path):
    sources: dict = {}
    from findna_bench.registry import load_registry

    registry = load_registry(Path(__file__).resolve().parents[2] / "registry.yaml")
    resolve(registry, "findna", "gue/prom_core_notata", "paper", sources=sources)
    assert sources["finetune.batch_size"] == "profile paper tasks.gue/prom_core_notata"
    assert sources["finetune.lr"] == "profile paper tasks.gue/prom_*"  # keyed by chordmixer
    cnn: dict = {}
    resolve(registry, "cnn", "gue/prom_core_notata", "paper", sources=cnn)
    assert cnn["finetune.lr"] == "model cnn" and cnn["finetune.amp"] == "profile paper"
    result = cli(
        "run", "-m", "cnn", "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,", "-q",
        "finetune.max_train=64", "--data-root", data_root, "--results", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert record["config_sources"]["finetune.lr"] == "profile smoke models.cnn"
    assert record["config_sources"]["finetune.max_train"] == "override"
