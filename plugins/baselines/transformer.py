"""Backbone "transformer": a pre-norm Transformer encoder on single nucleotides.

Attention is ``torch.nn.functional.scaled_dot_product_attention`` (flash / memory-efficient
kernels where the device has them) with a key-padding mask, so padding never changes outputs at
real positions. Positions are rotary (RoFormer, Su et al. 2021; the default) or learned
absolute embeddings (``positions="learned"``, capped at ``max_len``).

Published configuration matched by the ``transformer`` model in registry.yaml: the Long Range
Arena vanilla Transformer for byte-level text classification (Tay et al., ICLR 2021;
google-research/long-range-arena ``text_classification/configs/base_tc_config.py``: 4 layers,
d 256, 4 heads, MLP 1024). The block is the pre-LN variant (Xiong et al., ICML 2020) with GELU.
``dropout`` applies to the residual branches and inside the feed-forward, not to the attention
probabilities: SDPA has no fused CPU kernel with attention dropout and falls back to the math
path, which materialises every L x L matrix (measured: 3.5 GB and 5x slower at L 4096).
"""

from __future__ import annotations

import torch
from torch import nn

from findna_bench import ConfigError, hookimpl

POSITIONS = ("rotary", "learned")


def rotary_tables(
    length: int, head_dim: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """``cos, sin`` of shape ``[L, head_dim / 2]`` (base 10000)."""
    freqs = 1.0 / (
        10000 ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim)
    )
    angles = torch.arange(length, device=device, dtype=torch.float32)[:, None] * freqs[None, :]
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate channel pairs ``(i, i + head_dim/2)`` of ``x [B, H, L, head_dim]`` by position."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    """``h + Attn(LN(h))``, then ``h + FF(LN(h))``."""

    def __init__(self, dim: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            nn.Linear(dim, ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff, dim)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, keys: torch.Tensor, rope: tuple | None) -> torch.Tensor:
        batch, length, dim = h.shape
        q, k, v = (
            self.qkv(self.norm1(h)).view(batch, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        )
        if rope is not None:
            q, k = apply_rotary(q, *rope), apply_rotary(k, *rope)
        att = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=keys)
        h = h + self.drop(self.out(att.transpose(1, 2).reshape(batch, length, dim)))
        return h + self.drop(self.ff(self.norm2(h)))


class Transformer(nn.Module):
    """One-hot -> Linear(5, dim) (+ learned positions) -> pre-LN blocks -> LayerNorm."""

    padding_invariant = True

    def __init__(
        self,
        *,
        dim: int = 32,
        heads: int = 2,
        layers: int = 2,
        ff: int = 64,
        dropout: float = 0.0,
        positions: str = "rotary",
        max_len: int = 64,
    ) -> None:
        super().__init__()
        if positions not in POSITIONS:
            raise ConfigError(f"transformer: positions {positions!r} is not one of {POSITIONS}")
        if dim % heads or (dim // heads) % 2:
            raise ConfigError(f"transformer: dim {dim} must split into {heads} heads of even size")
        self.dim = dim
        self.head_dim = dim // heads
        self.max_len = max_len
        self.positions = positions
        self.embed = nn.Linear(5, dim)
        self.pos = nn.Embedding(max_len, dim) if positions == "learned" else None
        self.blocks = nn.ModuleList(Block(dim, heads, ff, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        h = self.embed(x)
        rope = None
        if self.pos is not None:
            if length > self.max_len:
                raise ConfigError(
                    f"transformer: input length {length} exceeds max_len {self.max_len} "
                    "of the learned positions; raise backbone.max_len"
                )
            h = h + self.pos.weight[:length]
        else:
            rope = rotary_tables(length, self.head_dim, x.device)
        keys = mask[:, None, None, :]  # [B, 1, 1, L]: True = key takes part
        for block in self.blocks:
            h = block(h, keys, rope)
        return self.norm(h) * mask.unsqueeze(-1).to(h.dtype)


@hookimpl
def register_backbones(register) -> None:
    register(
        "transformer",
        Transformer,
        description="pre-LN Transformer encoder (SDPA, rotary or learned positions)",
        version="1",
    )
