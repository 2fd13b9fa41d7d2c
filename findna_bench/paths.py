"""Default locations on the user's machine: the benchmark data root and the pretrained cache.

Both live under the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``) in
``findna-bench/``, so a run from any folder finds the same data and reuses the same pretrained
checkpoints. ``FINDNA_BENCH_DATA`` / ``--data-root`` and ``FINDNA_BENCH_CACHE`` / ``--cache-dir``
override them.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "findna-bench"


def default_data_root() -> Path:
    return user_cache() / "data"


def default_cache_dir() -> Path:
    """Where pretrained checkpoints go (``<cache>/pretrained/<recipe hash>/``)."""
    return user_cache()


def relative_to(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` when it lies under it (records hold no machine's paths),
    else unchanged (a carve description, a file elsewhere)."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)
