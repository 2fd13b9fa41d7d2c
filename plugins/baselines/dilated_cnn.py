"""Backbone "dilated-cnn": a residual dilated convolution stack (Basenji's dilated tower).

Design followed: Kelley et al., "Sequential regulatory activity prediction across chromosomes
with convolutional neural networks" (Basenji, Genome Research 2018) and its ``dilated_residual``
block in calico/basenji ``blocks.py``: per block ``act -> Conv1d(k=3, dilation r) -> norm ->
act -> Conv1d(k=1) back to the trunk width -> norm (scale initialised to 0) -> dropout ->
residual add``, with the dilation doubling from block to block (``rate_mult = 2``) and the
dilated convolution at half the trunk width (Basenji2 uses 768 -> 384). A width-15 convolution
stem maps the one-hot input to the trunk, as in Basenji's first layer.

Deviations, for the engine's contract: no pooling (output length = input length); layer norm
over channels instead of batch norm, and the padding re-zeroed after the stem and every block,
so that appending padding never changes the outputs at real positions (in train or eval mode).
By default the depth is ``ceil(log2 max_len)`` blocks, which makes the receptive field
``2**(depth+1) - 1 + 14 >= 2 * max_len - 1``: every position sees the whole sequence.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from findna_bench import ConfigError, hookimpl


class ChannelNorm(nn.Module):
    """LayerNorm over the channel axis of a ``[B, C, L]`` tensor (per position)."""

    def __init__(self, channels: int, *, zero_init: bool = False) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)
        if zero_init:
            nn.init.zeros_(self.norm.weight)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.norm(h.transpose(1, 2)).transpose(1, 2)


class DilatedResidualBlock(nn.Module):
    """``h + Dropout(Norm0(Conv1x1(GELU(Norm(ConvDilated(GELU(h)))))))``."""

    def __init__(
        self, dim: int, hidden: int, dilation: int, kernel_size: int, dropout: float
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(
            dim, hidden, kernel_size, dilation=dilation, padding=dilation * (kernel_size - 1) // 2
        )
        self.norm1 = ChannelNorm(hidden)
        self.proj = nn.Conv1d(hidden, dim, 1)
        self.norm2 = ChannelNorm(dim, zero_init=True)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        act = nn.functional.gelu
        return h + self.drop(self.norm2(self.proj(act(self.norm1(self.conv(act(h)))))))


class DilatedCNN(nn.Module):
    """One-hot -> Conv1d stem (width 15) -> residual dilated blocks; ``[B, L, 5] -> [B, L, dim]``."""

    padding_invariant = True

    def __init__(
        self,
        *,
        dim: int = 16,
        hidden: int | None = None,
        layers: int | None = None,
        max_len: int = 64,
        kernel_size: int = 3,
        stem_kernel: int = 15,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if kernel_size % 2 == 0 or stem_kernel % 2 == 0:
            raise ConfigError(
                "dilated-cnn: kernel_size and stem_kernel must be odd ('same' padding)"
            )
        depth = layers if layers is not None else max(1, math.ceil(math.log2(max(max_len, 2))))
        self.dim = dim
        self.stem = nn.Conv1d(5, dim, stem_kernel, padding=stem_kernel // 2)
        self.blocks = nn.ModuleList(
            DilatedResidualBlock(dim, hidden or max(1, dim // 2), 2**i, kernel_size, dropout)
            for i in range(depth)
        )
        self.out_norm = ChannelNorm(dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(1).to(x.dtype)  # [B, 1, L]
        h = self.stem(x.transpose(1, 2)) * keep
        for block in self.blocks:
            h = block(h) * keep
        return self.out_norm(h).transpose(1, 2) * keep.transpose(1, 2)


@hookimpl
def register_backbones(register) -> None:
    register(
        "dilated-cnn",
        DilatedCNN,
        description="residual dilated CNN (Basenji tower), receptive field covers max_len",
        version="1",
    )
