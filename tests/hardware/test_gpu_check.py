"""``findna-bench gpu-check --device cpu --quick`` runs the whole plan and writes both files;
the memory estimate matches the tensors autograd saves and the issue's paper-task numbers."""

from __future__ import annotations

import json

import pytest
import torch

from findna_bench.hardware import memory


@pytest.mark.slow
def test_quick_cpu_gpu_check_writes_json_and_markdown(cli, data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    result = cli(
        "gpu-check", "--device", "cpu", "--quick", "--out", tmp_path, "--data-root", data_root
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "gpu-check.json").read_text())
    assert [r["status"] for r in report["speed"]] == ["ok"] * 4
    assert report["pretrain"]["steps_per_s"] > 0 and report["pretrain"]["projected_hours"] > 0
    assert (
        report["finetune"]["steps_per_s"] > 0 and report["finetune"]["task"] == "gue/prom_core_all"
    )
    assert report["torchrun"]["ok"] and report["torchrun"]["backend"] == "gloo"
    assert {r["task"] for r in report["memory"]} >= {"mtcdna/16k", "gue/virus_covid"}
    text = (tmp_path / "gpu-check.md").read_text()
    for title in (
        "Profile",
        "Pretraining",
        "Fine-tuning",
        "torchrun smoke",
        "Memory per paper task",
    ):
        assert title in text


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_layer_estimate_counts_what_autograd_saves(catalog, dropout):
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=4, hidden=48, blocks=1, max_len=64, dropout=dropout, layer_dropout=dropout
    )
    layer = backbone.encoders[0].layers[0]
    h = torch.randn(2, 64, backbone.dim, requires_grad=True)
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.data_ptr() != h.data_ptr():  # the layer input is the previous layer's output
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with (
        torch.autocast("cpu", dtype=torch.bfloat16),
        torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t),
    ):
        layer(h, lambda y: y.roll(1, dims=1))
    params = sum(p.numel() * 2 for p in layer.parameters() if p.dim() > 1)  # bf16 weight casts
    expected = (
        memory.layer_bytes_per_token(
            dim=backbone.dim, hidden=48, dropout=dropout, layer_dropout=dropout, amp=True
        )
        * 2
        * 64
    )
    # CPU keeps dropout masks in the activation dtype (2 bytes); CUDA keeps them as bool (1 byte),
    # which is what the estimate counts
    cpu_masks = (48 + 2 * backbone.dim) * 2 * 64 if dropout else 0
    assert sum(seen.values()) - params == expected + cpu_masks


def test_paper_estimates_match_the_issue():
    regulatory = memory.estimate(
        batch=512, length=802, dim=308, hidden=512, blocks=4, dropout=0.1, layer_dropout=0.1
    )
    assert 60e9 < regulatory["activations"] < 65e9  # issue 12: ~63 GB
    covid = memory.estimate(
        batch=256, length=999, dim=308, hidden=512, blocks=4, dropout=0.1, layer_dropout=0.1
    )
    assert memory.min_gpu(covid["total"]) == 48
    assert (
        memory.micro_batch_for(
            40,
            batch=16,
            length=16384,
            dim=308,
            hidden=512,
            blocks=4,
            dropout=0.1,
            layer_dropout=0.1,
        )
        == 8
    )
