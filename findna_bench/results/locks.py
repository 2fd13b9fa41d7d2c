"""Run claims: a lock file per run that its holder's heartbeat keeps fresh.

``<key>.lock`` beside the records holds the claimant's pid, host, start time and heartbeat
interval (and its SLURM job, where there is one); a thread refreshes its mtime every few seconds.
A lock left by a killed process is recognised anywhere once it has gone
``FINDNA_BENCH_LOCK_MAX_AGE`` seconds (default 600) without a heartbeat, at once on the holder's
host when its pid is gone, and at once by the same SLURM job requeued (its
``SLURM_RESTART_COUNT`` is higher). Taking a stale lock over is atomic: a lock re-claimed
between being judged and being moved is put back. Never prints.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

from findna_bench.errors import ConfigError
from findna_bench.file_modes import as_new_file
from findna_bench.results.store_io import stamp

LOCK_MAX_AGE_ENV = "FINDNA_BENCH_LOCK_MAX_AGE"
LOCK_MAX_AGE = 600.0  # seconds without a heartbeat after which a lock is stale, anywhere
HEARTBEAT = 30.0  # seconds between refreshes of a held lock (at most a quarter of the max age)


def lock_max_age() -> float:
    """``$FINDNA_BENCH_LOCK_MAX_AGE`` in seconds (default 600); anything else is one line."""
    text = os.environ.get(LOCK_MAX_AGE_ENV, "").strip()
    if not text:
        return LOCK_MAX_AGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(
            f"{LOCK_MAX_AGE_ENV}={text!r}: expected a number of seconds > 0 (e.g. 600); a lock "
            "not refreshed for that long is taken over"
        )
    return value


class Claim:
    """An exclusive claim on one run (a lock file whose mtime a thread refreshes every
    ``interval`` seconds); release it when the record is written."""

    def __init__(self, path: Path, interval: float = HEARTBEAT) -> None:
        self.path = path
        self._stop = threading.Event()
        threading.Thread(
            target=self._beat, args=(interval,), name=f"heartbeat {path.name}", daemon=True
        ).start()

    def _beat(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def claim(path: Path, *, max_age: float | None = None, notify=None) -> Claim | dict:
    """Claim a run before training it by creating its lock ``path``: a Claim, or the holder's lock
    content if another live process holds it. A stale lock (its pid is dead on this host, or no
    heartbeat for ``max_age`` seconds, default ``lock_max_age()``) is taken over, with a message.
    OSError when the lock cannot be written."""
    max_age = lock_max_age() if max_age is None else max_age
    interval = max(0.1, min(HEARTBEAT, max_age / 4))  # never a busy loop
    mine = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "time": time.time(),
        "heartbeat": interval,
        **_slurm(),
    }
    for _ in range(3):
        try:
            _create_lock(path, mine)
        except FileExistsError:
            holder = _read_lock(path)
            reason = _stale(holder, path, max_age)
            if reason is None:
                return holder
            if _take_over(path, holder) and notify:
                notify(f"warning: took over the stale lock {path.name} ({reason})")
            continue
        return Claim(path, interval)
    return _read_lock(path)


def remove_if_stale(path: Path, max_age: float) -> str | None:
    """Remove the lock ``path`` if it is stale: why it was, or None when it was kept."""
    holder = _read_lock(path)
    reason = _stale(holder, path, max_age)
    return reason if reason is not None and _take_over(path, holder) else None


def _read_lock(path: Path) -> dict:
    try:
        holder = json.loads(path.read_text())
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: int) -> bool:
    if pid <= 0:  # no pid recorded (os.kill would signal a whole group)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _slurm() -> dict:
    """The SLURM job this process belongs to and how often it was requeued (none outside
    SLURM): a requeued job may take over the locks its earlier incarnation left."""
    job = os.environ.get("SLURM_JOB_ID")
    if not job:
        return {}
    try:
        restart = int(os.environ.get("SLURM_RESTART_COUNT") or 0)
    except ValueError:
        restart = 0
    return {"slurm_job": job, "slurm_restart": restart}


def _requeued(holder: dict) -> bool:
    """Whether the lock was left by this very SLURM job before it was requeued."""
    mine = _slurm()
    try:
        earlier = int(holder.get("slurm_restart", 0)) < mine.get("slurm_restart", 0)
    except (TypeError, ValueError):
        return False
    return bool(mine) and holder.get("slurm_job") == mine["slurm_job"] and earlier


def _create_lock(path: Path, holder: dict) -> None:
    """Create ``path`` holding ``holder``, or FileExistsError. The content is written to a
    temp file first and hard-linked into place (atomic and exclusive), so a process killed at
    any instant never leaves an empty lock; without hard links, an exclusive create."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".claim")
    try:
        as_new_file(fd)
        with os.fdopen(fd, "w") as handle:
            json.dump(holder, handle)
        try:
            os.link(tmp, path)
            return
        except FileExistsError:
            raise
        except OSError:  # no hard links here
            pass
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(holder, handle)
        except OSError:  # disk full: no empty lock may stay behind to block the run
            path.unlink(missing_ok=True)
            raise
    finally:
        Path(tmp).unlink(missing_ok=True)


def _stale(holder: dict, path: Path, max_age: float) -> str | None:
    """Why a lock may be taken over, or None while its holder may still be working: its mtime
    is the holder's last heartbeat."""
    try:
        silent = time.time() - path.stat().st_mtime
    except OSError:
        return None  # gone meanwhile: the next attempt creates it
    if silent > max_age:
        return f"no heartbeat for {silent:.0f}s, more than {LOCK_MAX_AGE_ENV}={max_age:g}s"
    if not holder:
        return "empty lock left by a killed process" if silent > 60 else None
    if _requeued(holder):
        return f"left by SLURM job {holder['slurm_job']} before it was requeued"
    try:
        pid = int(holder.get("pid", -1))
    except (TypeError, ValueError):
        pid = -1
    if holder.get("host") == socket.gethostname() and not _pid_alive(pid):
        return f"process {holder.get('pid')} on this host is gone"
    return None


def _take_over(path: Path, seen: dict) -> bool:
    """Move a stale lock aside atomically; put it back if it changed since it was judged."""
    aside = path.with_name(f"{path.name}.stale-{stamp()}")
    try:
        os.rename(path, aside)
    except OSError:  # gone meanwhile, or not ours to move (another user's, in a sticky folder)
        return False
    if _read_lock(aside) != seen:  # another process re-claimed it between our read and rename
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
        os.unlink(aside)
        return False
    os.unlink(aside)
    return True
