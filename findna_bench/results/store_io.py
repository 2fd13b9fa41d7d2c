"""The results store's file helpers, shared by the records and their locks: a time stamp unique
among a folder's writers (for the names of files moved aside or written beside a record) and the
one line for a store file that cannot be written. Never prints.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from findna_bench.errors import StoreError


def unwritable(path: Path, exc: OSError) -> StoreError:
    """The one line for a file of the store that could not be written."""
    return StoreError(
        f"{path}: cannot be written ({exc.strerror or exc}); free space or fix permissions in "
        f"{path.parent}, then rerun the same command to resume"
    )


def stamp() -> str:
    """A UTC time with microseconds and the pid: unique among this folder's writers."""
    now = time.time()
    return (
        time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
        + f".{int(now % 1 * 1e6):06d}Z-{os.getpid()}"
    )
