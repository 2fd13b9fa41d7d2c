"""Baseline backbones: published sizes (parameter arithmetic), the dilated CNN's receptive field,
the transformer's position options, and that every baseline learns a planted-motif task."""

from __future__ import annotations

import pytest
import torch

from findna_bench.dna import encode, one_hot
from findna_bench.errors import ConfigError
from findna_bench.model import SequenceClassifier
from findna_bench.run.config import resolve


def n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def preset(
    registry, catalog, model: str, max_len: int = 200, profile: str = "paper"
) -> torch.nn.Module:
    cfg = resolve(registry, model, "gue/prom_core_all", profile)
    return catalog.build_backbone(cfg["backbone"], max_len=max_len)


def test_cnn_preset_is_the_genomic_benchmarks_size(registry, catalog):
    # Linear(5->100); Conv(100->16, w8) + BN; Conv(16->8, w8) + BN; Conv(8->4, w8) + BN
    expected = (
        (5 * 100 + 100)
        + (100 * 16 * 8 + 16 + 2 * 16)
        + (16 * 8 * 8 + 8 + 2 * 8)
        + (8 * 4 * 8 + 4 + 2 * 4)
    )
    assert n_params(preset(registry, catalog, "cnn")) == expected == 14_764


def test_transformer_preset_is_the_lra_size(registry, catalog):
    d, ff, layers = 256, 1024, 4
    block = (d * 3 * d + 3 * d) + (d * d + d) + (d * ff + ff) + (ff * d + d) + 2 * (2 * d)
    expected = (5 * d + d) + layers * block + 2 * d
    net = preset(registry, catalog, "transformer")
    assert (net.dim, len(net.blocks)) == (256, 4)
    assert n_params(net) == expected == 3_161_088


def test_dilated_cnn_receptive_field_covers_max_len(catalog):
    factory = catalog.get("backbone", "dilated-cnn").factory
    x = torch.nn.functional.one_hot(torch.arange(100) % 5, 5).float()[None]
    mask = torch.ones(1, 100, dtype=torch.bool)

    def reach(net: torch.nn.Module) -> float:
        xi = x.clone().requires_grad_(True)
        # a fixed projection: the sum of a layer-normed vector is constant, its gradient zero
        (net(xi, mask)[0, 0] * torch.arange(1.0, 9.0)).sum().backward()
        return float(xi.grad[0, -1].abs().sum())

    torch.manual_seed(0)
    full = factory(dim=8, max_len=100)
    for block in full.blocks:  # the zero-initialised output norm would hide the path at init
        torch.nn.init.ones_(block.norm2.norm.weight)
    assert len(full.blocks) == 7 and reach(full) > 0
    shallow = factory(dim=8, max_len=100, layers=5)  # receptive field 63 + 14 < 2 * 100 - 1
    for block in shallow.blocks:
        torch.nn.init.ones_(block.norm2.norm.weight)
    assert reach(shallow) == 0


def test_transformer_options(catalog):
    factory = catalog.get("backbone", "transformer").factory
    with pytest.raises(ConfigError, match="positions"):
        factory(positions="sinusoidal")
    with pytest.raises(ConfigError, match="heads"):
        factory(dim=30, heads=4)
    net = factory(positions="learned", max_len=16)
    x = torch.zeros(1, 17, 5)
    with pytest.raises(ConfigError, match="max_len"):
        net(x, torch.ones(1, 17, dtype=torch.bool))


def planted_motif(
    n: int, length: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random DNA; label 1 sequences carry TATAAT at a random position."""
    g = torch.Generator().manual_seed(seed)
    seqs, labels = [], []
    for i in range(n):
        bases = "".join("ACGT"[int(j)] for j in torch.randint(0, 4, (length,), generator=g))
        if i % 2:
            at = int(torch.randint(0, length - 6, (1,), generator=g))
            bases = bases[:at] + "TATAAT" + bases[at + 6 :]
        seqs.append(bases)
        labels.append(i % 2)
    x = one_hot(torch.from_numpy(encode(seqs)[0]))
    return x, torch.ones(n, length, dtype=torch.bool), torch.tensor(labels)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cnn", "dilated-cnn", "transformer", "chordmixer"])
def test_each_backbone_learns_a_planted_motif(registry, catalog, name):
    torch.manual_seed(0)
    model = SequenceClassifier(preset(registry, catalog, name, max_len=40, profile="smoke"), 2)
    x, mask, y = planted_motif(64, 40, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        start = float(loss_fn(model.eval()(x, mask), y))
    model.train()
    for _ in range(80):
        opt.zero_grad()
        loss_fn(model(x, mask), y).backward()
        opt.step()
    with torch.no_grad():
        end = float(loss_fn(model.eval()(x, mask), y))
    assert end < 0.6 * start
