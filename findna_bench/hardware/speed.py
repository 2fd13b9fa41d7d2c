"""Cost and speed measurement for backbones: parameters, MACs, throughput, peak memory, GEMM rate.

Holds the measurement only (no printing, no tables; ``cli/speed_cmd.py`` renders). One
measurement builds a registry model's backbone at ``max_len = length`` inside the engine's
``SequenceClassifier`` (masked mean pooling + linear head) and runs, on random one-hot batches:

* one counted step: ``torch.utils.flop_counter.FlopCounterMode`` over a forward (inference) and a
  forward+backward (training); matmuls, convolutions and attention are counted, element-wise
  work (GELU, rolls, norms) is not. ``macs_per_seq`` = forward FLOPs / 2 / batch;
* inference: ``warmup`` untimed then ``steps`` timed forwards under ``torch.inference_mode``;
* training: the same for forward + cross-entropy + backward + AdamW step;
* throughput = ``batch * length / median step time``; achieved FLOP/s = counted FLOPs / median
  step time, also given as a fraction of the device's dense GEMM rate (``gemm_rate``) in the
  step's dtype;
* a compute path (``PATHS``): fp32, bf16 autocast (on CUDA or CPU, fp32 weights and loss), and
  either one under ``torch.compile``; ``speed --paths`` puts them side by side;
* peak memory above the built model: CUDA allocator peak minus the allocation before the first
  step; on CPU the growth of the resident-set high-water mark (``VmHWM`` in /proc/self/status,
  reset through /proc/self/clear_refs) over the resident set before the first step.

``measure_isolated`` runs one measurement in a fresh interpreter (``python -m
findna_bench.hardware.speed``), so allocator caches of earlier runs cannot hide memory growth and an
out-of-memory kill is reported instead of ending the caller.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from findna_bench.model import SequenceClassifier


def _sdpa_cpu(query, key, value, *args, out_shape=None, **kwargs) -> int:
    from torch.utils.flop_counter import sdpa_flop_count

    return sdpa_flop_count(query, key, value)


def _sdpa_cpu_backward(grad_out, query, key, value, *args, out_shape=None, **kwargs) -> int:
    from torch.utils.flop_counter import sdpa_backward_flop_count

    return sdpa_backward_flop_count(grad_out, query, key, value)


def flop_counter() -> Any:
    """FlopCounterMode that also counts PyTorch's CPU flash-attention kernels (not built in)."""
    from torch.utils.flop_counter import FlopCounterMode

    aten = torch.ops.aten
    mapping: dict[Any, Callable[..., int]] = {}
    if hasattr(aten, "_scaled_dot_product_flash_attention_for_cpu"):
        mapping[aten._scaled_dot_product_flash_attention_for_cpu] = _sdpa_cpu
        mapping[aten._scaled_dot_product_flash_attention_for_cpu_backward] = _sdpa_cpu_backward
    return FlopCounterMode(display=False, custom_mapping=mapping)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def gemm_rate(
    device: torch.device,
    *,
    dtype: torch.dtype = torch.float32,
    n: int | None = None,
    repeats: int = 5,
) -> float:
    """Dense matmul rate in GFLOP/s: median over ``repeats`` of an ``n x n @ n x n`` product."""
    n = n or (8192 if device.type == "cuda" else 2048)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    torch.mm(a, b)
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def _proc_status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class MemoryProbe:
    """Peak memory growth of one phase: CUDA allocator, or CPU resident-set high-water mark."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.base: int | None = None  # set by start()

    def start(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
            return
        with contextlib.suppress(OSError):  # "5" resets the peak RSS (Linux >= 4.0)
            Path("/proc/self/clear_refs").write_text("5")
        self.base = _proc_status_kib("VmRSS")

    def peak_bytes(self) -> int | None:
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device) - (self.base or 0))
        peak = _proc_status_kib("VmHWM")
        return None if peak is None or self.base is None else max(0, peak - self.base) * 1024


def _timed(fn, device: torch.device, warmup: int, steps: int) -> float:
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_model(
    registry_path: Path | None, model: str, profile: str, length: int
) -> SequenceClassifier:
    """The model's backbone preset under ``profile``, at ``max_len = length``, with a 2-class head."""
    from findna_bench.engine import Engine
    from findna_bench.model import SequenceClassifier

    engine = Engine(registry_path)
    backbone_cfg = engine.recipe(model, profile, [], task="speed/-")["backbone"]
    # the preset's own max_len, if any, gives way to the length measured
    preset = {k: v for k, v in backbone_cfg.items() if k != "max_len"}
    return SequenceClassifier(engine.catalog.build_backbone(preset, length), 2)


PATHS = {  # the compute paths `speed --paths` compares: (bf16 autocast, torch.compile)
    "fp32": (False, False),
    "bf16": (True, False),
    "compile": (False, True),
    "bf16+compile": (True, True),
}


def measure(
    net: SequenceClassifier,
    *,
    length: int,
    batch_size: int,
    device: torch.device,
    steps: int = 3,
    warmup: int = 1,
    amp: bool = True,
    compile: bool = False,
) -> dict:
    """Measure one built model (see the module docstring) under bf16 autocast (``amp``, on
    CUDA or CPU: training's ``finetune.amp`` / ``finetune.cpu_amp``) and ``torch.compile``
    (``compile``: FLOPs are counted on the eager model; ``compile_seconds`` is the first
    compiled training and inference step, compilation included); returns a JSON-ready dict."""
    torch.manual_seed(0)
    net = net.to(device)
    x = torch.nn.functional.one_hot(torch.randint(0, 5, (batch_size, length)), 5).float().to(device)
    mask = torch.ones(batch_size, length, dtype=torch.bool, device=device)
    y = torch.randint(0, 2, (batch_size,), device=device)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
    timed_net = torch.compile(net) if compile else net

    def step_fns(model) -> tuple[Callable[[], None], Callable[[], None]]:
        def infer() -> None:
            with torch.inference_mode(), torch.autocast(device.type, torch.bfloat16, amp):
                model(x, mask)

        def train() -> None:
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, torch.bfloat16, amp):
                loss = torch.nn.functional.cross_entropy(model(x, mask).float(), y)
            loss.backward()
            opt.step()

        return infer, train

    counted, timed = step_fns(net), step_fns(timed_net)
    probe = MemoryProbe(device)
    compile_seconds = 0.0

    def phase(which: int, training: bool) -> tuple[int, float, int | None]:
        """FLOPs of one step, median seconds per step, and peak memory of the phase."""
        nonlocal compile_seconds
        net.train(training)
        probe.start()
        with flop_counter() as counter:
            counted[which]()
        if compile:
            compile_seconds += _timed(timed[which], device, 0, 1)
        seconds = _timed(timed[which], device, warmup, steps)
        return counter.get_total_flops(), seconds, probe.peak_bytes()

    fwd_flops, infer_s, infer_mem = phase(0, training=False)
    train_flops, train_s, train_mem = phase(1, training=True)
    tokens = batch_size * length
    return {
        "params": sum(p.numel() for p in net.backbone.parameters()),
        "macs_per_seq": fwd_flops / 2 / batch_size,
        "infer_tokens_per_s": tokens / infer_s,
        "train_tokens_per_s": tokens / train_s,
        "infer_gflops": fwd_flops / infer_s / 1e9,
        "train_gflops": train_flops / train_s / 1e9,
        "infer_peak_bytes": infer_mem,
        "train_peak_bytes": train_mem,
        "compile_seconds": round(compile_seconds, 2) if compile else None,
    }


def _oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (
        isinstance(exc, torch.OutOfMemoryError)
        or "out of memory" in text
        or "can't allocate" in text
    )


def _row(request: dict) -> dict:
    return {k: request[k] for k in ("model", "length", "batch_size") if k in request} | (
        {"path": request["path"]} if "path" in request else {}
    )


def measure_one(request: dict) -> dict:
    """Build and measure ``request`` (registry, model, profile, length, batch_size, device,
    steps, warmup, amp, and optionally compile and its ``path`` name); an out-of-memory becomes
    ``status: "oom"`` instead of an exception."""
    device = torch.device(request["device"])
    out = _row(request)
    try:
        registry = Path(request["registry"]) if request.get("registry") else None
        net = build_model(registry, request["model"], request["profile"], request["length"])
        out.update(
            measure(
                net,
                length=request["length"],
                batch_size=request["batch_size"],
                device=device,
                steps=request["steps"],
                warmup=request["warmup"],
                amp=request["amp"],
                compile=request.get("compile", False),
            )
        )
        out["status"] = "ok"
    except (RuntimeError, MemoryError) as exc:
        if not _oom(exc):
            raise
        out["status"] = "oom"
    return out


def measure_isolated(request: dict, *, timeout: float | None = None) -> dict:
    """``measure_one`` in a fresh ``python -m findna_bench.hardware.speed`` process."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "findna_bench.hardware.speed"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {**_row(request), "status": "timeout"}
    if proc.returncode != 0:
        killed = proc.returncode < 0 or proc.returncode == 137
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {**_row(request), "status": "oom (killed)" if killed else f"error: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":  # the isolated worker: one JSON request on stdin, one JSON line out
    sys.stdout.write(json.dumps(measure_one(json.loads(sys.stdin.read()))) + "\n")
