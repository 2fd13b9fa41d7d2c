"""The fine-tuning loop and evaluation; model- and task-agnostic, never prints.

Selection uses only the validation split; the test split is evaluated once by the runner, with
the selected weights, after this loop returns. Progress is reported through a callback.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler

from findna_bench import dna
from findna_bench.model import SequenceClassifier
from findna_bench.optim import NonFiniteLoss, autocast, lr_lambda
from findna_bench.run.accumulate import backward_in_micro_batches
from findna_bench.run.budget import STOP_PATIENCE, Budget, EarlyStopping
from findna_bench.run.timing import (
    BATCHING,
    EVALUATION,
    FORWARD_BACKWARD,
    OPTIMIZER,
    PhaseTimer,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Encoded:
    """A split as tensors: PAD-filled uint8 tokens, lengths and labels."""

    tokens: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor

    @classmethod
    def from_split(cls, sequences: list[str], labels: np.ndarray) -> Encoded:
        tokens, lengths = dna.encode(sequences)
        return cls(
            tokens=torch.from_numpy(tokens),
            lengths=torch.from_numpy(lengths),
            labels=torch.as_tensor(labels, dtype=torch.long),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: torch.Tensor) -> Encoded:
        return Encoded(
            tokens=self.tokens[index], lengths=self.lengths[index], labels=self.labels[index]
        )


@dataclass(kw_only=True)
class FinetuneResult:
    """What the loop did: the budget it planned, the steps it ran, why it stopped, the curve."""

    best_epoch: float
    best_step: int
    planned_steps: int
    steps: int
    stop_reason: str
    seconds: float
    curve: list[dict] = field(default_factory=list)
    selected_valid: dict = field(default_factory=dict)


def batch_inputs(
    data: Encoded, index: torch.Tensor, device: torch.device
) -> tuple[torch.Tensor, ...]:
    """One-hot input, mask and labels for rows ``index``, cropped to the batch's longest row."""
    lengths = data.lengths[index]
    width = int(lengths.max())
    tokens = data.tokens[index, :width].to(device, non_blocking=True)
    mask = torch.arange(width, device=device)[None, :] < lengths.to(device)[:, None]
    return tokens, mask, data.labels[index].to(device)


class ReverseComplementAugment:
    """Train-time reverse-complement augmentation (``finetune.rc_augment``): each training row
    is replaced by its reverse complement with probability ``p``, drawn from a generator of its
    own (seeded by the run's seed), so the batches' rows and order are those of a run without
    it."""

    def __init__(self, p: float, seed: int) -> None:
        self.p = p
        self.generator = torch.Generator().manual_seed(seed + 7919) if p > 0 else None

    def __call__(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        if self.generator is None:
            return batch
        tokens, mask, labels = batch
        flip = (torch.rand(len(labels), generator=self.generator) < self.p).to(tokens.device)
        rc = dna.reverse_complement_torch(tokens, mask.sum(1))
        return torch.where(flip[:, None], rc, tokens), mask, labels


def optimizer_step(
    batch: tuple[torch.Tensor, ...],
    *,
    model: nn.Module,
    loss_fn: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler,
    params: Sequence[torch.Tensor],
    cfg: dict,
    device: torch.device,
    timer: PhaseTimer,
) -> torch.Tensor:
    """One update: forward and backward (in micro-batches when ``micro_batch_size`` is set),
    clip, step optimiser and schedule; returns the batch's mean loss, detached (no host sync)."""
    tokens, mask, labels = batch
    with timer.phase(FORWARD_BACKWARD):
        optimizer.zero_grad(set_to_none=True)
        loss = backward_in_micro_batches(
            model,
            loss_fn,
            tokens,
            mask,
            labels,
            micro_batch_size=cfg.get("micro_batch_size"),
            autocast=lambda: autocast(device, cfg["amp"], cpu=cfg["cpu_amp"]),
        )
    with timer.phase(OPTIMIZER):
        if cfg["grad_clip"]:
            nn.utils.clip_grad_norm_(params, cfg["grad_clip"])
        optimizer.step()
        scheduler.step()
    return loss


@torch.inference_mode()
def predict(
    model: nn.Module,
    data: Encoded,
    *,
    batch_size: int,
    device: torch.device,
    amp: bool = True,
    cpu_amp: bool = False,
    rc_tta: bool = False,
) -> np.ndarray:
    """Class probabilities ``[N, C]``; with ``rc_tta`` averaged over the reverse complement;
    ``amp``/``cpu_amp``: bf16 autocast on CUDA / on a CPU (``optim.autocast``)."""
    model.eval()
    out = []
    for start in range(0, len(data), batch_size):
        index = torch.arange(start, min(start + batch_size, len(data)))
        tokens, mask, _ = batch_inputs(data, index, device)
        with autocast(device, amp, cpu=cpu_amp):
            probs = model(dna.one_hot(tokens), mask).float().softmax(-1)
            if rc_tta:
                rc = dna.reverse_complement_torch(tokens, mask.sum(1))
                probs = (probs + model(dna.one_hot(rc), mask).float().softmax(-1)) / 2
        out.append(probs.cpu())
    return torch.cat(out).numpy()


def score(probs: np.ndarray, labels: np.ndarray, metrics: dict[str, Callable]) -> dict[str, float]:
    pred = probs.argmax(-1)
    return {name: fn(labels, pred, probs) for name, fn in metrics.items()}


def _freeze_for_mode(model: SequenceClassifier, mode: str) -> None:
    """Linear probe: the backbone is frozen and kept in eval mode (no dropout, fixed norms)."""
    model.train()
    if mode == "linear-probe":
        model.backbone.eval()


def _batches(train: Encoded, budget: Budget, batch_size: int, generator: torch.Generator):
    """(step, rows) for every planned step: a fresh permutation of the rows each epoch."""
    step = 0
    for _epoch in range(math.ceil(budget.planned_steps / budget.steps_per_epoch)):
        order = torch.randperm(len(train), generator=generator)
        for i in range(budget.steps_per_epoch):
            if step == budget.planned_steps:
                return
            step += 1
            yield step, order[i * batch_size : (i + 1) * batch_size]


class Selection:
    """Best-on-validation bookkeeping: the dev curve, the selected weights, when to stop."""

    def __init__(self, budget: Budget, result: FinetuneResult, *, cfg: dict, higher: bool):
        self.budget, self.result, self.cfg = budget, result, cfg
        self.stopper = EarlyStopping(budget, higher_is_better=higher)
        self.best_state: dict | None = None

    def observe(self, model: nn.Module, step: int, values: dict, main_metric: str) -> None:
        """Add the evaluation at ``step`` to the curve; keep the weights when they are selected."""
        point = round(step / self.budget.steps_per_epoch, 4)
        self.result.curve.append({"epoch": point, "step": step, **values})
        new_best = self.stopper.observe(values[main_metric])
        if new_best or self.cfg["selection"] == "last-epoch" or self.best_state is None:
            self.best_state = copy.deepcopy(model.state_dict())
            self.result.best_epoch, self.result.best_step = point, step
            self.result.selected_valid = values

    def should_stop(self, step: int) -> bool:
        """A plateau under best-valid selection before the last planned step (named in the result)."""
        best_valid = self.cfg["selection"] == "best-valid"
        if step < self.budget.planned_steps and best_valid and self.stopper.should_stop(step):
            self.result.stop_reason = STOP_PATIENCE
            return True
        return False

    def restore(self, model: nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def report_loss(
    value: float, step: int, budget: Budget, lr: float | torch.Tensor, on_step: Callable
) -> None:
    """Check the loss is finite and report it with the learning rate and epoch."""
    if not math.isfinite(value):
        raise NonFiniteLoss(f"fine-tuning loss became {value} at or before step {step}")
    epoch = round(step / budget.steps_per_epoch, 2)
    on_step(step, budget.planned_steps, {"loss": value, "lr": lr, "epoch": epoch})


def finetune(
    model: SequenceClassifier,
    train: Encoded,
    valid: Encoded,
    *,
    cfg: dict,
    metrics: dict[str, Callable],
    main_metric: str,
    higher_is_better: bool,
    device: torch.device,
    seed: int,
    on_step: Callable[[int, int, dict], None] = lambda *a: None,
    on_eval: Callable[[dict], None] = lambda m: None,
    timer: PhaseTimer | None = None,
) -> FinetuneResult:
    """Train ``model`` on ``train`` within its budget, select on ``valid``, stop early on a
    plateau; leaves the selected weights loaded. ``timer`` sums the time of its phases
    (``timing.py``)."""
    started = time.perf_counter()
    timer = timer or PhaseTimer()
    generator = torch.Generator().manual_seed(seed)
    if cfg["mode"] == "linear-probe":
        for p in model.backbone.parameters():
            p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    budget = Budget.plan(cfg, len(train))
    total = budget.planned_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(total, cfg["warmup"]))
    result = FinetuneResult(
        best_epoch=0.0, best_step=0, planned_steps=total, steps=0, stop_reason=budget.bound,
        seconds=0.0,
    )  # fmt: skip
    selection = Selection(budget, result, cfg=cfg, higher=higher_is_better)
    loss_fn = nn.CrossEntropyLoss()
    _freeze_for_mode(model, cfg["mode"])
    augment = ReverseComplementAugment(cfg["rc_augment"], seed)
    for step, index in _batches(train, budget, cfg["batch_size"], generator):
        with timer.phase(BATCHING):
            batch = augment(batch_inputs(train, index, device))
        loss = optimizer_step(
            batch, model=model, loss_fn=loss_fn, optimizer=optimizer, scheduler=scheduler,
            params=params, cfg=cfg, device=device, timer=timer,
        )  # fmt: skip
        result.steps = step
        if step % 10 == 0 or step == total or step in budget.eval_steps:
            with timer.phase(FORWARD_BACKWARD):  # the host waits here for the queued steps
                value = loss.item()  # 1 sync/10 steps
            report_loss(value, step, budget, scheduler.get_last_lr()[0], on_step)
        if step not in budget.eval_steps:
            continue
        timer.drain(device)
        with timer.phase(EVALUATION):
            probs = predict(
                model, valid, batch_size=cfg["eval_batch_size"], device=device, amp=cfg["amp"],
                cpu_amp=cfg["cpu_amp"], rc_tta=cfg["rc_tta"],
            )  # fmt: skip
            values = score(probs, valid.labels.numpy(), metrics)
        selection.observe(model, step, values, main_metric)
        on_eval(values)
        _freeze_for_mode(model, cfg["mode"])
        if selection.should_stop(step):
            break
    selection.restore(model)
    result.seconds = time.perf_counter() - started
    return result
