"""The cpu-v2 profile (benchmarks/cpu-gue13-v2): the ChordMixer models share one architecture
and the cpu profile's pretraining recipes, so findna - chordmixer and findna - cm-mnm measure
pretraining alone; the budgets are the cpu profile's."""

from __future__ import annotations

from findna_bench.pretrain.recipe import recipe_hash, recipe_of
from findna_bench.run.config import resolve

CHORDMIXERS = ("chordmixer", "findna", "cm-mnm", "cm-cl", "findna-4x")
TASK = "gue/prom_core_all"


def test_the_chordmixer_models_share_one_network_and_the_cpu_recipes(registry):
    configs = {m: resolve(registry, m, TASK, "cpu-v2") for m in CHORDMIXERS}
    backbones = {str(sorted(c["backbone"].items())) for c in configs.values()}
    assert len(backbones) == 1 and configs["findna"]["backbone"]["position"] == "learned"
    finetunes = {str(sorted(c["finetune"].items())) for c in configs.values()}
    assert len(finetunes) == 1 and configs["chordmixer"]["finetune"]["cpu_amp"] is True
    for model in ("findna", "cm-mnm", "cm-cl", "findna-4x"):
        v2 = recipe_hash(recipe_of(configs[model]["pretrain"]))
        cpu = recipe_hash(recipe_of(resolve(registry, model, TASK, "cpu")["pretrain"]))
        assert v2 == cpu, model  # the cached weights of the cpu profile are reused
    steps = {m: configs[m]["pretrain"]["steps"] for m in ("findna", "cm-mnm", "cm-cl")}
    assert set(steps.values()) == {3000} and configs["findna-4x"]["pretrain"]["steps"] == 12000


def test_the_budgets_are_the_cpu_profiles(registry):
    keys = ("epochs", "max_steps", "min_steps", "eval_every", "patience", "batch_size", "lr")
    for model in ("cnn", "convnova", "chordmixer"):
        for task in (TASK, "gue/tf_0"):
            v2 = resolve(registry, model, task, "cpu-v2")["finetune"]
            cpu = resolve(registry, model, task, "cpu")["finetune"]
            assert {k: v2[k] for k in keys} == {k: cpu[k] for k in keys}, (model, task)
    convnova = resolve(registry, "convnova", TASK, "cpu-v2")
    assert convnova["backbone"]["dim"] == 32 and convnova["finetune"]["pooling"] == "mean-max"
    assert resolve(registry, "cnn", TASK, "cpu-v2")["finetune"]["cpu_amp"] is False
