"""The downstream model: any backbone plus pooling and a linear classification head."""

from __future__ import annotations

import torch
from torch import nn

from findna_bench.config_keys import POOLINGS
from findna_bench.errors import ConfigError
from findna_bench.types import Backbone

LOW_PRECISION = (torch.float16, torch.bfloat16)


class SequenceClassifier(nn.Module):
    """``backbone -> pool over positions -> Linear(dim, classes)``.

    A backbone that returns ``(hidden [B, T, dim], token_mask [B, T])`` (its own tokens, e.g.
    the ``hf`` backbone) is pooled over ``token_mask`` instead of the nucleotide mask.

    ``pooling="mean"`` averages real positions only. ``"mean-with-padding"`` reproduces FinDNA's
    released classifier, which pads every sequence of a dataset with all-zero vectors to one
    length and averages the backbone output over all of those positions: here the input is
    right-padded to ``max_len`` (the task length; by default ``backbone.max_len``) before the
    backbone, and the output is averaged over all ``max_len`` positions, so a sequence's pooled
    features never depend on the other rows of its batch. ``"mean-max"`` concatenates the mean
    and the maximum over real positions (``2 * dim`` features): the max keeps a strong signal at
    one position (a TATA box, a binding motif) that a mean over the sequence dilutes.
    """

    def __init__(
        self,
        backbone: Backbone,
        num_classes: int,
        *,
        pooling: str = "mean",
        max_len: int | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(backbone, nn.Module):
            raise TypeError(f"a backbone is an nn.Module (types.Backbone), got {backbone!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.backbone = backbone
        self.pooling = pooling
        self.max_len = max_len or getattr(backbone, "max_len", None)
        if pooling == "mean-with-padding" and not self.max_len:
            raise ConfigError(
                "finetune.pooling mean-with-padding pools over the task's max_len, "
                f"but backbone {type(backbone).__name__} has no max_len; use pooling: mean"
            )
        width = 2 * backbone.dim if pooling == "mean-max" else backbone.dim
        self.head = nn.Linear(width, num_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "mean-with-padding":
            return self._padded_mean(x, mask)
        h = self.backbone(x, mask)
        if isinstance(h, tuple):  # token features and their own mask (types.Backbone)
            h, mask = h
        weights = mask.unsqueeze(-1).to(h.dtype)
        mean = (h * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)
        if self.pooling != "mean-max":
            return mean
        lowest = torch.finfo(h.dtype).min
        return torch.cat([mean, h.masked_fill(~mask.unsqueeze(-1), lowest).amax(dim=1)], dim=-1)

    def _padded_mean(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean of the backbone output over ``max_len`` positions, zero-vector padding included."""
        extra = (self.max_len or 0) - x.shape[1]  # max_len is set for this pooling (__init__)
        if extra < 0:
            raise ConfigError(
                f"input length {x.shape[1]} exceeds the pooling max_len {self.max_len}"
            )
        x = nn.functional.pad(x, (0, 0, 0, extra))
        mask = nn.functional.pad(mask, (0, extra), value=False)
        h = self.backbone(x, mask)
        if isinstance(h, tuple):
            raise ConfigError(
                f"finetune.pooling mean-with-padding pools positions, but backbone "
                f"{type(self.backbone).__name__} returns token features; use pooling: mean"
            )
        return h.mean(dim=1, dtype=torch.float32 if h.dtype in LOW_PRECISION else h.dtype)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x, mask))
