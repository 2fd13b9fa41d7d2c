"""Runs one (model, task, seed) spec: data, backbone, optional pretrained weights, fine-tuning,
selection on validation, one test evaluation, and the record. Fires lifecycle hooks; never prints.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from findna_bench import predictions, record
from findna_bench.catalog import Catalog
from findna_bench.config import RunSpec, config_hash
from findna_bench.data.policy import Policy
from findna_bench.environment import environment
from findna_bench.model import SequenceClassifier
from findna_bench.protocol import declared
from findna_bench.tasks import TaskData
from findna_bench.train import Encoded, finetune, predict, score


@dataclass(kw_only=True)
class RunContext:
    """What every run of an invocation shares."""

    catalog: Catalog
    hook: Any  # pm.hook
    data_root: Path
    device: torch.device
    cache_dir: Path = Path(".findna-cache")
    _data: dict = field(default_factory=dict)

    def task_data(self, task: Any, cfg: dict) -> tuple[TaskData, dict[str, Encoded]]:
        """Load, validate and encode a task once per invocation (shared by seeds and models)."""
        data_cfg = cfg["data"]
        key = (task.name, task.max_len, config_hash(data_cfg))
        if key not in self._data:
            data = task.load(
                self.data_root,
                policy=Policy.from_config(data_cfg.get("policy")),
                valid_fraction=data_cfg["valid_fraction"],
                carve_seed=data_cfg.get("carve_seed", 0),
            )
            encoded = {s: Encoded.from_split(v.sequences, v.labels) for s, v in data.splits.items()}
            self._data = {key: (data, encoded)}  # keep one task in memory at a time
        return self._data[key]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def subsample(data: Encoded, limit: int | None, seed: int) -> Encoded:
    if not limit or len(data) <= limit:
        return data
    index = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:limit]
    return data.subset(index.sort().values)


def run_one(spec: RunSpec, ctx: RunContext) -> dict:
    """Execute a spec and return its record (status 'ok'); exceptions propagate to the suite."""
    started = time.time()
    cfg = spec.config
    ft = cfg["finetune"]
    catalog = ctx.catalog
    task_entry = catalog.get("task", spec.task)
    task = task_entry.factory(**cfg["task"])
    data, encoded = ctx.task_data(task, cfg)
    metric_fns = {name: catalog.get("metric", name).factory for name in task.metrics}
    main = task.metrics[0]
    higher = catalog.metric(main).higher_is_better
    carve_seed = cfg["data"].get("carve_seed", 0)
    train = subsample(encoded["train"], ft["max_train"], carve_seed)
    valid = subsample(encoded["valid"], ft["max_valid"], carve_seed)

    seed_everything(spec.seed)
    backbone = catalog.build_backbone(cfg["backbone"], task.max_len)
    ctx.hook.on_run_start(spec=spec)  # before pretraining, so its progress shows under this run
    pretrained = None
    if cfg.get("pretrain"):
        from findna_bench.pretrain.transfer import load_pretrained

        pretrained = load_pretrained(backbone, cfg, ctx, spec)
    model = SequenceClassifier(
        backbone, len(task.classes), pooling=ft["pooling"], max_len=task.max_len
    ).to(ctx.device)
    result = finetune(
        model,
        train,
        valid,
        cfg=ft,
        metrics=metric_fns,
        main_metric=main,
        higher_is_better=higher,
        device=ctx.device,
        seed=spec.seed,
        on_step=lambda step, total, m: ctx.hook.on_train_step(
            spec=spec, stage="finetune", step=step, total_steps=total, metrics=m
        ),
        on_eval=lambda m: ctx.hook.on_evaluate(
            spec=spec, stage="finetune", split="valid", metrics=m
        ),
    )
    # The test split is scored exactly once, with the weights selected on validation.
    probs = predict(
        model,
        encoded["test"],
        batch_size=ft["eval_batch_size"],
        device=ctx.device,
        amp=ft["amp"],
        rc_tta=ft["rc_tta"],
    )
    test_metrics = score(probs, encoded["test"].labels.numpy(), metric_fns)
    ctx.hook.on_evaluate(spec=spec, stage="finetune", split="test", metrics=test_metrics)
    return record.ok(
        spec,
        benchmark=task.benchmark,
        main_metric=main,
        higher_is_better=higher,
        metrics={"valid": result.selected_valid, "test": test_metrics},
        best_epoch=result.best_epoch,
        best_step=result.best_step,
        curve=result.curve,
        steps=result.steps,
        planned_steps=result.planned_steps,
        stop_reason=result.stop_reason,
        **{predictions.PENDING: (probs, encoded["test"].labels.numpy())},  # saved by the suite
        finetune_mode=record.finetune_mode(ft),
        protocol=declared(
            cfg, main_metric=main, higher_is_better=higher, data_protocol=data.protocol
        ),
        parameters=sum(p.numel() for p in model.parameters()),
        trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
        pretrained=pretrained,
        data={
            "root": str(ctx.data_root),
            "files": data.files,
            "classes": data.classes,
            "protocol": data.protocol,
            "validation": data.validation,
            "sizes": {"train": len(train), "valid": len(valid), "test": len(encoded["test"])},
        },
        plugins={
            "backbone": catalog.get("backbone", cfg["backbone"]["use"]).plugin,
            "task": task_entry.plugin,
        },
        train_seconds=round(result.seconds, 3),
        wall_seconds=round(time.time() - started, 3),
        started_at=record.stamp(started),
        environment=environment(ctx.device),
    )
