"""Gradient accumulation for fine-tuning: one optimiser step's forward and backward run in
micro-batches, with the gradients of the whole batch.

``loss_fn`` must return the mean over the rows it is given (``nn.CrossEntropyLoss()``'s
default); each micro-batch's loss is weighted by its share of the rows, so the accumulated
gradient is that of the whole batch's mean loss. Each micro-batch is cropped to its own longest
row (the mask says which positions are real), which only saves work for padding-invariant
backbones and for ``mean-with-padding`` pooling (it pads to ``max_len`` itself). The caller
zeroes the gradients before and clips and steps after, as for one batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch
from torch import nn

from findna_bench import dna


def micro_ranges(rows: int, micro_batch_size: int | None) -> list[tuple[int, int]]:
    """``[start, stop)`` row ranges of at most ``micro_batch_size`` rows (one range if None)."""
    size = micro_batch_size if micro_batch_size and micro_batch_size > 0 else rows
    return [(start, min(start + size, rows)) for start in range(0, rows, size)]


def backward_in_micro_batches(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    tokens: torch.Tensor,
    mask: torch.Tensor,
    labels: torch.Tensor,
    *,
    micro_batch_size: int | None,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
    encode: Callable[[torch.Tensor], torch.Tensor] = dna.one_hot,
) -> torch.Tensor:
    """Forward and backward of the batch ``(tokens, mask, labels)`` in micro-batches; returns
    the whole batch's mean loss (detached, fp32). ``autocast`` makes the precision context of
    each forward (e.g. ``lambda: autocast(device, amp)``); ``encode`` turns tokens into inputs."""
    rows = len(labels)
    total = torch.zeros((), dtype=torch.float32, device=labels.device)
    for start, stop in micro_ranges(rows, micro_batch_size):
        part = mask[start:stop]
        width = int(part.sum(1).max()) if stop - start < rows else mask.shape[1]
        with autocast():
            logits = model(encode(tokens[start:stop, :width]), part[:, :width])
        loss = loss_fn(logits.float(), labels[start:stop]) * ((stop - start) / rows)
        loss.backward()
        total += loss.detach().float()
    return total
