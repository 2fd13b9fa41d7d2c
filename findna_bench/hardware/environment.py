"""What every record carries to be reproducible: versions, git sha, device, host."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

PACKAGES = (
    "findna-bench",
    "torch",
    "numpy",
    "pandas",
    "scikit-learn",
    "pluggy",
    "pyfaidx",
    "typer",
    "rich",
    "pyyaml",
)


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@lru_cache(maxsize=1)
def git_sha() -> str:
    """HEAD of the findna-bench checkout (+ '-dirty'), or 'unknown (not a git checkout)'."""
    here = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return sha + ("-dirty" if dirty else "")


@lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_description(device) -> str:
    import torch

    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"cpu: {cpu_model()}, {torch.get_num_threads()} threads"


def kernel_path() -> str:
    """What decides which CPU kernels torch runs, hence the last bits of every float: the CPU,
    the instruction-set level ATen dispatches to, the thread count and determinism."""
    import torch

    return (
        f"{cpu_model()}; ATen CPU capability {torch.backends.cpu.get_cpu_capability()}; "
        f"{torch.get_num_threads()} threads; deterministic algorithms "
        f"{torch.are_deterministic_algorithms_enabled()}"
    )


def environment(device) -> dict:
    return {
        "packages": package_versions(),
        "git_sha": git_sha(),
        "device": device_description(device),
        "kernel_path": kernel_path(),
        "host": platform.node(),
        "platform": platform.platform(),
    }
