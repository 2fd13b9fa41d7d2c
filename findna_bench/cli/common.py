"""Option types and helpers shared by CLI commands (light imports only)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from findna_bench.errors import ConfigError

DEFAULT_DATA_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "findna-bench" / "data"

DataRoot = typer.Option(None, "--data-root", envvar="FINDNA_BENCH_DATA",
                        help=f"benchmark data root [env FINDNA_BENCH_DATA; default {DEFAULT_DATA_ROOT}]")
Results = typer.Option(Path("results"), "--results", envvar="FINDNA_BENCH_RESULTS",
                       help="results store directory (one JSON record per run)")


def data_root(path: Path | None, *, must_exist: bool = True) -> Path:
    root = Path(path) if path else DEFAULT_DATA_ROOT
    if must_exist and not root.is_dir():
        raise ConfigError(f"data root {root} does not exist; pass --data-root DIR or set "
                          "FINDNA_BENCH_DATA (the folder holding gue/, genomic_benchmarks/, ...)")
    return root


def split_list(values: list[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def parse_seeds(text: str) -> list[int]:
    """``"3"`` -> [0, 1, 2]; ``"0,5,7"`` -> [0, 5, 7]."""
    try:
        if "," in text:
            return [int(s) for s in text.split(",") if s.strip()]
        count = int(text)
    except ValueError:
        raise ConfigError(f"--seeds {text!r}: give a count (3) or a list (0,1,2)") from None
    if count < 1:
        raise ConfigError("--seeds must be at least 1")
    return list(range(count))


def resolve_device(name: str):  # noqa: ANN201
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: no CUDA device is visible; use --device cpu or auto")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ConfigError(f"--device {name}: use auto, cpu, cuda or cuda:N")
    return torch.device(name)
