"""Atomic pretraining checkpoints, read without running code, and the RNG state they carry.

A checkpoint is written to a temporary file in the target folder, flushed to disk and renamed
over the old one, so a process killed at any instant leaves either the previous complete
checkpoint or the new complete one, never a torn file. Beside a cache entry's ``final.pt``,
``final.pt.sha256`` records the file's sha256 (``sha256sum -c`` format) when it is written.

Reading never unpickles code: ``torch.load(weights_only=True)`` accepts tensors, plain
containers and numbers only (plus the NumPy arrays that checkpoints written before the RNG state
became tensors hold), so a crafted file in a shared cache or given as ``--checkpoint`` runs
nothing. A file whose sha256 differs from the one recorded, or that cannot be read, is refused
with one line naming it.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from findna_bench.data.checksums import sha256
from findna_bench.errors import ConfigError
from findna_bench.file_modes import as_new_file

LAST = "last.pt"
FINAL = "final.pt"
# what an older checkpoint's NumPy RNG state (a uint32 array) needs, under NumPy 1 and 2 names
_NP_CORE = np._core if hasattr(np, "_core") else np.core  # NumPy 2 renamed numpy.core
_RECONSTRUCT = _NP_CORE.multiarray._reconstruct
LEGACY_NUMPY: list[Any] = [
    np.ndarray,
    np.dtype,
    type(np.dtype(np.uint32)),
    (_RECONSTRUCT, "numpy.core.multiarray._reconstruct"),
    (_RECONSTRUCT, "numpy._core.multiarray._reconstruct"),
]


def digest_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.sha256")


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")
    try:
        as_new_file(fd)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(path: Path, state: dict[str, Any]) -> Path:
    """Write ``state`` atomically to ``path`` (temp file + fsync + rename); a ``final.pt`` then
    gets its sha256 beside it (``last.pt`` is rewritten every few steps: a kill between the two
    renames must not leave a mismatch that blocks ``--resume``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, lambda handle: torch.save(state, handle))
    if path.name == FINAL:
        line = f"{sha256(path, cached=False)}  {path.name}\n".encode()
        _write_atomic(digest_path(path), lambda handle: handle.write(line))
    return path


def verify(path: Path) -> None:
    """Refuse a checkpoint whose sha256 is not the one recorded beside it (when one is)."""
    recorded_file = digest_path(path)
    if not recorded_file.is_file():
        return
    recorded = recorded_file.read_bytes().decode(errors="replace").split(maxsplit=1)[:1]
    actual = sha256(path, cached=False)
    if recorded != [actual]:
        raise ConfigError(
            f"{path}: sha256 {actual[:12]}... is not the {(recorded or ['none'])[0][:12]}... "
            f"recorded in {recorded_file.name} when it was written (changed or damaged); "
            f"delete both files to pretrain again"
        )


def load(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """The checkpoint's state, read without running any code in it (see the module docstring)."""
    path = Path(path)
    verify(path)
    try:
        with torch.serialization.safe_globals(LEGACY_NUMPY):
            return torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many kinds on a torn or foreign file
        raise ConfigError(
            f"{path} cannot be read as a checkpoint ({_why(exc)}); delete it to pretrain again, "
            "or pass a final.pt written by `findna-bench pretrain`"
        ) from None


def _why(exc: Exception) -> str:
    """torch's reason in a few words (its messages run to paragraphs)."""
    code = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
    if code:
        return f"it names {code[1]}, which only code could rebuild; nothing was run"
    first = (str(exc).strip().split(". ")[0].splitlines() or ["the file ends early"])[0]
    return f"{type(exc).__name__}: {first[:160]}"


def rng_state() -> dict[str, Any]:
    """Global RNG states (Python, NumPy, torch CPU and CUDA), e.g. for dropout; tensors and
    plain values only, so a checkpoint holding them loads with ``weights_only``."""
    # the legacy tuple (get_state's default); numpy's stub types a call without arguments as a dict
    legacy = cast("tuple[str, np.ndarray, int, int, float]", np.random.get_state())
    kind, keys, pos, has_gauss, gauss = legacy
    state = {
        "python": random.getstate(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    kind, keys, *rest = state["numpy"]
    keys = keys.numpy() if isinstance(keys, torch.Tensor) else keys  # older checkpoints: arrays
    random.setstate(state["python"])
    np.random.set_state((kind, keys.astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
