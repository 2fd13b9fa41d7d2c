"""The results store: one JSON record per run, written atomically, never overwritten.

A record's file is named by its key, ``<run_id>__code-<fingerprint>`` (the run id holds the
model, task, seed and config hash; the fingerprint is the code's, see ``fingerprint.py``):

* ``<key>.json``: the success record; a run is done when it exists and can be read.
* ``<key>.rerun-<time>.json``: a success record of ``--rerun``, beside the first one.
* ``<key>.failed-<time>.json``: a failed run, with its reason.
* ``<key>.lock``: a claim held while a process trains the run, kept fresh by a heartbeat and
  taken over once stale (``locks.py``).
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
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from findna_bench.file_modes import as_new_file
from findna_bench.results import locks
from findna_bench.results.locks import Claim  # what ResultsStore.claim gives
from findna_bench.results.store_io import stamp, unwritable

SCHEMA_VERSION = 2
REQUIRED = ("run_id", "model", "task", "seed", "status")
TEMP_MAX_AGE = 3600.0  # a temp file this old was left by a killed writer


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
        process holds it (``locks.claim``; a stale lock is taken over, with a message)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{key}.lock"
        try:
            return locks.claim(path, max_age=max_age, notify=notify)
        except OSError as exc:
            raise unwritable(path, exc) from None

    def sweep(self, *, max_age: float | None = None, notify=None) -> None:
        """Remove what killed processes left: temp files older than an hour, stale locks."""
        if self.read_only or not self.root.is_dir():
            return
        max_age = locks.lock_max_age() if max_age is None else max_age
        now = time.time()
        for path in self.root.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > TEMP_MAX_AGE:
                    path.unlink()
                    if notify:
                        notify(f"removed {path.name}, a temp file left by a killed writer")
        for path in self.root.glob("*.lock"):
            reason = locks.remove_if_stale(path, max_age)
            if reason is not None and notify:
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
