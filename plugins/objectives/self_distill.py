"""Objectives "self-distill" (FinDNA), "self-distill-released" and "cl-only".

FinDNA (findna-method.md §2.2-2.5): a student sees the student view (mask + noise + reverse
complement), an EMA teacher sees the teacher view (deletion, insertion, translocation); both
get ``cls_slots`` all-zero CLS vectors appended, and one ``Linear(dim -> 5)`` head serves every
position. The loss is ``lambda_cl * L_CL + lambda_mnm * L_MNM``: L_CL is DINO cross-entropy
between the student's ``softmax(s / tau_s)`` and the teacher's centred ``softmax((t - c) /
tau_t)`` on the CLS slots (centre: EMA of the batch-mean teacher CLS output); L_MNM is the
student's categorical cross-entropy on masked positions. After every optimiser step the teacher
follows the student by EMA with momentum rising from ``ema_base`` to 1 on a cosine. The teacher
never receives gradients and is the network fine-tuning starts from.

``self-distill-released`` reproduces the authors' code where §6 lists a behaviour change: BCE
MNM over the scrambled tile-reshape selection against the un-complemented target, and views
drawn once per window (static); its registry recipe also uses the translocation-only teacher
and the channel-flip "RC". ``cl-only`` drops the MNM term (lambda_mnm = 0).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

import torch
from torch import nn

from findna_bench import (
    ConfigError,
    PretrainNet,
    append_cls,
    dino_loss,
    ema_momentum,
    ema_update,
    hookimpl,
    make_views,
    mnm_bce_scrambled,
    mnm_categorical,
    mnm_count,
    update_center,
    update_center_from_sum,
)

MNM_LOSSES = ("categorical", "bce-scrambled")


class SelfDistillation(nn.Module):
    def __init__(
        self,
        backbone: nn.Module,
        *,
        views: dict[str, Callable] | None = None,
        cls_slots: int = 10,
        tau_s: float = 0.1,
        tau_t: float = 0.04,
        center_momentum: float = 0.9,
        lambda_cl: float = 1.0,
        lambda_mnm: float = 1.0,
        ema_base: float = 0.996,
        mnm_loss: str = "categorical",
        static_views: bool = False,
    ) -> None:
        super().__init__()
        if mnm_loss not in MNM_LOSSES:
            raise ConfigError(f"self-distill: mnm_loss {mnm_loss!r} is not one of {MNM_LOSSES}")
        if cls_slots < 1:
            raise ConfigError(
                "self-distill: cls_slots must be >= 1 (the distillation runs on them)"
            )
        self.student = PretrainNet(backbone)
        self.teacher = copy.deepcopy(self.student).requires_grad_(False)
        self.views = {k: v for k, v in (views or {}).items() if k in ("student", "teacher")}
        self.cls_slots, self.tau_s, self.tau_t = cls_slots, tau_s, tau_t
        self.center_momentum, self.ema_base = center_momentum, ema_base
        self.lambda_cl, self.lambda_mnm = lambda_cl, lambda_mnm
        self.mnm_loss, self.static_views = mnm_loss, static_views
        self.register_buffer("center", torch.zeros(1, cls_slots, self.student.head.out_features))
        self._pending: tuple[torch.Tensor, torch.Tensor] | None = None  # CLS sum, rows

    def train(self, mode: bool = True) -> SelfDistillation:
        super().train(mode)
        self.teacher.eval()
        return self

    def totals(self, batch: dict) -> dict[str, torch.Tensor]:
        """This rank's loss denominators for ``batch`` (views only, no network); the loop sums
        them over ranks and passes them as ``batch["totals"]`` to every micro-batch."""
        views = make_views(batch, self.views, static=self.static_views)
        student = views.get("student", views["clean"])
        slots = torch.tensor(float(student.x.shape[0] * self.cls_slots), device=student.x.device)
        return {"mnm": mnm_count(student), "cl": slots}

    def forward(self, batch: dict) -> dict[str, torch.Tensor]:
        """Losses of ``batch``; with ``batch["totals"]`` each is this micro-batch's share of the
        whole batch's mean, and the centre update waits for ``end_accumulation``."""
        totals = batch.get("totals") or {}
        views = make_views(batch, self.views, static=self.static_views)
        clean = views["clean"]
        student_view = views.get("student", clean)
        teacher_view = views.get("teacher", clean)
        length = clean.x.shape[1]
        student_out = self.student(*append_cls(student_view, self.cls_slots))
        with torch.no_grad():
            teacher_cls = self.teacher(*append_cls(teacher_view, self.cls_slots))[
                :, length:
            ].float()
        cl = dino_loss(
            student_out[:, length:],
            teacher_cls,
            self.center,
            tau_s=self.tau_s,
            tau_t=self.tau_t,
            total=totals.get("cl"),
        )
        if self.training:
            self._center_step(teacher_cls, defer=bool(totals))
        if self.mnm_loss == "categorical":
            mnm, acc = mnm_categorical(student_out, student_view, total=totals.get("mnm"))
        else:
            mnm, acc = mnm_bce_scrambled(student_out, student_view, clean, total=totals.get("mnm"))
        loss = self.lambda_cl * cl + self.lambda_mnm * mnm
        return {"loss": loss, "cl_loss": cl.detach(), "mnm_loss": mnm.detach(), "mnm_acc": acc}

    @torch.no_grad()
    def _center_step(self, teacher_cls: torch.Tensor, *, defer: bool) -> None:
        if not defer:
            update_center(self.center, teacher_cls, self.center_momentum)
            return
        rows = torch.tensor(float(teacher_cls.shape[0]), device=teacher_cls.device)
        cls_sum = teacher_cls.sum(0, keepdim=True)
        if self._pending is not None:
            cls_sum, rows = cls_sum + self._pending[0], rows + self._pending[1]
        self._pending = (cls_sum, rows)

    @torch.no_grad()
    def end_accumulation(self) -> None:
        """After the last micro-batch of a step: one centre update with the whole batch's mean
        (every micro-batch's DINO target used the centre from before the step, as one batch)."""
        if self._pending is not None:
            cls_sum, rows = self._pending
            self._pending = None
            update_center_from_sum(self.center, cls_sum, rows, self.center_momentum)

    @torch.no_grad()
    def after_step(self, step: int, total_steps: int) -> dict[str, float]:
        """EMA update after optimiser step ``step`` (0-based) of ``total_steps``."""
        momentum = ema_momentum(step, total_steps, self.ema_base)
        ema_update(self.teacher, self.student, momentum)
        return {"ema": momentum}

    def transfer_module(self) -> nn.Module:
        return self.teacher.backbone


@hookimpl
def register_objectives(register) -> None:
    register(
        "self-distill",
        SelfDistillation,
        description="FinDNA: DINO CLS distillation to an EMA teacher + masked nucleotide modelling",
        version="1",
    )
    register(
        "self-distill-released",
        functools.partial(SelfDistillation, mnm_loss="bce-scrambled", static_views=True),
        description="FinDNA as released: scrambled BCE MNM, static views (§6)",
        version="1",
    )
    register(
        "cl-only",
        functools.partial(SelfDistillation, lambda_mnm=0.0),
        description="ablation: CLS self-distillation only, no MNM term",
        version="1",
    )
