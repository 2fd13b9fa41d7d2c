"""Objective "mnm": masked nucleotide modelling alone (the paper's CM-MNM ablation).

The student view (by default no augmentation; FinDNA's recipe is ``mask`` with rate 0.3) goes
through the backbone and the per-position ``Linear(dim -> 5)`` head; the loss is categorical
cross-entropy over A, C, G, N, T at masked positions only. Fine-tuning starts from the student
backbone (there is no teacher).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from findna_bench import PretrainNet, append_cls, hookimpl, make_views, mnm_categorical, mnm_count


class MaskedNucleotideModel(nn.Module):
    def __init__(
        self, backbone: nn.Module, *, views: dict[str, Callable] | None = None, cls_slots: int = 0
    ) -> None:
        super().__init__()
        self.student = PretrainNet(backbone)
        self.views = {k: v for k, v in (views or {}).items() if k == "student"}
        self.cls_slots = cls_slots

    def totals(self, batch: dict) -> dict[str, torch.Tensor]:
        """This rank's masked-position count (views only), for micro-batched steps."""
        views = make_views(batch, self.views)
        return {"mnm": mnm_count(views.get("student", views["clean"]))}

    def forward(self, batch: dict) -> dict[str, torch.Tensor]:
        views = make_views(batch, self.views)
        view = views.get("student", views["clean"])
        x, mask = append_cls(view, self.cls_slots)
        total = (batch.get("totals") or {}).get("mnm")
        loss, acc = mnm_categorical(self.student(x, mask), view, total=total)
        return {"loss": loss, "mnm_loss": loss.detach(), "mnm_acc": acc}

    def transfer_module(self) -> nn.Module:
        return self.student.backbone


@hookimpl
def register_objectives(register) -> None:
    register(
        "mnm",
        MaskedNucleotideModel,
        description="masked nucleotide modelling only (CM-MNM): categorical CE on masked positions",
        version="1",
    )
