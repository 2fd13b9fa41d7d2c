"""The backbone contract, checked for EVERY backbone in the live catalog (plus the non-default
modes that make extra promises): output shape and ``dim``, padding handling, backward, and
determinism under a seed. A new backbone plugin is held to this without writing a test."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

MAX_LEN = 48
# non-default modes with their own code paths: (registered name, preset kwargs)
VARIANTS = [
    ("chordmixer", {"length_mode": "variable"}),
    ("chordmixer", {"prenorm": "layernorm"}),
    ("transformer", {"positions": "learned"}),
]


def _catalog_names() -> list[str]:
    from findna_bench.catalog import Catalog
    from findna_bench.plugins import make_plugin_manager
    from findna_bench.registry import load_registry

    registry = load_registry(Path(__file__).resolve().parents[2] / "registry.yaml")
    pm = make_plugin_manager(plugin_paths=registry.plugins, root=registry.root, entrypoints=False)
    return Catalog.from_plugin_manager(pm).names("backbone")


# hf loads its weights from files (no seed decides them): test_huggingface.py holds it to this
# contract with a tiny model it builds
NAMES = [n for n in _catalog_names() if n != "hf"]
CASES = [(n, {}) for n in NAMES] + [(n, kw) for n, kw in VARIANTS if n in NAMES]
IDS = [n + "".join(f"-{v}" for v in kw.values()) for n, kw in CASES]


def build(catalog, name: str, kwargs: dict, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return catalog.build_backbone({"use": name, **kwargs}, max_len=MAX_LEN)


def batch(lengths: list[int], width: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.one_hot(
        torch.randint(0, 5, (len(lengths), width), generator=g), 5
    ).float()
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    return x * mask[..., None], mask


def test_catalog_has_the_first_party_backbones():
    assert {"chordmixer", "cnn", "dilated-cnn", "transformer"} <= set(NAMES)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_shape_and_dim(catalog, name, kwargs):
    net = build(catalog, name, kwargs)
    assert isinstance(net.dim, int) and net.dim > 0
    x, mask = batch([MAX_LEN, 30, 7], MAX_LEN)
    out = net(x, mask)
    assert out.shape == (3, MAX_LEN, net.dim) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    short = net(*batch([20, 9], 20))  # shorter than max_len: output length follows the input
    assert short.shape == (2, 20, net.dim)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_padding_does_not_change_real_positions_where_promised(catalog, name, kwargs):
    net = build(catalog, name, kwargs).eval()
    if not getattr(net, "padding_invariant", False):
        pytest.skip(f"{name} does not promise padding invariance")
    x, mask = batch([30, 12], 30, seed=3)
    with torch.no_grad():
        ref = net(x, mask)
        padded = net(
            torch.nn.functional.pad(x, (0, 0, 0, 13)), torch.nn.functional.pad(mask, (0, 13))
        )
        alone = net(x[1:, :12], mask[1:, :12])
    assert torch.allclose(padded[0, :30], ref[0], atol=1e-5)
    assert torch.allclose(padded[1, :12], ref[1, :12], atol=1e-5)
    assert torch.allclose(alone[0], ref[1, :12], atol=1e-5)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_backward_reaches_every_parameter(catalog, name, kwargs):
    net = build(catalog, name, kwargs).train()
    x, mask = batch([MAX_LEN, 25], MAX_LEN, seed=1)
    out = net(x, mask)
    (out * mask[..., None]).pow(2).mean().backward()
    missing = [n for n, p in net.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"no gradient for {missing}"
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
    assert any(p.grad.abs().sum() > 0 for p in net.parameters() if p.grad is not None)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_deterministic_under_a_seed(catalog, name, kwargs):
    x, mask = batch([MAX_LEN, 40], MAX_LEN, seed=2)
    outs = []
    for _ in range(2):
        net = build(catalog, name, {**kwargs}, seed=7).train()
        torch.manual_seed(11)  # dropout draws, where a preset enables it
        outs.append(net(x, mask).detach())
    assert torch.equal(outs[0], outs[1])
    other = build(catalog, name, kwargs, seed=8).train()
    torch.manual_seed(11)
    assert not torch.equal(outs[0], other(x, mask).detach())
