"""Option types and helpers shared by CLI commands (light imports only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from findna_bench.errors import ConfigError, NothingToRun
from findna_bench.paths import default_cache_dir, default_data_root

DEFAULT_DATA_ROOT = default_data_root()

DataRoot = typer.Option(
    None,
    "--data-root",
    envvar="FINDNA_BENCH_DATA",
    help=f"benchmark data root [env FINDNA_BENCH_DATA; default {DEFAULT_DATA_ROOT}]",
)
CacheDir = typer.Option(
    None,
    "--cache-dir",
    envvar="FINDNA_BENCH_CACHE",
    help=f"pretrained-checkpoint cache [env FINDNA_BENCH_CACHE; default {default_cache_dir()}]",
)
Results = typer.Option(
    Path("results"),
    "--results",
    envvar="FINDNA_BENCH_RESULTS",
    help="results store directory (one JSON record per run)",
)
# options several commands share, declared once
Device = typer.Option("auto", "--device", help="auto | cpu | cuda")
Quiet = typer.Option(False, "--quiet", "-q", help="no progress output")
# filters of the commands that read the results store (leaderboard, report, compare)
OnlyModels = typer.Option(None, "--model", "-m", help="only these models")
OnlySuites = typer.Option(None, "--suite", "-s", help="only this suite's tasks")
OnlyTasks = typer.Option(None, "--task", "-t", help="only these tasks (globs)")
OnlyProfile = typer.Option(None, "--profile", "-p", help="only runs of this profile")
FewerSeeds = typer.Option(None, "--seeds", help="flag cells with fewer seeds than this")
# the output formats of the commands that print a table (leaderboard, compare, training)
TABLE_FORMATS = ("table", "md", "csv", "json")
TableFormat = typer.Option("table", "--format", "-f", help=" | ".join(TABLE_FORMATS))


def check_table_format(fmt: str) -> None:
    if fmt not in TABLE_FORMATS:
        raise ConfigError(
            f"--format {fmt}: use {', '.join(TABLE_FORMATS[:-1])} or {TABLE_FORMATS[-1]}"
        )


def data_root(path: Path | None, *, must_exist: bool = True) -> Path:
    root = Path(path) if path else DEFAULT_DATA_ROOT
    if must_exist and not root.is_dir():
        raise ConfigError(
            f"data root {root} does not exist; pass --data-root DIR or set "
            "FINDNA_BENCH_DATA (the folder holding gue/, genomic_benchmarks/, ...)"
        )
    return root


def split_list(values: list[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


SEEDS_HELP = "give a count (3 -> seeds 0,1,2) or a list (0,4,7; '0,' is seed 0 alone)"
MAX_SEED = 2**32 - 1  # NumPy's seed range (every run seeds random, NumPy and torch)
MAX_SEEDS = 1000  # per invocation: a bigger count is a typo, not a plan


def parse_seeds(text: str) -> list[int]:
    """``"3"`` -> [0, 1, 2]; ``"0,5,7"`` -> [0, 5, 7]; ``"0,"`` -> [0]. A lone ``0`` is an error."""
    text = text.strip()
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(f"--seeds {text!r}: {SEEDS_HELP}") from None
    if "," not in text:
        if values == [0]:
            raise ConfigError(
                "--seeds 0: a count must be at least 1; for seed 0 alone use --seeds 0,"
            )
        if not values or values[0] < 0:
            raise ConfigError(f"--seeds {text!r}: {SEEDS_HELP}")
        if values[0] > MAX_SEEDS:  # checked before a list of that many seeds is built
            raise ConfigError(f"--seeds {text}: at most {MAX_SEEDS} seeds per invocation")
        return list(range(values[0]))
    if any(v < 0 or v > MAX_SEED for v in values):
        raise ConfigError(f"--seeds {text}: seeds are integers from 0 to {MAX_SEED}")
    if not values:
        raise NothingToRun(
            f"--seeds {text!r} names no seed, so there is nothing to run; {SEEDS_HELP}"
        )
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_SEEDS:
        raise ConfigError(f"--seeds: {len(unique)} seeds; at most {MAX_SEEDS} per invocation")
    return unique


def writable_folder(path: Path, option: str = "--results", holds: str = "the run records") -> Path:
    """``option``'s folder exists, or can be made, and this user can write files in it."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file, not a folder; pass a folder for {holds}")
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"{option} {path}: {parent} is a file, so the folder cannot be made")
    try:
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as exc:
        raise ConfigError(
            f"{option} {path}: cannot write in {parent} ({exc.strerror or exc}); "
            "pass a folder you can write"
        ) from None
    return path


def readable_checkpoint(path: Path) -> Path:
    """``--checkpoint`` is a readable pretraining checkpoint holding a transfer network."""
    path = path.expanduser().resolve()
    hint = "pass the final.pt written by `findna-bench pretrain`"
    if not path.is_file():
        raise ConfigError(f"--checkpoint {path} does not exist or is not a file; {hint}")
    from findna_bench.pretrain import checkpoint

    try:
        state = checkpoint.load(path)  # runs no code in the file (weights only)
    except ConfigError as exc:
        raise ConfigError(f"--checkpoint {exc}") from None
    if not isinstance(state, dict) or "transfer" not in state:
        raise ConfigError(f"--checkpoint {path} holds no pretrained transfer weights; {hint}")
    return path


def with_checkpoint(specs: list, path: Path) -> list:
    """Point every spec at ``path``; every model must pretrain, or it would ignore the file."""
    from dataclasses import replace

    from findna_bench.config_tree import deep_merge

    ignoring = sorted({s.model for s in specs if not s.config.get("pretrain")})
    if ignoring:
        raise ConfigError(
            f"--checkpoint applies only to models with a pretrain: recipe; "
            f"{', '.join(ignoring)} would ignore it: run {'it' if len(ignoring) == 1 else 'them'} "
            "separately without --checkpoint"
        )
    path = readable_checkpoint(path)
    return [
        replace(s, config=deep_merge(s.config, {"pretrain": {"checkpoint": str(path)}}))
        for s in specs
    ]


def resolve_device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: no CUDA device is visible; use --device cpu or auto")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ConfigError(f"--device {name}: use auto, cpu, cuda or cuda:N")
    return torch.device(name)
