"""Objectives: EMA schedule and update, teacher without gradients, DINO and MNM losses."""

from __future__ import annotations

import math

import torch

from findna_bench import dna
from findna_bench.pretrain.network import (
    append_cls,
    dino_loss,
    ema_momentum,
    mnm_bce_scrambled,
    mnm_categorical,
)
from findna_bench.pretrain.view import View, build_views, make_views


def build(catalog, name: str, views: dict | None = None, **kw):
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=8, blocks=1, dim=8, max_len=42
    )
    return catalog.get("objective", name).factory(backbone, views=build_views(catalog, views), **kw)


def batch(seed: int = 0, b: int = 4, length: int = 32) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "tokens": torch.randint(0, 5, (b, length), generator=g),
        "ids": torch.arange(b),
        "rows": slice(0, b),
        "seed": seed,
        "generator": torch.Generator().manual_seed(seed + 1),
    }


VIEWS = {
    "student": [
        {"use": "mask", "rate": 0.3},
        {"use": "noise", "sigma": 0.2},
        {"use": "reverse-complement"},
    ],
    "teacher": [{"use": "deletion"}, {"use": "insertion"}, {"use": "translocation"}],
}


def test_ema_momentum_follows_cosine_formula():
    total = 1000
    for step in (0, 1, 250, 500, 999, 1000):
        expected = 1 - (1 - 0.996) * (math.cos(math.pi * step / total) + 1) / 2
        assert ema_momentum(step, total, 0.996) == expected
    assert ema_momentum(0, total, 0.996) == 0.996 and ema_momentum(total, total, 0.996) == 1.0


def test_after_step_moves_teacher_by_the_formula(catalog):
    objective = build(catalog, "self-distill", VIEWS)
    with torch.no_grad():
        for p in objective.student.parameters():
            p.add_(torch.randn_like(p))
    before_t = {k: v.clone() for k, v in objective.teacher.state_dict().items()}
    student = {k: v.clone() for k, v in objective.student.state_dict().items()}
    out = objective.after_step(10, 100)
    m = 1 - 0.004 * (1 + math.cos(math.pi * 10 / 100)) / 2
    assert out["ema"] == m
    for key, value in objective.teacher.state_dict().items():
        assert torch.allclose(value, m * before_t[key] + (1 - m) * student[key], atol=1e-7), key


def test_teacher_gets_no_gradient_and_student_does(catalog):
    objective = build(catalog, "self-distill", VIEWS)
    out = objective(batch())
    out["loss"].backward()
    assert all(p.grad is None and not p.requires_grad for p in objective.teacher.parameters())
    assert all(p.grad is not None for p in objective.student.parameters())
    assert set(out) == {"loss", "cl_loss", "mnm_loss", "mnm_acc"}
    assert torch.isclose(out["loss"], out["cl_loss"] + out["mnm_loss"])
    # the transfer network is the teacher's backbone
    assert objective.transfer_module() is objective.teacher.backbone


def test_center_is_ema_of_teacher_cls_mean(catalog):
    objective = build(catalog, "self-distill", VIEWS, center_momentum=0.9)
    b = batch(2)
    objective.train()
    objective(b)
    first = objective.center.clone()
    b["generator"] = torch.Generator().manual_seed(3)  # same draws again: same teacher output
    with torch.no_grad():
        views = make_views(b, objective.views)
        t = objective.teacher(*append_cls(views["teacher"], 10))[:, 32:].mean(0, keepdim=True)
    assert torch.allclose(first, 0.1 * t, atol=1e-6)
    objective.eval()
    objective(batch(4))
    assert torch.equal(objective.center, first)  # evaluation does not move the centre


def test_dino_loss_value():
    s, t = torch.randn(3, 10, 5), torch.randn(3, 10, 5)
    c = torch.randn(1, 10, 5)
    q = torch.softmax((t - c) / 0.04, -1)
    expected = -(q * torch.log_softmax(s / 0.1, -1)).sum(-1).mean()
    assert torch.allclose(dino_loss(s, t, c, tau_s=0.1, tau_t=0.04), expected)


def test_mnm_categorical_counts_masked_positions_only():
    target = torch.tensor([[0, 1, 2, 3, 4, dna.PAD]])
    masked = torch.tensor([[True, False, True, False, False, True]])
    view = View(x=torch.zeros(1, 6, 5), mask=target != dna.PAD, target=target, masked=masked)
    logits = torch.randn(1, 8, 5)  # two CLS slots at the end are ignored
    loss, acc = mnm_categorical(logits, view)
    expected = torch.nn.functional.cross_entropy(logits[0, [0, 2]], target[0, [0, 2]])
    assert torch.allclose(loss, expected)
    assert acc == (logits[0, [0, 2]].argmax(-1) == target[0, [0, 2]]).float().mean()


def test_released_bce_uses_scrambled_selection():
    g = torch.Generator().manual_seed(0)
    target = torch.randint(0, 5, (2, 7), generator=g)
    clean = View.from_tokens(target)
    masked = torch.rand(2, 7, generator=g) < 0.5
    view = clean.replace(masked=masked)
    logits = torch.randn(2, 7, 5, generator=g)
    loss, _ = mnm_bce_scrambled(logits, view, clean)
    cells = masked.repeat(5, 1, 1).reshape(2, 7, 5)  # FinDNA: tile to (5, B, L), reshape
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[cells], clean.x[cells])
    assert torch.allclose(loss, expected)


def test_mnm_and_cl_only_objectives(catalog):
    mnm = build(catalog, "mnm", {"student": [{"use": "mask", "rate": 0.3}]})
    out = mnm(batch())
    assert set(out) == {"loss", "mnm_loss", "mnm_acc"} and out["loss"].requires_grad
    assert mnm.transfer_module() is mnm.student.backbone
    cl = build(catalog, "cl-only", VIEWS)
    out = cl(batch())
    assert torch.isclose(out["loss"], out["cl_loss"]) and out["mnm_loss"] > 0


def test_released_views_are_static_per_window(catalog):
    views = {
        "student": [
            {"use": "mask", "rate": 0.3},
            {"use": "noise", "sigma": 0.2},
            {"use": "channel-flip"},
        ],
        "teacher": [{"use": "translocation"}],
    }
    fns = build_views(catalog, views)
    a, b = batch(0), batch(0)
    b["generator"] = torch.Generator().manual_seed(99)
    b["tokens"], b["ids"] = a["tokens"].flip(0), a["ids"].flip(0)  # same windows, other order/step
    va, vb = make_views(a, fns, static=True), make_views(b, fns, static=True)
    assert torch.equal(va["student"].x, vb["student"].x.flip(0))
    dynamic_a, dynamic_b = make_views(a, fns), make_views(b, fns)
    assert not torch.equal(dynamic_a["student"].x, dynamic_b["student"].x.flip(0))
