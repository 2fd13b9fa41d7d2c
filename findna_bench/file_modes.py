"""The mode of the files findna-bench writes through a temp file (records, predictions,
checkpoints): ``tempfile.mkstemp`` creates them 0600, so a results folder or checkpoint cache
shared between users would read as unreadable to all but the writer; they get instead the mode
the process's umask gives any new file (0644 under the usual umask 022). Never prints.
"""

from __future__ import annotations

import os


def umask() -> int:
    """The process's umask (read by setting it and restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def as_new_file(fd: int) -> None:
    """Give the open file ``fd`` the mode ``open()`` would have given a new file: 0666 & ~umask."""
    os.fchmod(fd, 0o666 & ~umask())
