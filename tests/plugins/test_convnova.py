"""ConvNova backbone: preset size (parameter arithmetic), depth and receptive field, output shape,
padding invariance, backward and determinism."""

from __future__ import annotations

import pytest
import torch

from findna_bench.model import SequenceClassifier
from findna_bench.run.config import resolve


def n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def expected_params(dim: int, layers: int, kernel: int = 9, stem: int = 9, d_inner: int = 2) -> int:
    stems = 2 * (5 * dim * stem + dim)  # sequence and complement stems
    block = 2 * (dim * dim * kernel + dim) + 2 * (2 * dim)  # conv + gate conv, two LayerNorms
    w = dim * d_inner
    mlp = (dim * w + w) + 2 * (w * w + w) + 2 * w + (w * dim + dim) + 2 * dim
    return stems + layers * block + mlp + 2 * dim  # + output LayerNorm


def factory(catalog):
    return catalog.get("backbone", "convnova").factory


def batch(lengths: list[int], width: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.one_hot(
        torch.randint(0, 5, (len(lengths), width), generator=g), 5
    ).float()
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    return x * mask[..., None], mask


@pytest.mark.parametrize(("max_len", "layers"), [(70, 5), (101, 6), (300, 6)])
def test_registry_preset_size_at_gue_lengths(registry, catalog, max_len, layers):
    cfg = resolve(registry, "convnova", "gue/prom_core_all", "paper")
    net = catalog.build_backbone(cfg["backbone"], max_len=max_len)
    assert (net.dim, len(net.blocks)) == (128, layers)
    assert n_params(net) == expected_params(128, layers)
    assert n_params(net) <= 2_000_000  # 1,984,384 at 98-353 bp, 1,688,704 below


def test_depth_follows_the_code_schedule_and_covers_max_len(catalog):
    from plugins.baselines.convnova import blocks_to_cover, dilation_schedule

    assert dilation_schedule(7, 4) == [1, 1, 1, 4, 16, 64, 256]
    # one-sided reach 4 + 4 * (1 + 1 + 1 + 4 + 16) = 96 with 5 blocks, + 4 * 64 with 6
    assert [blocks_to_cover(n, 9, 9, 4) for n in (48, 97, 98, 353, 354)] == [5, 5, 6, 6, 7]
    assert len(factory(catalog)(layers=3).blocks) == 3


def receptive_gradient(net: torch.nn.Module, length: int, width: int) -> torch.Tensor:
    """|d out[last real position] / d x| per input position (a fixed projection of the output:
    the channel sum of a layer-normed vector is constant, its gradient zero)."""
    x, mask = batch([length], width, seed=5)
    x.requires_grad_(True)
    proj = torch.linspace(-1.0, 1.0, net.dim)
    (net(x, mask)[0, length - 1] * proj).sum().backward()
    return x.grad[0].abs().sum(dim=-1)


def test_full_receptive_field_over_101_bp(catalog):
    torch.manual_seed(0)
    net = factory(catalog)(dim=8, max_len=101)
    assert receptive_gradient(net, 101, 101)[0] > 0
    assert receptive_gradient(net, 101, 130)[0] > 0  # the same with padding after it
    torch.manual_seed(0)
    short = factory(catalog)(dim=8, max_len=101, layers=5)  # reach 96 < 100
    grad = receptive_gradient(short, 101, 101)
    assert grad[0] == 0 and grad[100 - 96] > 0


def test_output_shape_and_zero_padding(catalog):
    torch.manual_seed(0)
    net = factory(catalog)(dim=12, max_len=40)
    x, mask = batch([40, 17], 40)
    out = net(x, mask)
    assert out.shape == (2, 40, 12) and net.dim == 12
    assert torch.isfinite(out).all() and (out[1, 17:] == 0).all() and (out[1, :17] != 0).any()


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_padding_invariance(catalog, mode):
    torch.manual_seed(0)
    net = factory(catalog)(dim=8, max_len=101, ffn=True)
    net.train(mode == "train")  # no batch statistics, no dropout by default: both modes hold
    x, mask = batch([101, 60], 101, seed=1)
    with torch.no_grad():
        together = net(x, mask)
        alone = net(x[1:, :60], mask[1:, :60])
        more_padding = net(
            torch.nn.functional.pad(x, (0, 0, 0, 37)), torch.nn.functional.pad(mask, (0, 37))
        )
    assert torch.allclose(together[1, :60], alone[0], atol=1e-5)
    assert torch.allclose(more_padding[:, :101], together, atol=1e-5)


def test_backward_through_the_classifier(catalog):
    torch.manual_seed(0)
    model = SequenceClassifier(factory(catalog)(dim=8, max_len=48, ffn=True, dropout=0.1), 2)
    x, mask = batch([48, 30], 48, seed=2)
    torch.nn.functional.cross_entropy(model(x, mask), torch.tensor([0, 1])).backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values()), grads.keys()
    assert grads["backbone.gate_stem.weight"].abs().sum() > 0  # the gate branch is trained


def test_deterministic_under_a_seed(catalog):
    x, mask = batch([48, 20], 48, seed=3)
    outs = []
    for seed in (7, 7, 8):
        torch.manual_seed(seed)
        net = factory(catalog)(dim=8, max_len=48, dropout=0.1).train()
        torch.manual_seed(11)
        outs.append(net(x, mask).detach())
    assert torch.equal(outs[0], outs[1]) and not torch.equal(outs[0], outs[2])


def test_rejects_even_or_unit_kernels(catalog):
    from findna_bench.errors import ConfigError

    for bad in ({"kernel_size": 4}, {"kernel_size": 1}, {"stem_kernel": 8}):
        with pytest.raises(ConfigError, match="convnova"):
            factory(catalog)(**bad)


@pytest.mark.slow
def test_smoke_preset_learns_a_planted_motif(registry, catalog):
    """Label 1 rows carry TATAAT somewhere; AdamW at the smoke profile's rate must learn it."""
    torch.manual_seed(0)
    cfg = resolve(registry, "convnova", "gue/prom_core_all", "smoke")
    model = SequenceClassifier(catalog.build_backbone(cfg["backbone"], max_len=40), 2)
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 4, (128, 40), generator=g)
    tokens[tokens == 3] = 4  # A, C, G, T only (channel 3 is N)
    y = torch.arange(128) % 2
    motif = torch.tensor([4, 0, 4, 0, 0, 4])  # TATAAT
    for i in range(1, 128, 2):
        at = int(torch.randint(0, 34, (1,), generator=g))
        tokens[i, at : at + 6] = motif
    x, mask = torch.nn.functional.one_hot(tokens, 5).float(), torch.ones(128, 40, dtype=torch.bool)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["finetune"]["lr"])
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x, mask), y).backward()
        opt.step()
    with torch.no_grad():
        pred = model.eval()(x, mask).argmax(-1)
    assert (pred == y).float().mean() > 0.9
