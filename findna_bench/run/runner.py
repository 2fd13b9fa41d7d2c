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

from findna_bench.catalog import Catalog
from findna_bench.config_tree import config_hash
from findna_bench.data.policy import Policy
from findna_bench.hardware.environment import environment
from findna_bench.model import SequenceClassifier
from findna_bench.paths import relative_to
from findna_bench.results import predictions, record
from findna_bench.results.protocol import declared
from findna_bench.run.timing import DATA, PRETRAINING, TEST, PhaseTimer
from findna_bench.run.train import Encoded, finetune, predict, score
from findna_bench.runspec import RunSpec
from findna_bench.types import Record, TaskData


@dataclass(kw_only=True)
class RunContext:
    """What every run of an invocation shares."""

    catalog: Catalog
    hook: Any  # pm.hook
    data_root: Path
    device: torch.device
    cache_dir: Path  # pretrained checkpoints: <cache_dir>/pretrained/<recipe hash>/
    sealed_test: bool = False  # store test predictions, show and record no test number
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


@dataclass(kw_only=True)
class Prepared:
    """A run's task, data and metrics, before any model exists."""

    task: Any
    task_plugin: str
    data: TaskData
    test: Encoded
    train: Encoded
    valid: Encoded
    metric_fns: dict[str, Any]
    main: str
    higher: bool


def prepare(spec: RunSpec, ctx: RunContext) -> Prepared:
    """Build the task, load its data (once per invocation) and subsample the training splits."""
    cfg, catalog = spec.config, ctx.catalog
    ft = cfg["finetune"]
    task_entry = catalog.get("task", spec.task)
    task = task_entry.factory(**cfg["task"])
    data, encoded = ctx.task_data(task, cfg)
    main = task.metrics[0]
    carve_seed = cfg["data"].get("carve_seed", 0)
    return Prepared(
        task=task,
        task_plugin=task_entry.plugin,
        data=data,
        test=encoded["test"],
        train=subsample(encoded["train"], ft["max_train"], carve_seed),
        valid=subsample(encoded["valid"], ft["max_valid"], carve_seed),
        metric_fns={name: catalog.get("metric", name).factory for name in task.metrics},
        main=main,
        higher=catalog.metric(main).higher_is_better,
    )


def build_model(
    spec: RunSpec, ctx: RunContext, job: Prepared, timer: PhaseTimer
) -> tuple[SequenceClassifier, Any]:
    """Seeded backbone (with pretrained weights when the model pretrains) and the task head;
    fires ``on_run_start`` before pretraining, so its progress shows under this run."""
    cfg, task = spec.config, job.task
    seed_everything(spec.seed)
    backbone = ctx.catalog.build_backbone(cfg["backbone"], task.max_len)
    ctx.hook.on_run_start(spec=spec)
    pretrained = None
    if cfg.get("pretrain"):
        from findna_bench.pretrain.transfer import load_pretrained

        with timer.phase(PRETRAINING):
            pretrained = load_pretrained(backbone, cfg, ctx, spec)
    model = SequenceClassifier(
        backbone, len(task.classes), pooling=cfg["finetune"]["pooling"], max_len=task.max_len
    ).to(ctx.device)
    return model, pretrained


def run_one(spec: RunSpec, ctx: RunContext) -> dict:
    """Execute a spec and return its record (status 'ok'); exceptions propagate to the suite."""
    started, timer = time.time(), PhaseTimer()
    ft = spec.config["finetune"]
    with timer.phase(DATA):
        job = prepare(spec, ctx)
    main, higher, train, valid, test = job.main, job.higher, job.train, job.valid, job.test
    model, pretrained = build_model(spec, ctx, job, timer)
    result = finetune(
        model,
        train,
        valid,
        cfg=ft,
        metrics=job.metric_fns,
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
        timer=timer,
    )
    # The test split is scored exactly once, with the weights selected on validation.
    with timer.phase(TEST):
        probs = predict(
            model,
            test,
            batch_size=ft["eval_batch_size"],
            device=ctx.device,
            amp=ft["amp"],
            cpu_amp=ft["cpu_amp"],
            rc_tta=ft["rc_tta"],
        )
        test_metrics = score(probs, test.labels.numpy(), job.metric_fns)
    clock = (started, timer)
    if ctx.sealed_test:  # the protocol is still being chosen: no test number is shown
        record = ok_record(spec, ctx, job, model, result, (probs, {}), pretrained, clock)
        return {**record, "sealed_metrics": test_metrics}  # for `unseal` only
    ctx.hook.on_evaluate(spec=spec, stage="finetune", split="test", metrics=test_metrics)
    return dict(ok_record(spec, ctx, job, model, result, (probs, test_metrics), pretrained, clock))


def ok_record(
    spec: RunSpec,
    ctx: RunContext,
    job: Prepared,
    model: SequenceClassifier,
    result: Any,
    tested: tuple[Any, dict],
    pretrained: Any,
    clock: tuple[float, PhaseTimer],
) -> Record:
    """The record of a finished run: what it scored, everything that made the numbers, and
    where its wall time went (``clock``: its start and its phase timer)."""
    cfg, catalog = spec.config, ctx.catalog
    started, timer = clock
    wall = time.time() - started
    task, data, main, higher = job.task, job.data, job.main, job.higher
    train, valid, test = job.train, job.valid, job.test
    probs, test_metrics = tested
    portable_protocol = {k: relative_to(v, ctx.data_root) for k, v in data.protocol.items()}
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
        **{predictions.PENDING: (probs, test.labels.numpy())},  # saved by the suite
        finetune_mode=record.finetune_mode(cfg),
        protocol=declared(
            cfg, main_metric=main, higher_is_better=higher, data_protocol=portable_protocol
        ),
        parameters=sum(p.numel() for p in model.parameters()),
        trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
        pretrained=pretrained,
        backbone=describe() if (describe := getattr(model.backbone, "describe", None)) else None,
        data={
            "files": {relative_to(k, ctx.data_root): v for k, v in data.files.items()},
            "classes": data.classes,
            "protocol": portable_protocol,
            "validation": data.validation,
            "policy": Policy.from_config(cfg["data"].get("policy")).actions,
            "sizes": {"train": len(train), "valid": len(valid), "test": len(test)},
        },
        plugins={
            "backbone": catalog.get("backbone", cfg["backbone"]["use"]).plugin,
            "task": job.task_plugin,
        },
        train_seconds=round(result.seconds, 3),
        wall_seconds=round(wall, 3),
        time_profile=timer.profile(wall),
        started_at=record.stamp(started),
        environment=environment(ctx.device),
        config_sources=spec.sources,  # which registry layer set each config key
        **({"sealed_test": True} if ctx.sealed_test else {}),
    )
