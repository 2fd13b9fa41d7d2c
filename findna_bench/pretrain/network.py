"""The pretraining network and the loss pieces shared by objective plugins.

``PretrainNet`` is FinDNA's ``Model4Pretrain``: a backbone followed by ``Linear(dim -> 5)``
applied to every position, CLS slots included. The head runs in fp32 outside autocast, and the
DINO and centring arithmetic below is fp32 throughout (logits are cast up before any softmax). The losses are plain functions so that the
``mnm``, ``self-distill`` and released-code objectives combine them without inheritance.
Reductions over a data-parallel batch go through ``ddp.global_mean`` so that several processes
compute the same loss (and gradient) as one process with the whole batch.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from findna_bench import dna
from findna_bench.pretrain import ddp
from findna_bench.pretrain.view import View
from findna_bench.types import Backbone


class PretrainNet(nn.Module):
    """``backbone -> Linear(dim, 5)`` per position (the MNM head, reused for the CLS slots)."""

    def __init__(self, backbone: Backbone) -> None:
        super().__init__()
        if not isinstance(backbone, nn.Module):
            raise TypeError(f"a backbone is an nn.Module (types.Backbone), got {backbone!r}")
        self.backbone = backbone
        self.head = nn.Linear(backbone.dim, dna.NUM_SYMBOLS)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.backbone(x, mask)
        # the 5-way head feeds softmaxes at temperature 0.04: run it in fp32 outside autocast
        with torch.autocast(h.device.type, enabled=False):
            return self.head(h.to(torch.promote_types(h.dtype, torch.float32)))


def append_cls(view: View, slots: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Input and mask with ``slots`` all-zero CLS vectors appended after every row's end
    (pretraining windows are unpadded, so the slots sit at positions L..L+slots-1)."""
    b = view.x.shape[0]
    x = torch.cat([view.x, view.x.new_zeros(b, slots, view.x.shape[-1])], dim=1)
    mask = torch.cat([view.mask, view.mask.new_ones(b, slots)], dim=1)
    return x, mask


def _mean(local_sum: torch.Tensor, count: torch.Tensor, total: torch.Tensor | None) -> torch.Tensor:
    """Global mean over the batch, or with ``total`` (its count, known in advance when the
    batch runs in micro-batches) this micro-batch's share of it."""
    return ddp.global_mean(local_sum, count) if total is None else ddp.share(local_sum, total)


def mnm_count(view: View) -> torch.Tensor:
    """Positions the MNM loss averages over (masked real positions)."""
    return (view.masked & view.mask).sum().float()


def mnm_categorical(
    logits: torch.Tensor, view: View, total: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy over A, C, G, N, T at masked positions only; returns (loss, accuracy)."""
    logits = logits[:, : view.target.shape[1]].float()
    selected = view.masked & view.mask
    picked, target = logits[selected], view.target[selected]
    loss_sum = F.cross_entropy(picked, target, reduction="sum") if len(target) else logits.sum() * 0
    correct = (picked.argmax(-1) == target).sum().float()
    count = selected.sum().float()
    return _mean(loss_sum, count, total), _mean(correct, count, total).detach()


def mnm_bce_scrambled(
    logits: torch.Tensor, view: View, clean: View, total: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """FinDNA's released MNM loss (§2.3, §6.3-4): BCE-with-logits against the clean one-hot,
    over cells picked by tiling the ``[B, L]`` mask to ``[5, B, L]`` and reshaping to
    ``[B, L, 5]``. Not data-parallel or micro-batch exact (the scramble mixes rows; with
    ``total``, the masked-position count of the whole batch, only the normalisation is).
    Accuracy is measured on the truly masked positions against the clean target, for
    comparison with ``mnm``."""
    logits = logits[:, : view.target.shape[1]].float()
    b, length = view.masked.shape
    cells = view.masked.unsqueeze(0).expand(dna.NUM_SYMBOLS, b, length).reshape(b, length, -1)
    target = clean.x
    selected = view.masked & view.mask
    correct = (logits.argmax(-1) == clean.target)[selected].sum().float()
    if total is not None:  # 5 cells per masked position, whatever the scramble picks
        bce = F.binary_cross_entropy_with_logits(logits[cells], target[cells], reduction="sum")
        return ddp.share(bce, total * dna.NUM_SYMBOLS), ddp.share(correct, total).detach()
    loss = (
        F.binary_cross_entropy_with_logits(logits[cells], target[cells])
        if cells.any()
        else logits.sum() * 0
    )
    return loss, (correct / selected.sum().clamp_min(1)).detach()


def dino_loss(
    student_cls: torch.Tensor,
    teacher_cls: torch.Tensor,
    center: torch.Tensor,
    *,
    tau_s: float,
    tau_t: float,
    total: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over rows and slots of ``-sum_j softmax((t - c)/tau_t)_j log softmax(s/tau_s)_j``
    (with ``total``, the batch's row x slot count: this micro-batch's share of it)."""
    target = F.softmax((teacher_cls.float() - center) / tau_t, dim=-1).detach()
    per = -(target * F.log_softmax(student_cls.float() / tau_s, dim=-1)).sum(-1)
    return _mean(per.sum(), torch.tensor(float(per.numel()), device=per.device), total)


@torch.no_grad()
def update_center(center: torch.Tensor, teacher_cls: torch.Tensor, momentum: float) -> None:
    """``c <- m c + (1 - m) mean_batch(teacher CLS)``, the mean taken over the global batch."""
    rows = torch.tensor(float(teacher_cls.shape[0]), device=teacher_cls.device)
    update_center_from_sum(center, teacher_cls.float().sum(0, keepdim=True), rows, momentum)


@torch.no_grad()
def update_center_from_sum(
    center: torch.Tensor, cls_sum: torch.Tensor, rows: torch.Tensor, momentum: float
) -> None:
    """``update_center`` from this rank's sum of teacher CLS outputs over ``rows`` rows (the
    sums of several micro-batches add up before the one update of the step)."""
    batch_mean = ddp.global_mean(cls_sum, rows, grad=False)
    center.mul_(momentum).add_(batch_mean, alpha=1 - momentum)


def ema_momentum(step: int, total: int, base: float) -> float:
    """FinDNA's per-iteration cosine schedule ``1 - (1 - base)(1 + cos(pi i / T)) / 2``."""
    return 1 - (1 - base) * (1 + math.cos(math.pi * step / max(1, total))) / 2


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, momentum: float) -> None:
    """``theta_t <- m theta_t + (1 - m) theta_s`` over every floating state-dict tensor."""
    s_state = student.state_dict()
    for key, t in teacher.state_dict().items():
        if t.is_floating_point():
            t.mul_(momentum).add_(s_state[key].detach(), alpha=1 - momentum)
        else:
            t.copy_(s_state[key])
