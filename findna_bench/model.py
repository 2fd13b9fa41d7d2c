"""The downstream model: any backbone plus pooling and a linear classification head."""

from __future__ import annotations

import torch
from torch import nn

POOLINGS = ("mean", "mean-with-padding")


class SequenceClassifier(nn.Module):
    """``backbone -> pool over positions -> Linear(dim, classes)``.

    ``pooling="mean"`` averages real positions only; ``"mean-with-padding"`` averages every
    position, padding included, as FinDNA's released classifier does (for reproduction).
    """

    def __init__(self, backbone: nn.Module, num_classes: int, *, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.backbone = backbone
        self.pooling = pooling
        self.head = nn.Linear(backbone.dim, num_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.backbone(x, mask)
        if self.pooling == "mean-with-padding":
            return h.mean(dim=1)
        weights = mask.unsqueeze(-1).to(h.dtype)
        return (h * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x, mask))
