"""``run --deterministic``: runs bit-identical on any x86 machine of the project's kind.

Float results differ between machines because torch dispatches to the widest vector unit it
finds (AVX512 here, AVX2 elsewhere), oneDNN and MKL pick their own kernels, and parallel
reductions sum in an order that depends on the thread count. Deterministic mode pins all of
it: ATen's CPU capability and oneDNN's ISA at AVX2 (every x86-64-v3 CPU has it), MKL's
conditional numerical reproducibility at AVX2, one thread, and
``torch.use_deterministic_algorithms``. The pins are environment variables torch reads when it
loads, so the command re-executes itself with them set when they are not (before any work).
The record's ``environment.kernel_path`` says which path a run took.
"""

from __future__ import annotations

import os
import sys

PINS = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def pinned() -> bool:
    return all(os.environ.get(key) == value for key, value in PINS.items())


def pin_and_reexec() -> None:
    """Re-run this very command with the pins set (never returns), unless already pinned. In a
    process that has loaded torch already (an embedding program) this is impossible: refuse."""
    from findna_bench.errors import ConfigError

    if pinned():
        return
    if "torch" in sys.modules:
        raise ConfigError(
            "--deterministic pins torch's CPU kernels before torch loads; run findna-bench as "
            "its own process, or set " + " ".join(f"{k}={v}" for k, v in PINS.items())
        )
    env = {**os.environ, **PINS}
    os.execve(sys.executable, [sys.executable, "-m", "findna_bench", *sys.argv[1:]], env)


def apply() -> None:
    """In the pinned process: deterministic algorithms, one thread."""
    import torch

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
