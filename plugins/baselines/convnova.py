"""Backbone "convnova": ConvNova, a dilated, gated, dual-branch CNN for DNA.

Paper: Bo, Mao, Shao, Bai, Ye, Ma, Zhao, Chen and Shen, "Revisiting Convolution Architecture in
the Realm of DNA Foundation Models" (ICLR 2025, arXiv 2502.18538); architecture as in the
authors' aim-uofa/ConvNova ``CNNModel`` (re-implemented here from its description, not copied).

Architecture. Two branches start from the one-hot input: the main branch reads the sequence, the
gate branch its base-wise complement (A<->T, C<->G, N kept: the code's ``rc_seq``, complemented
but not reversed), each through its own width-9 ``Conv1d`` stem and GELU. Then ``layers`` gated
convolution blocks (the paper's GCBs), each with its own dilation::

    g    = sigmoid(GateConv_i(LN(gate)))        # the dual-branch gate
    feat = feat + GELU(Conv_i(LN(feat))) * g    # gated dilated convolution, residual
    gate = gate + g                             # the gate branch carries its gates forward

Both convolutions of a block have the same kernel (``kernel_size``, 9 for the NT benchmark) and
dilation; dilations follow the code's schedule ``1, 1, 1, b, b^2, ...`` (base ``dilation``, 4 in
every published config, capped at 1024). A position-wise MLP of four linear layers (width
``d_inner * dim``, GELU after the first and third, LayerNorm after the second and fourth) is
added residually at the end. The published classifier averages over positions and applies a
linear layer, as the engine's ``SequenceClassifier`` does. The ``convnova`` registry preset is the
NT-benchmark fine-tuning config (d 128, kernel 9, dilation base 4, d_inner 2, no per-block FFN,
dropout 0).

Deviations from the paper and its code:

* no pretraining: the backbone is trained from scratch on each task (the paper fine-tunes its
  hg38 masked-LM checkpoint; no weights are released);
* depth: the code always has 5 blocks (receptive field 193 at kernel 9); here ``layers=None``
  means 5 or, when that does not cover ``max_len``, the fewest blocks whose receptive field
  ``2 * reach + 1`` with ``reach = (stem_kernel - 1) / 2 + sum((kernel_size - 1) / 2 * d_i)``
  reaches ``2 * max_len - 1``, so that every position sees the whole sequence (6 blocks for
  98-353 bp at kernel 9);
* padding: the code pads on the left and never masks. Here padded positions are zeroed before
  every convolution (LayerNorm outputs included), so the outputs at real positions do not depend
  on the amount of padding, and the outputs at padded positions are zero; the engine's pooling
  averages real positions only (the published decoder's mean includes the padding);
* a final LayerNorm over channels after the last residual (the code returns the residual sum
  unnormalised), so the linear head sees features of a fixed scale whatever the depth;
* the gate branch's update after the last block, which the code computes and never reads, is
  not computed;
* the optional per-block FFN (``ffn=True``, the code's pretraining setting) is kept; the code's
  unused options (``final_conv``, ``num_cnn_stacks`` > 1) are not;
* sizes: the registry preset is the published d 128 network (6 blocks at GUE lengths); the
  smoke size (d 8, kernel 5, the kernel of the authors' GenomicBenchmarks config) and any CPU
  size are this project's choice, for one-thread training speed.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from findna_bench import ConfigError, hookimpl
from findna_bench.dna import COMPLEMENT

PAPER_BLOCKS = 5
MAX_DILATION = 1024


def dilation_schedule(layers: int, base: int) -> list[int]:
    """The code's "small" schedule: ``1, 1, 1, base, base**2, ...`` capped at 1024."""
    return [1 if i < 2 else min(MAX_DILATION, base ** (i - 2)) for i in range(layers)]


def blocks_to_cover(max_len: int, kernel_size: int, stem_kernel: int, base: int) -> int:
    """Fewest blocks (at least the paper's 5) whose one-sided reach is ``max_len - 1``."""
    layers = PAPER_BLOCKS
    while True:
        reach = stem_kernel // 2 + sum(
            d * (kernel_size // 2) for d in dilation_schedule(layers, base)
        )
        if reach >= max_len - 1:
            return layers
        layers += 1


def conv_channels_last(conv: nn.Conv1d, h: torch.Tensor) -> torch.Tensor:
    """``conv`` over the length axis of a ``[B, L, C]`` tensor, returning ``[B, L, C]``.

    The same convolution as ``conv(h.transpose(1, 2)).transpose(1, 2)``, run as a 1-row 2-D
    convolution on a channels-last view: oneDNN's CPU kernels are fastest in that layout, and
    the LayerNorms, gates and the MLP around it read channels as the last axis without copies
    (1.6x less time per block than channels-first at d 16 on one CPU thread)."""
    image = h.transpose(1, 2).unsqueeze(2)  # [B, C, 1, L], channels-last strides, no copy
    out = F.conv2d(
        image,
        conv.weight.unsqueeze(2),
        conv.bias,
        padding=(0, conv.padding[0]),
        dilation=(1, conv.dilation[0]),
    )
    return out.squeeze(2).transpose(1, 2)


class GatedConvBlock(nn.Module):
    """One GCB: a dilated convolution of the main branch gated by one of the gate branch; the
    branches are ``[B, L, C]`` (channels last) and ``keep`` is ``[B, L, 1]``."""

    def __init__(
        self, dim: int, kernel_size: int, dilation: int, ffn: bool, dropout: float
    ) -> None:
        super().__init__()
        padding = dilation * (kernel_size // 2)
        self.norm = nn.LayerNorm(dim)
        self.gate_norm = nn.LayerNorm(dim)
        self.conv = nn.Conv1d(dim, dim, kernel_size, dilation=dilation, padding=padding)
        self.gate_conv = nn.Conv1d(dim, dim, kernel_size, dilation=dilation, padding=padding)
        self.ffn = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.LayerNorm(dim)) if ffn else None
        self.drop = nn.Dropout(dropout)

    def forward(
        self, feat: torch.Tensor, gate: torch.Tensor, keep: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        g = torch.sigmoid(
            conv_channels_last(self.gate_conv, self.gate_norm(self.drop(gate)) * keep)
        )
        feat = feat + F.gelu(conv_channels_last(self.conv, self.norm(self.drop(feat)) * keep)) * g
        if self.ffn is not None:
            feat = feat + self.ffn(feat)
        return feat, g


class ConvNova(nn.Module):
    """One-hot and its complement -> two stems -> gated dilated blocks -> MLP; ``[B, L, dim]``."""

    padding_invariant = True  # eval mode (dropout draws depend on the padded shape)

    def __init__(
        self,
        *,
        dim: int = 16,
        layers: int | None = None,
        max_len: int = 64,
        kernel_size: int = 9,
        stem_kernel: int = 9,
        dilation: int = 4,
        d_inner: int = 2,
        ffn: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if kernel_size < 3 or kernel_size % 2 == 0 or stem_kernel % 2 == 0:
            raise ConfigError(
                "convnova: kernel_size (>= 3) and stem_kernel must be odd ('same' padding)"
            )
        depth = (
            layers
            if layers is not None
            else blocks_to_cover(max_len, kernel_size, stem_kernel, dilation)
        )
        self.dim = dim
        self.register_buffer("complement", torch.as_tensor(COMPLEMENT[:5]), persistent=False)
        self.stem = nn.Conv1d(5, dim, stem_kernel, padding=stem_kernel // 2)
        self.gate_stem = nn.Conv1d(5, dim, stem_kernel, padding=stem_kernel // 2)
        self.blocks = nn.ModuleList(
            GatedConvBlock(dim, kernel_size, d, ffn, dropout)
            for d in dilation_schedule(depth, dilation)
        )
        wide = dim * d_inner
        self.mlp = nn.Sequential(
            nn.Linear(dim, wide),
            nn.GELU(),
            nn.Linear(wide, wide),
            nn.LayerNorm(wide),
            nn.Linear(wide, wide),
            nn.GELU(),
            nn.Linear(wide, dim),
            nn.LayerNorm(dim),
        )
        self.out_norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1).to(x.dtype)  # [B, L, 1]; activations are [B, L, C] throughout
        feat = F.gelu(conv_channels_last(self.stem, x))
        gate = F.gelu(conv_channels_last(self.gate_stem, x[..., self.complement]))
        for i, block in enumerate(self.blocks):
            feat, g = block(feat, gate, keep)
            if i + 1 < len(self.blocks):
                gate = gate + g
        return self.out_norm(feat + self.mlp(feat)) * keep


@hookimpl
def register_backbones(register) -> None:
    register(
        "convnova",
        ConvNova,
        description="ConvNova (arXiv 2502.18538): dilated gated CNN with a dual-branch gate",
        version="1",
    )
