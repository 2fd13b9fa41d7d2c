"""ChordMixer plugin: rotation semantics against a loop reference, receptive field, variable-length
batching, the FinDNA pretraining size, the documented state-dict layout and registry presets."""

from __future__ import annotations

import importlib

import pytest
import torch

from findna_bench.errors import ConfigError


@pytest.fixture(scope="module")
def cm(catalog):
    """The plugin's model module (loaded by path through the catalog)."""
    return importlib.import_module(catalog.get("backbone", "chordmixer").factory.__module__)


def one_hot(lengths: list[int], width: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (len(lengths), width), generator=g), 5)
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    return (x * mask[..., None]).double(), mask


def reference(net, x: torch.Tensor, n: int) -> torch.Tensor:
    """Loop-over-positions ChordMixer on one unpadded sequence of length n (rolled modulo n)."""
    h = net.embed(x)
    for encoder in net.encoders:
        for layer in encoder.layers:
            branch = layer.mlp(layer.norm(h))
            h = h + torch.stack(
                [
                    torch.stack([branch[(j + net.channel_shift[c]) % n, c] for c in range(net.dim)])
                    for j in range(n)
                ]
            )
    return h


@pytest.mark.parametrize("mode", ["fixed", "variable"])
def test_matches_loop_reference(cm, mode):
    torch.manual_seed(0)
    net = cm.ChordMixer(
        track_size=3, hidden=8, blocks=2, max_len=11, dim=10, length_mode=mode, prenorm="layernorm"
    ).double()
    x, mask = one_hot([11], 11)
    with torch.no_grad():
        assert torch.allclose(net(x, mask)[0], reference(net, x[0], 11), atol=1e-10)


def test_variable_mode_rolls_each_sequence_modulo_its_own_length(cm):
    torch.manual_seed(0)
    net = cm.ChordMixer(
        track_size=2, hidden=8, blocks=1, max_len=16, length_mode="variable"
    ).double()
    x, mask = one_hot([16, 9, 13], 16, seed=1)
    with torch.no_grad():
        out = net(x, mask)
        for b, n in enumerate([16, 9, 13]):
            assert torch.allclose(out[b, :n], reference(net, x[b, :n], n), atol=1e-10)
            alone = net(x[b : b + 1, :n], mask[b : b + 1, :n])[0]
            assert torch.allclose(out[b, :n], alone, atol=1e-12)
            assert torch.all(out[b, n:] == 0)


def test_variable_equals_fixed_on_full_length_sequences(cm):
    torch.manual_seed(0)
    fixed = cm.ChordMixer(track_size=4, hidden=16, blocks=2, max_len=24).double()
    variable = cm.ChordMixer(
        track_size=4, hidden=16, blocks=2, max_len=24, length_mode="variable"
    ).double()
    variable.load_state_dict(fixed.state_dict())
    x, mask = one_hot([24, 24], 24)
    with torch.no_grad():
        assert torch.allclose(fixed(x, mask), variable(x, mask), atol=1e-10)


@pytest.mark.parametrize("mode", ["fixed", "variable"])
def test_log2_layers_give_full_receptive_field_and_one_fewer_does_not(cm, mode):
    # L = 32: ceil(log2 32) = 5 layers; offset 31 = 16+8+4+2+1 needs all five
    torch.manual_seed(0)
    net = cm.ChordMixer(track_size=2, hidden=8, blocks=1, max_len=32, length_mode=mode).double()
    assert len(net.encoders[0].layers) == cm.layers_per_encoder(32) == 5
    x, mask = one_hot([32], 32)

    def grad_of_first_position() -> torch.Tensor:
        xi = x.clone().requires_grad_(True)
        net(xi, mask)[0, 0].sum().backward()
        return xi.grad[0].abs().sum(dim=-1)

    assert torch.all(grad_of_first_position() > 0)
    net.encoders[0].layers = net.encoders[0].layers[:-1]
    assert (grad_of_first_position() == 0).sum() == 1  # only offset 31 is out of reach


def test_findna_pretraining_size_has_12_651_873_parameters(cm):
    net = cm.ChordMixer(track_size=28, hidden=512, blocks=4, max_len=1010)
    assert (net.n_layers, net.n_tracks, net.dim) == (10, 11, 308)
    embed = 5 * 308 + 308  # Linear(5 -> 308) = 1,848
    layer = 308 * 512 + 512 + 512 * 308 + 308  # fc1 + fc2 = 316,212
    head = 308 * 5 + 5  # pretraining output Linear(308 -> 5) = 1,545
    assert embed + 4 * 10 * layer + head == 12_651_873
    assert sum(p.numel() for p in net.parameters()) + head == 12_651_873


def test_dim_fixes_width_with_a_partial_last_track(cm):
    net = cm.ChordMixer(track_size=40, hidden=16, blocks=1, max_len=251, dim=308)
    assert (net.dim, net.n_tracks, net.n_layers) == (308, 8, 8)
    shifts = net.channel_shift
    assert shifts[:40] == [0] * 40 and shifts[280:] == [64] * 28  # last track: 28 channels


def test_state_dict_layout_is_the_documented_one(cm):
    net = cm.ChordMixer(track_size=2, hidden=4, blocks=2, max_len=8, prenorm="layernorm")
    keys = set(net.state_dict())
    expected = {"embed.weight", "embed.bias"}
    for b in range(2):
        for i in range(3):
            for name in (
                "mlp.fc1.weight",
                "mlp.fc1.bias",
                "mlp.fc2.weight",
                "mlp.fc2.bias",
                "norm.weight",
                "norm.bias",
            ):
                expected.add(f"encoders.{b}.layers.{i}.{name}")
    assert keys == expected


def test_user_errors(cm):
    with pytest.raises(ConfigError, match="length_mode"):
        cm.ChordMixer(length_mode="ragged")
    net = cm.ChordMixer(max_len=8)
    x, mask = one_hot([9], 9)
    with pytest.raises(ConfigError, match="max_len"):
        net(x.float(), mask)


@pytest.mark.parametrize("profile", ["smoke", "cpu", "paper"])
def test_registry_presets_build(registry, catalog, profile):
    from findna_bench.run.config import resolve

    cfg = resolve(registry, "chordmixer", "gue/prom_core_all", profile)
    net = catalog.build_backbone(cfg["backbone"], max_len=70)
    x, mask = one_hot([70, 50], 70)
    assert net(x.float(), mask).shape == (2, 70, net.dim)
    if profile == "paper":
        assert net.dim == 308 and len(net.encoders) == 4 and net.n_layers == 7


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("mode", ["fixed", "variable"])
def test_bf16_autocast_on_cuda(cm, mode):
    torch.manual_seed(0)
    net = cm.ChordMixer(track_size=8, hidden=64, blocks=2, max_len=512, length_mode=mode).cuda()
    x, mask = one_hot([512, 300], 512)
    x, mask = x.float().cuda(), mask.cuda()
    ref = net(x, mask)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = net(x, mask)
        out.float().mean().backward()
    assert torch.allclose(out.float(), ref, atol=0.1, rtol=0.05)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
