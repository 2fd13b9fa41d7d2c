"""bf16 autocast error of the pretraining network against fp32, emulated on CPU.

Paper depth (4 encoders x 10 layers at max_len 1010, the 1000 bp window + 10 CLS slots), narrow
width (track 8, d 88, h 64) so it runs in seconds. Measured on CPU bf16 autocast, torch 2.13:

===============================  =====================  ====================================
                                 backbone output error  teacher target (tau_t 0.04), mean TV
===============================  =====================  ====================================
bf16 residual stream, bf16 head  1.19 %                 0.0041
fp32 residual stream, fp32 head  0.56 %                 0.0018
===============================  =====================  ====================================

(At the paper width, d 308 / h 512, one window: 1.19 % -> 0.54 %.) The error is the relative
Frobenius norm of the difference; TV is the total-variation distance between the teacher's
sharpened softmax targets, averaged over rows and CLS slots.
"""

from __future__ import annotations

import pytest
import torch

from findna_bench.pretrain.network import PretrainNet

BEFORE_MIN = 0.009  # the bf16 residual stream is at least this far off (guards the measurement)
AFTER_MAX = 0.0075  # the fp32 residual stream must stay within this


def errors(
    net: PretrainNet, x: torch.Tensor, mask: torch.Tensor, *, fp32_stream: bool
) -> tuple[float, float]:
    """(relative backbone error, mean TV of the teacher targets) of bf16 autocast vs fp32."""
    center = torch.randn(1, 10, 5, generator=torch.Generator().manual_seed(2)) * 0.1
    length = x.shape[1] - 10

    def target(logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax((logits.float()[:, length:] - center) / 0.04, -1)

    with torch.no_grad():
        net.backbone.residual_fp32 = True
        ref_h = net.backbone(x, mask)
        ref = target(net.head(ref_h))
        net.backbone.residual_fp32 = fp32_stream
        with torch.autocast("cpu", dtype=torch.bfloat16):
            h = net.backbone(x, mask)
            logits = net(x, mask) if fp32_stream else net.head(h)  # before: head under autocast
    rel = ((h.float() - ref_h).norm() / ref_h.norm()).item()
    tv = ((target(logits) - ref).abs().sum(-1) / 2).mean().item()
    return rel, tv


def test_fp32_residual_stream_halves_the_bf16_error(catalog):
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=8, hidden=64, blocks=4, max_len=1010
    )
    net = PretrainNet(backbone).eval()
    g = torch.Generator().manual_seed(1)
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (8, 1000), generator=g), 5).float()
    x = torch.cat([x, torch.zeros(8, 10, 5)], 1)
    mask = torch.ones(8, 1010, dtype=torch.bool)
    before = errors(net, x, mask, fp32_stream=False)
    after = errors(net, x, mask, fp32_stream=True)
    print(
        f"bf16 error before {before[0]:.4%} (target TV {before[1]:.5f}), "
        f"after {after[0]:.4%} (target TV {after[1]:.5f})"
    )
    assert before[0] > BEFORE_MIN
    assert after[0] < AFTER_MAX and after[0] < 0.6 * before[0]
    assert after[1] < before[1]


def test_residual_stream_is_fp32_under_autocast_and_head_too(catalog):
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=8, blocks=2, max_len=20
    )
    net = PretrainNet(backbone)
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (2, 20)), 5).float()
    mask = torch.ones(2, 20, dtype=torch.bool)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert backbone(x, mask).dtype == torch.float32
        assert net(x, mask).dtype == torch.float32
        assert backbone.encoders[0].layers[0].mlp(backbone.embed(x)).dtype == torch.bfloat16
        backbone.residual_fp32 = False
        assert backbone(x, mask).dtype == torch.bfloat16


@pytest.mark.parametrize("mode", ["fixed", "variable"])
def test_activation_checkpointing_gives_the_same_gradients(catalog, mode):
    factory = catalog.get("backbone", "chordmixer").factory
    torch.manual_seed(0)
    plain = factory(
        track_size=2,
        hidden=8,
        blocks=3,
        max_len=24,
        dropout=0.1,
        layer_dropout=0.1,
        length_mode=mode,
    ).double()
    recomputed = factory(
        track_size=2,
        hidden=8,
        blocks=3,
        max_len=24,
        dropout=0.1,
        layer_dropout=0.1,
        length_mode=mode,
        checkpointing=True,
    ).double()
    recomputed.load_state_dict(plain.state_dict())
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (3, 24)), 5).double()
    mask = torch.arange(24)[None, :] < torch.tensor([24, 17, 9])[:, None]
    grads = []
    for net in (plain, recomputed):
        torch.manual_seed(5)  # the same dropout draws; checkpoint replays them in the recompute
        net(x * mask[..., None], mask).pow(2).sum().backward()
        grads.append({k: p.grad.clone() for k, p in net.named_parameters()})
    for key in grads[0]:
        assert torch.allclose(grads[0][key], grads[1][key], atol=1e-12), key
