"""``findna-bench gpu-check``: the measurements a first run on a GPU needs, as one report.

Plan (``plan``): device and versions; ``speed.measure_one`` of chordmixer vs transformer at
1k/4k/16k (bf16 autocast on CUDA); paper-size FinDNA pretraining for a bounded number of steps
(steps/s, peak memory, projected hours for the recipe's 46,860 steps); a ``paper``-profile
fine-tune of one GUE task for a bounded number of steps on its real data (steps/s, peak memory,
projected time for the task's epochs); a one-process ``torchrun`` pretraining smoke (NCCL on
CUDA, gloo on CPU); and the analytic memory estimate of every ``paper`` task (``memory``).
``quick`` runs the same plan at tiny sizes (the ``smoke`` profile, short lengths, few steps).

Engine only: returns a JSON-ready dict (``gpu_check_md`` renders it); progress goes to a callback.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from findna_bench.hardware import memory

REPO = Path(__file__).resolve().parents[2]
Progress = Callable[[str], None]


def plan(device: torch.device, quick: bool) -> dict[str, Any]:
    """Sizes of each check: tiny with ``quick``, the paper's otherwise."""
    if quick:
        return {
            "profile": "smoke",
            "lengths": [256, 1024],
            "speed_batch": 1,
            "pretrain_steps": 4,
            "finetune_steps": 4,
            "task": "gue/prom_core_all",
        }
    return {
        "profile": "paper",
        "lengths": [1024, 4096, 16384],
        "speed_batch": 4,
        "pretrain_steps": 30,
        "finetune_steps": 30,
        "task": "gue/prom_core_all",
    }


def environment(device: torch.device) -> dict[str, Any]:
    info: dict[str, Any] = {
        "device": str(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(
            name=props.name,
            memory_gib=round(props.total_memory / 2**30, 1),
            capability=f"{props.major}.{props.minor}",
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
            bf16=torch.cuda.is_bf16_supported(),
            nccl=".".join(map(str, torch.cuda.nccl.version())),
        )
    else:
        info["name"] = f"cpu ({platform.processor() or platform.machine()})"
    return info


class Peak:
    """Peak memory of a block: CUDA allocator peak, or CPU resident-set growth."""

    def __init__(self, device: torch.device) -> None:
        from findna_bench.hardware.speed import MemoryProbe

        self.device, self.probe = device, MemoryProbe(device)

    def __enter__(self) -> Peak:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        self.probe.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bytes = self.probe.peak_bytes()
        if self.device.type == "cuda":
            self.bytes = int(torch.cuda.max_memory_allocated(self.device))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def speed_models(registry_path: Path, device: torch.device, p: dict) -> list[dict]:
    from findna_bench.hardware.speed import measure_one

    rows = []
    for model in ("chordmixer", "transformer"):
        for length in p["lengths"]:
            rows.append(
                measure_one(
                    {
                        "registry": str(registry_path),
                        "model": model,
                        "profile": p["profile"],
                        "length": length,
                        "batch_size": p["speed_batch"],
                        "device": str(device),
                        "steps": 2,
                        "warmup": 1,
                        "amp": device.type == "cuda",  # as training: bf16 on CUDA
                    }
                )
            )
    return rows


def _rate(times: list[float]) -> float | None:
    """Steps per second over the steps after the first (compilation, allocator warm-up)."""
    return (
        (len(times) - 1) / (times[-1] - times[0])
        if len(times) > 1 and times[-1] > times[0]
        else None
    )


def pretrain_bench(
    registry: Any, catalog: Any, data_root: Path, device: torch.device, p: dict
) -> dict:
    """Bounded steps of the findna recipe under the plan's profile (no checkpoints written)."""
    from findna_bench.pretrain.loop import pretrain
    from findna_bench.run.config import resolve

    recipe = dict(resolve(registry, "findna", "pretrain", p["profile"])["pretrain"], log_every=1)
    times: list[float] = []

    def tick(*_: Any) -> None:
        _sync(device)
        times.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as cache, Peak(device) as peak:
        pretrain(
            recipe,
            catalog=catalog,
            data_root=data_root,
            device=device,
            checkpoint_dir=None,
            cache_dir=Path(cache),
            resume=False,
            on_step=tick,
            stop_at=p["pretrain_steps"],
        )
    rate = _rate(times)
    total = int(recipe["steps"])
    return {
        "steps_run": len(times),
        "batch_size": recipe["batch_size"],
        "window": recipe["data"]["length"],
        "recipe_steps": total,
        "steps_per_s": rate,
        "peak_bytes": peak.bytes,
        "projected_hours": total / rate / 3600 if rate else None,
    }


def _chordmixer_job(registry: Any, catalog: Any, data_root: Path, device: torch.device, p: dict):
    """(fine-tuning settings, task, encoded train split, model on ``device``) of the plan's task."""
    from findna_bench.model import SequenceClassifier
    from findna_bench.paths import default_cache_dir
    from findna_bench.run.config import resolve
    from findna_bench.run.runner import RunContext

    cfg = resolve(registry, "chordmixer", p["task"], p["profile"])
    ft = cfg["finetune"]
    task = catalog.get("task", p["task"]).factory(**cfg["task"])
    ctx = RunContext(
        catalog=catalog,
        hook=None,
        data_root=data_root,
        device=device,
        cache_dir=default_cache_dir(),
    )
    _, encoded = ctx.task_data(task, cfg)
    torch.manual_seed(0)
    model = SequenceClassifier(
        catalog.build_backbone(cfg["backbone"], task.max_len),
        len(task.classes),
        pooling=ft["pooling"],
    ).to(device)
    return ft, task, encoded["train"], model


def finetune_bench(
    registry: Any, catalog: Any, data_root: Path, device: torch.device, p: dict
) -> dict:
    """Bounded steps of the chordmixer model's fine-tuning recipe on one GUE task's train split."""
    from findna_bench import dna
    from findna_bench.optim import autocast
    from findna_bench.run.train import batch_inputs

    ft, task, train, model = _chordmixer_job(registry, catalog, data_root, device, p)
    optimizer = torch.optim.AdamW(model.parameters(), lr=ft["lr"], weight_decay=ft["weight_decay"])
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))
    times = []
    with Peak(device) as peak:
        for step in range(p["finetune_steps"]):
            index = order[(step * ft["batch_size"]) % len(train) :][: ft["batch_size"]]
            tokens, mask, labels = batch_inputs(train, index, device)
            with autocast(device, ft["amp"]):
                loss = torch.nn.functional.cross_entropy(
                    model(dna.one_hot(tokens), mask).float(), labels
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), ft["grad_clip"])
            optimizer.step()
            _sync(device)
            times.append(time.perf_counter())
    rate = _rate(times)
    planned = -(-len(train) // ft["batch_size"]) * ft["epochs"]
    return {
        "task": p["task"],
        "batch_size": ft["batch_size"],
        "length": task.max_len,
        "epochs": ft["epochs"],
        "train_rows": len(train),
        "steps_run": len(times),
        "planned_steps": planned,
        "steps_per_s": rate,
        "peak_bytes": peak.bytes,
        "projected_hours": planned / rate / 3600 if rate else None,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_smoke(
    registry_path: Path, data_root: Path, device: torch.device, *, timeout: float = 600
) -> dict:
    """``torchrun --nproc_per_node 1 -m findna_bench pretrain`` (smoke recipe, 4 steps)."""
    with tempfile.TemporaryDirectory() as folder:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "1",
            "--master_addr",
            "127.0.0.1",
            "--master_port",
            str(_free_port()),
            "-m",
            "findna_bench",
            "--registry",
            str(registry_path),
            "pretrain",
            "--model",
            "findna",
            "--profile",
            "smoke",
            "--device",
            device.type,
            "--data-root",
            str(data_root),
            "--checkpoint-dir",
            folder,
            "--quiet",
            "pretrain.steps=4",
            "pretrain.log_every=1",
        ]
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return {"ok": False, "backend": None, "seconds": timeout, "error": "timed out"}
        ok = proc.returncode == 0 and (Path(folder) / "final.pt").exists()
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    return {
        "ok": ok,
        "backend": "nccl" if device.type == "cuda" else "gloo",
        "processes": 1,
        "seconds": round(time.perf_counter() - started, 1),
        "error": None if ok else last[-500:],
    }


def run(
    *,
    registry_path: Path,
    data_root: Path,
    device: torch.device,
    quick: bool,
    progress: Progress = lambda s: None,
) -> dict[str, Any]:
    """Run the whole plan; each check's failure is recorded in its section, not raised."""
    from findna_bench.engine import Engine

    engine = Engine(registry_path)
    registry, catalog = engine.registry, engine.catalog
    p = plan(device, quick)
    report: dict[str, Any] = {"quick": quick, "plan": p, "environment": environment(device)}
    checks = [
        ("speed", lambda: speed_models(registry.path, device, p)),
        ("pretrain", lambda: pretrain_bench(registry, catalog, data_root, device, p)),
        ("finetune", lambda: finetune_bench(registry, catalog, data_root, device, p)),
        ("torchrun", lambda: torchrun_smoke(registry.path, data_root, device)),
        ("memory", lambda: memory.paper_table(registry, catalog)),
    ]
    for name, check in checks:
        progress(f"gpu-check: {name} ...")
        started = time.perf_counter()
        try:
            report[name] = check()
        except Exception as exc:  # a failed check is a finding, the others still run
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
        report.setdefault("seconds", {})[name] = round(time.perf_counter() - started, 1)
    return report
