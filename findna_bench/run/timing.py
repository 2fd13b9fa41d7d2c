"""Where a run's wall time goes: cheap host wall-clock timers around the phases of a run.

``PhaseTimer.phase(name)`` adds the ``time.perf_counter`` seconds spent inside it to ``name``;
the runner and the fine-tuning loop wrap their phases in it, and the record keeps the totals as
``time_profile`` (``profile``): seconds and share of the run's wall time per phase, and
``bookkeeping``, the rest (model building, progress hooks, keeping the selected weights, the
record). A timer costs two clock reads per phase entered and adds no host synchronisation.

Phases: ``data`` (load, validate and encode a task, once per invocation and shared by its
runs; subsampling), ``batching`` (a step's rows to one-hot inputs on the device),
``forward_backward``, ``optimizer`` (clipping, optimiser and schedule step), ``evaluation``
(validation scoring), ``test`` (the one test scoring) and ``pretraining`` (pretraining on a
cache miss, or loading the cached weights).

Reading it on a GPU: CUDA runs kernels asynchronously, so a phase's timer measures the host's
time to launch its work, not the device's time to do it. The host waits for queued training
work only where it synchronises: the loss check every 10 steps and, added here without extra
stalls, once before each validation (whose first copy to the host would wait anyway). Both waits
are counted in ``forward_backward``; read ``forward_backward`` + ``optimizer`` as the training
steps' time, with ``optimizer`` the launch time only. ``evaluation`` and ``test`` end in a copy
to the host and are exact. On a CPU every phase is exact.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

DATA = "data"
BATCHING = "batching"
FORWARD_BACKWARD = "forward_backward"
OPTIMIZER = "optimizer"
EVALUATION = "evaluation"
TEST = "test"
PRETRAINING = "pretraining"
BOOKKEEPING = "bookkeeping"
PHASES = (
    FORWARD_BACKWARD, OPTIMIZER, EVALUATION, TEST, DATA, BATCHING, PRETRAINING, BOOKKEEPING
)  # fmt: skip


class PhaseTimer:
    """Seconds per phase of one run, summed over every time the phase was entered."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES[:-1], 0.0)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def drain(self, device: torch.device) -> None:
        """Wait for the training work queued on a CUDA device (counted as ``forward_backward``):
        called before a validation, whose first copy to the host would wait for it anyway."""
        if device.type == "cuda":
            with self.phase(FORWARD_BACKWARD):
                torch.cuda.synchronize(device)

    def profile(self, wall_seconds: float) -> dict[str, dict[str, float]]:
        """``{"seconds": {phase: s}, "share": {phase: fraction of wall}}``, to the millisecond;
        ``bookkeeping`` is the wall time no phase measured (never below 0), so the seconds add
        up to the wall time."""
        seconds = {k: round(v, 3) for k, v in self.seconds.items()}
        seconds[BOOKKEEPING] = round(max(0.0, wall_seconds - sum(seconds.values())), 3)
        return {
            "seconds": seconds,
            "share": {
                k: round(v / wall_seconds, 4) if wall_seconds > 0 else 0.0
                for k, v in seconds.items()
            },
        }
