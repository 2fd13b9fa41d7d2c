"""SIGTERM stops ``run`` as Ctrl-C does: SLURM's time limit, ``timeout``, ``kill`` and ``docker
stop`` send it, and the run in progress must release its claim and write no record, so a job
requeued on any node resumes at once instead of finding the run locked.

``sigterm_as_interrupt`` turns the signal into ``Terminated``, a ``KeyboardInterrupt``, so every
path that cleans up after Ctrl-C (claims, temp files) does the same for it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

TERMINATED = 143  # 128 + SIGTERM, as shells report a command stopped by it


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind as Ctrl-C does."""


def _raise(signum, frame) -> None:
    raise Terminated


def _import_native_extensions() -> None:
    """Import ``torch._dynamo`` before SIGTERM can raise. The first optimizer imports it, and
    with triton installed (CUDA builds of torch bring it) that loads triton's nanobind extension:
    an exception a signal handler raises inside it aborts the process (``terminate called after
    throwing nanobind::python_error``) with the run's claim still held."""
    import torch._dynamo  # noqa: F401


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (only the main thread handles signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _import_native_extensions()
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
