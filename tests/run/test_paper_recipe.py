"""The paper profile's per-task fine-tuning recipe applies to chordmixer-based models only;
baselines keep their own, and ``finetune_recipe`` says which sections applied."""

from __future__ import annotations

from findna_bench.run.config import resolve
from findna_bench.run.recipe import finetune_recipe


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


def test_record_says_which_recipe_applied(registry):
    got = finetune_recipe(registry, "findna", "gue/prom_core_notata", "paper")
    assert got["recipe"] == "paper per-task (chordmixer)" and got["backbone"] == "chordmixer"
    sections = {s["section"]: s for s in got["sections"]}
    assert sections["profiles.paper.tasks.gue/prom_core_notata"]["keys"] == ["batch_size"]
    assert sections["profiles.paper.tasks.gue/prom_*"]["keyed"] == "chordmixer"
    cnn = finetune_recipe(registry, "cnn", "gue/prom_core_notata", "paper")
    assert cnn["recipe"] == "paper defaults"  # amp only; no per-task section reaches the cnn
    assert [s["section"] for s in cnn["sections"]] == ["models.cnn", "profiles.paper"]
    assert finetune_recipe(registry, "cnn", "gue/tf_0", "smoke")["recipe"] == "smoke defaults"
