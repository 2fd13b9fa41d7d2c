"""The paper profile carries FinDNA's per-task settings (findna-method §3.1-3.3), and only those."""

from __future__ import annotations

import pytest

from findna_bench.run.config import ENGINE_DEFAULTS, resolve

# (task, finetune: batch size, lr, weight decay, warm-up, epochs; chordmixer: track, blocks, dropout)
PAPER = [
    ("genomic_benchmarks/human_nontata_promoters", (1024, 5e-3, 0.1, 0.3, 200), (50, 4, 0.0)),
    ("genomic_benchmarks/dummy_mouse_enhancers_ensembl", (128, 5e-4, 0.1, 0.3, 150), (24, 2, 0.0)),
    ("genomic_benchmarks/human_ocr_ensembl", (256, 3e-4, 0.1, 0.3, 50), (30, 2, 0.3)),
    ("gue/EMP_H3", (32, 5e-4, 0.1, 0.3, 20), (38, 4, 0.1)),
    ("gue/EMP_H3K4me1", (32, 5e-4, 0.1, 0.3, 20), (40, 4, 0.0)),
    ("gue/EMP_H4", (32, 5e-4, 0.1, 0.3, 20), (40, 4, 0.1)),
    ("gue/prom_core_notata", (512, 5e-4, 0.1, 0.3, 10), (44, 4, 0.1)),
    ("gue/prom_core_tata", (32, 5e-4, 0.1, 0.3, 10), (44, 4, 0.2)),
    ("gue/prom_300_tata", (32, 5e-4, 0.1, 0.3, 10), (34, 4, 0.0)),
    ("gue/prom_300_all", (256, 5e-4, 0.1, 0.3, 20), (38, 4, 0.1)),
    ("gue/tf_3", (256, 5e-4, 0.01, 0.1, 20), (44, 4, 0.2)),
    ("gue/mouse_0", (256, 5e-4, 0.01, 0.1, 20), (44, 4, 0.2)),
    ("gue/splice_reconstructed", (64, 5e-5, 0.01, 0.1, 20), (34, 4, 0.1)),
    ("gue/virus_covid", (256, 1e-3, 0.01, 0.3, 100), (28, 4, 0.1)),
    ("mtcdna/1k", (16, 1e-4, 0.1, 0.2, 80), (28, 4, 0.1)),
    ("mtcdna/16k", (16, 1e-4, 0.01, 0.1, 50), (20, 4, 0.1)),
]


@pytest.mark.parametrize(("task", "finetune", "backbone"), PAPER)
def test_paper_profile_matches_the_method_tables(registry, task, finetune, backbone):
    cfg = resolve(registry, "chordmixer", task, "paper")
    ft = cfg["finetune"]
    assert (ft["batch_size"], ft["lr"], ft["weight_decay"], ft["warmup"], ft["epochs"]) == finetune
    bb = cfg["backbone"]
    assert (bb["track_size"], bb["blocks"], bb["dropout"]) == backbone
    assert (bb["dim"], bb["hidden"], ft["grad_clip"], ft["selection"]) == (
        308,
        512,
        0.5,
        "best-valid",
    )


def test_per_task_backbone_sections_reach_only_chordmixer_models(registry):
    plain = resolve(registry, "cnn", "gue/EMP_H3", "cpu")["backbone"]
    paper = resolve(registry, "cnn", "gue/EMP_H3", "paper")
    assert paper["backbone"] == plain
    # FinDNA's per-task fine-tuning recipe is keyed by backbone: the cnn keeps its own
    assert paper["finetune"]["batch_size"] == registry.model("cnn")["finetune"]["batch_size"]


def test_profiles_use_only_known_finetune_keys(registry):
    known = set(ENGINE_DEFAULTS["finetune"])
    for name, profile in registry.profiles.items():
        layers = [
            profile,
            *(profile.get("models") or {}).values(),
            *(profile.get("tasks") or {}).values(),
        ]
        for layer in layers:
            finetune = dict(layer.get("finetune") or {})
            # a mapping value is a section for the models built on that backbone
            for key in [k for k, v in finetune.items() if isinstance(v, dict)]:
                finetune.update(finetune.pop(key))
            assert set(finetune) <= known, (name, set(finetune) - known)
