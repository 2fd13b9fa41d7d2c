"""Fine-tuning gradient accumulation: micro-batches give the whole batch's loss and gradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from findna_bench import dna
from findna_bench.model import SequenceClassifier
from findna_bench.run.accumulate import backward_in_micro_batches, micro_ranges

TOLERANCE = 1e-10  # gradients in float64: only the order of the sums differs
LOSS_TOLERANCE = 1e-6  # the returned loss is float32


def gradients(model: nn.Module, micro: int | None, tokens, mask, labels) -> tuple[float, dict]:
    model.zero_grad(set_to_none=True)
    loss = backward_in_micro_batches(
        model,
        nn.CrossEntropyLoss(),
        tokens,
        mask,
        labels,
        micro_batch_size=micro,
        encode=lambda t: dna.one_hot(t).double(),
    )
    return loss.item(), {k: p.grad.clone() for k, p in model.named_parameters()}


@pytest.mark.parametrize("pooling", ["mean", "mean-with-padding"])
def test_micro_batches_equal_the_whole_batch(catalog, pooling):
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=8, blocks=2, max_len=32
    )
    model = SequenceClassifier(backbone, 3, pooling=pooling).double()
    g = torch.Generator().manual_seed(1)
    lengths = torch.tensor([30, 7, 19, 30, 12, 25, 3])
    tokens = torch.randint(0, 5, (7, 30), generator=g)
    mask = torch.arange(30)[None, :] < lengths[:, None]
    tokens = torch.where(mask, tokens, dna.PAD)
    labels = torch.randint(0, 3, (7,), generator=g)
    whole_loss, whole = gradients(model, None, tokens, mask, labels)
    for micro in (1, 3):
        loss, grads = gradients(model, micro, tokens, mask, labels)
        gap = max((whole[k] - grads[k]).abs().max().item() for k in whole)
        print(
            f"{pooling} micro {micro}: |loss diff| {abs(loss - whole_loss):.1e}, max |grad diff| {gap:.1e}"
        )
        assert abs(loss - whole_loss) <= LOSS_TOLERANCE and gap <= TOLERANCE


def test_micro_ranges():
    assert micro_ranges(7, None) == [(0, 7)]
    assert micro_ranges(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert micro_ranges(2, 8) == [(0, 2)]
