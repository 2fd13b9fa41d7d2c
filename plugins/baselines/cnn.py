"""Backbone "cnn": the GenomicBenchmarks paper's CNN (Grešová et al., BMC Genomic Data 2023).

Published configuration (genomic_benchmarks ``models/torch_cnn.py``): embedding of dimension
100, three Conv1d blocks with 16, 8 and 4 filters of width 8, each followed by batch norm, ReLU
and max-pooling by 2, then a length-dependent dense layer. Here the input is the 5-channel
one-hot (embedded linearly) and the blocks keep the sequence length ("same" padding, no
pooling) so that the engine's masked mean pooling and linear head can follow, and padding is
re-zeroed after every block so that, in eval mode, appending padding never changes the outputs
at real positions. Those are the only deviations; they remove the dense layer's dependence on a
fixed input length.
"""

from __future__ import annotations

import torch
from torch import nn

from findna_bench import hookimpl


class GenomicBenchmarksCNN(nn.Module):
    """One-hot -> linear embedding -> [Conv1d(k) -> BatchNorm -> ReLU] x len(channels)."""

    def __init__(
        self,
        *,
        embed_dim: int = 16,
        channels: tuple[int, ...] = (16, 8, 4),
        kernel_size: int = 8,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(5, embed_dim)
        blocks: list[nn.Module] = []
        width = embed_dim
        for out in channels:
            # "same" padding written out: PyTorch copies the input for even widths otherwise
            blocks.append(
                nn.Sequential(
                    nn.ConstantPad1d(((kernel_size - 1) // 2, kernel_size // 2), 0.0),
                    nn.Conv1d(width, out, kernel_size),
                    nn.BatchNorm1d(out),
                    nn.ReLU(),
                    nn.Dropout(dropout),
                )
            )
            width = out
        self.convs = nn.ModuleList(blocks)
        self.dim = width

    # eval-mode promise (batch norm uses batch statistics while training)
    padding_invariant = True

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(1).to(x.dtype)  # [B, 1, L]
        h = self.embed(x).transpose(1, 2) * keep
        for block in self.convs:
            h = block(h) * keep
        return h.transpose(1, 2)


@hookimpl
def register_backbones(register) -> None:
    register(
        "cnn",
        GenomicBenchmarksCNN,
        description="GenomicBenchmarks paper CNN (3 conv blocks 16/8/4, width 8)",
        version="1",
    )
