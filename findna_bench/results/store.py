"""The results store: one JSON record per run, written atomically, never overwritten.

A record's file is named by its key, ``<run_id>__code-<fingerprint>`` (the run id holds the
model, task, seed and config hash; the fingerprint is the code's, see ``fingerprint.py``):

* ``<key>.json``: the success record; a run is done when it exists and can be read.
* ``<key>.rerun-<time>.json``: a success record of ``--rerun``, beside the first one.
* ``<key>.failed-<time>.json``: a failed run, with its reason.
* ``<key>.lock``: a claim held while a process trains the run (pid, host, start time); the
  holder refreshes its mtime every few seconds (a heartbeat), so a lock left by a killed process
  is recognised anywhere once it has gone ``FINDNA_BENCH_LOCK_MAX_AGE`` seconds (default 600)
  without one, at once on the holder's host when its pid is gone, and at once by the same SLURM
  job requeued (its ``SLURM_RESTART_COUNT`` is higher).
* ``*.corrupt-<time>``: an unreadable success record moved aside so the run is done again.

Files are written with the process's umask (``file_modes``), never 0600, so a store shared
between users reads the same for all. ``sweep`` removes what killed processes leave: temp files
older than an hour and stale locks. A write that fails (disk full) raises ``StoreError`` naming
the file and leaves no partial file behind.

Records of older versions (``<run_id>.json``, no fingerprint) are read by the leaderboard and
reused by resume only when any code is accepted. Stores from several machines merge by copying
files into one folder.
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import re
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from findna_bench.errors import ConfigError, StoreError
from findna_bench.file_modes import as_new_file

SCHEMA_VERSION = 2
REQUIRED = ("run_id", "model", "task", "seed", "status")
LOCK_MAX_AGE_ENV = "FINDNA_BENCH_LOCK_MAX_AGE"
LOCK_MAX_AGE = 600.0  # seconds without a heartbeat after which a lock is stale, anywhere
HEARTBEAT = 30.0  # seconds between refreshes of a held lock (at most a quarter of the max age)
TEMP_MAX_AGE = 3600.0  # a temp file this old was left by a killed writer


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


def record_key(run_id: str, fingerprint: str | None) -> str:
    return f"{run_id}__code-{fingerprint}" if fingerprint else run_id


def problem_with(record: object) -> str | None:
    """Why a parsed file is not a usable record, or None."""
    if not isinstance(record, dict):
        return "not a findna-bench record"
    if {"device", "settings", "results"} <= set(record) and "run_id" not in record:
        return SPEED_REPORT
    missing = [k for k in REQUIRED if k not in record]
    return f"record without {', '.join(missing)}" if missing else None


def _load(path: Path) -> tuple[dict | None, str | None]:
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"unreadable record ({type(exc).__name__}: {exc})"
    problem = problem_with(record)
    return (None, problem) if problem else (record, None)


@dataclass(frozen=True)
class Written:
    """Where a record went; ``written`` is False when another process had already recorded it."""

    path: Path
    written: bool


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


class ResultsStore:
    """The records folder. ``read_only`` (a dry run) never moves or writes a file."""

    def __init__(self, root: Path, *, read_only: bool = False) -> None:
        self.root = Path(root)
        self.read_only = read_only

    def path_for(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def success_files(self, run_id: str, fingerprint: str | None = None) -> list[Path]:
        """Success records of a run: of this code, or of any code (and legacy ones) if None."""
        if not self.root.exists():
            return []
        if fingerprint:
            key = glob.escape(record_key(run_id, fingerprint))
            patterns = [f"{key}.json", f"{key}.rerun-*.json"]
        else:
            rid = glob.escape(run_id)
            patterns = [f"{rid}.json", f"{rid}__code-*.json"]
        found = {p for pattern in patterns for p in self.root.glob(pattern)}
        return sorted(p for p in found if _of_run(p.name, run_id))

    def other_code(self, run_id: str, fingerprint: str) -> list[Path]:
        """Readable success records of a run made by other code (or by a version without
        fingerprints): what ``--reuse-records any-code`` would accept instead of a new run."""
        mine = set(self.success_files(run_id, fingerprint))
        return [
            p
            for p in self.success_files(run_id)
            if p not in mine and (_load(p)[0] or {}).get("status") == "ok"
        ]

    def done(self, run_id: str, fingerprint: str | None = None, notify=None) -> bool:
        """True when a readable success record exists; unreadable ones are moved aside."""
        for path in self.success_files(run_id, fingerprint):
            record, problem = _load(path)
            if record is not None and record.get("status") == "ok":
                return True
            if problem and self.read_only:
                if notify:
                    notify(
                        f"warning: {path}: {problem}; a real run would move it aside and redo it"
                    )
            elif problem and path.exists():
                aside = path.with_name(f"{path.name}.corrupt-{stamp()}")
                os.replace(path, aside)
                if notify:
                    notify(
                        f"warning: {path}: {problem}; moved to {aside.name}, the run will be done again"
                    )
        return False

    def _target(self, record: dict, key: str, rerun: bool) -> Path | None:
        if record.get("status") != "ok":
            return self.root / f"{key}.failed-{stamp()}.json"
        primary = self.path_for(key)
        if not primary.exists():
            return primary
        return self.root / f"{key}.rerun-{stamp()}.json" if rerun else None

    def write(self, record: dict, *, key: str | None = None, rerun: bool = False) -> Written:
        """Write a record atomically (temp file + link/rename), never over another record.

        When the success file exists already (another process won the race) nothing is written
        unless ``rerun``, in which case the record goes beside it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        record = {"schema_version": SCHEMA_VERSION, **record}
        key = key or record_key(record["run_id"], (record.get("code") or {}).get("fingerprint"))
        target = self._target(record, key, rerun)
        if target is None:
            return Written(self.path_for(key), written=False)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        except OSError as exc:
            raise unwritable(target, exc) from None
        try:
            as_new_file(fd)
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle, indent=1, sort_keys=True, default=str)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, target)  # atomic and exclusive: fails if the target appeared meanwhile
            except FileExistsError:
                return Written(target, written=False)
            except OSError:  # no hard links on this file system: rename (the claim keeps it ours)
                os.replace(tmp, target)
            return Written(target, written=True)
        except OSError as exc:  # disk full, quota, permissions: one line naming the record
            raise unwritable(target, exc) from None
        finally:  # also on Ctrl-C mid-write: no temp file is left beside the records
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def claim(self, key: str, *, max_age: float | None = None, notify=None) -> Claim | dict:
        """Claim a run before training it: a Claim, or the holder's lock content if another live
        process holds it. A stale lock (its pid is dead on this host, or no heartbeat for
        ``max_age`` seconds, default ``lock_max_age()``) is taken over, with a message."""
        max_age = lock_max_age() if max_age is None else max_age
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{key}.lock"
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
            except OSError as exc:
                raise unwritable(path, exc) from None
            return Claim(path, interval)
        return _read_lock(path)

    def sweep(self, *, max_age: float | None = None, notify=None) -> None:
        """Remove what killed processes left: temp files older than an hour, stale locks."""
        if self.read_only or not self.root.is_dir():
            return
        max_age = lock_max_age() if max_age is None else max_age
        now = time.time()
        for path in self.root.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > TEMP_MAX_AGE:
                    path.unlink()
                    if notify:
                        notify(f"removed {path.name}, a temp file left by a killed writer")
        for path in self.root.glob("*.lock"):
            holder = _read_lock(path)
            reason = _stale(holder, path, max_age)
            if reason is not None and _take_over(path, holder) and notify:
                notify(f"removed the stale lock {path.name} ({reason})")

    def load(self, path: Path) -> tuple[dict | None, str | None]:
        """One record file: (record, None), or (None, why it is not a usable record)."""
        return _load(path)

    def read_all(self) -> tuple[list[dict], list[str]]:
        """All usable records, and one message per file that is not one (never raises)."""
        records: list[dict] = []
        problems: list[str] = []
        if not self.root.exists():
            return records, problems
        for path in sorted(self.root.rglob("*.json")):
            if path.name.startswith(".tmp-") or path.name in NOT_RECORDS:
                continue
            record, problem = _load(path)
            if record is not None:
                records.append(record)
            elif problem != SPEED_REPORT:  # a speed report beside the records is expected
                problems.append(f"{path}: {problem}; skipped")
        return records, problems


CERTIFICATE = "certificate.json"  # findna-bench certify's, beside the records; not a record
SWEEPS = "sweeps.json"  # findna-bench sweep's choices, beside the records; not a record
NOT_RECORDS = (CERTIFICATE, SWEEPS)
SPEED_REPORT = "a findna-bench speed report"  # kept beside records (e.g. benchmarks/cpu-speed)


def _of_run(name: str, run_id: str) -> bool:
    """Whether a file name is a success record of ``run_id`` (a glob also matches the records of
    a model whose name contains ``<run id>__code-``)."""
    pattern = rf"{re.escape(run_id)}(__code-[0-9a-f]+)?(\.rerun-[0-9T.Z-]+)?\.json"
    return re.fullmatch(pattern, name) is not None


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
