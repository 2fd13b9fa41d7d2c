"""What is under a data root: per task and split, presence, rows, class balance, lengths, checksums.

Expected checksums come from ``<root>/manifest.json`` (a list of ``{path, sha256, missing}``, as
in shared/data) and from ``<root>/downloads/checksums.json`` (written by downloads). A split file's
checksum state is ``ok``, ``MISMATCH`` or ``unrecorded`` (no expected checksum for it). Tasks whose data is
not one file per split (MTcDNA) describe themselves through an optional ``describe(root, refs)``.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from findna_bench.data import checksums, download, leakage, tables
from findna_bench.errors import DataError
from findna_bench.types import DescribedTask, SplitReaderTask

MANIFEST = "manifest.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Checksum:
    sha256: str | None  # None: listed as missing in the manifest
    origin: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SplitStatus:
    task: str
    split: str
    path: str | None  # None: missing
    rows: int | None = None
    balance: dict = field(default_factory=dict)  # label -> rows
    lengths: tuple[int, int, int] | None = None  # min, median, max
    checksum: str = ""
    note: str = ""
    leakage: dict = field(default_factory=dict)  # leakage.Audit.split_view of this split

    def as_dict(self) -> dict:
        return {
            "task": self.task,
            "split": self.split,
            "path": self.path,
            "rows": self.rows,
            "balance": {str(k): v for k, v in self.balance.items()},
            "lengths": list(self.lengths) if self.lengths else None,
            "checksum": self.checksum,
            "note": self.note,
            "leakage": self.leakage,
        }


def references(root: Path) -> dict[str, Checksum]:
    """Relative path -> expected checksum, from the root's manifest and the download record."""
    root = Path(root)
    refs: dict[str, Checksum] = {}
    manifest = root / MANIFEST
    if manifest.exists():
        try:
            entries = json.loads(manifest.read_text())
            for entry in entries:
                if entry.get("path"):  # entries of missing files may have no path
                    refs[entry["path"]] = Checksum(
                        sha256=None if entry.get("missing") else entry["sha256"], origin="manifest"
                    )
        except (ValueError, TypeError, KeyError) as exc:
            raise DataError(
                f"{manifest}: expected a JSON list of {{path, sha256, missing}} ({exc}); "
                "fix or remove it"
            ) from exc
    for rel, sha in download.read_record(root).items():
        refs.setdefault(rel, Checksum(sha256=sha, origin="download record"))
    return refs


def checksum_state(
    path: Path, root: Path, refs: dict[str, Checksum], *, cached: bool = True
) -> str:
    """``ok (<origin>)``, ``MISMATCH (<origin>)``, ``missing`` or ``unrecorded``."""
    path = Path(path)
    try:
        rel = path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        rel = str(path)
    ref = refs.get(rel)
    if not path.exists():
        return "missing"
    if ref is None or ref.sha256 is None:
        return "unrecorded"
    ok = checksums.digest(path, cached=cached) == ref.sha256
    return f"{'ok' if ok else 'MISMATCH'} ({ref.origin})"


def stats(lengths: list[int], labels: list[int]) -> dict:
    """rows, class balance and (min, median, max) length, as SplitStatus fields."""
    return {
        "rows": len(lengths),
        "balance": dict(sorted(Counter(labels).items())),
        "lengths": (min(lengths), int(statistics.median(lengths)), max(lengths))
        if lengths
        else None,
    }


def _stamp(path: Path) -> tuple[int, int]:
    """Size and modification time (0, 0 for a file that is not there; the reader says why)."""
    try:
        info = path.stat()
    except OSError:
        return 0, 0
    return info.st_size, info.st_mtime_ns


_SCANS: dict[tuple, tuple[dict, dict, leakage.Audit | None]] = {}


def _scan(reader: Any, files: dict[str, Path]) -> tuple[dict, dict, leakage.Audit | None]:
    """Per readable split its ``stats``, per unreadable one its error, and the leakage audit of
    the readable ones (sequences upper-cased, as the policy keeps them); computed once per
    process while each file's size and modification time stay the same."""
    key = (
        getattr(reader, "__qualname__", repr(reader)),
        tuple((split, str(p), *_stamp(p)) for split, p in files.items()),
    )
    if key not in _SCANS:
        found, notes, seqs, labels = {}, {}, {}, {}
        for split, path in files.items():
            try:
                rows = reader(path)
            except DataError as exc:
                notes[split] = str(exc)
                continue
            seqs[split] = [seq.upper() for _, seq, _ in rows]
            labels[split] = [label for *_, label in rows]
            found[split] = stats([len(seq) for seq in seqs[split]], labels[split])
        _SCANS[key] = (found, notes, leakage.audit(seqs, labels) if seqs else None)
    return _SCANS[key]


def task_status(task: Any, root: Path, refs: dict[str, Checksum]) -> list[SplitStatus]:
    """One row per split (present or missing) of a task, with the leakage audit of the splits
    that could be read (``DescribedTask`` layouts describe themselves, without it)."""
    if isinstance(task, DescribedTask):
        return task.describe(root, refs)
    reader = task.read_split if isinstance(task, SplitReaderTask) else tables.read_rows
    files = task.split_files(root)
    found, notes, audit = _scan(reader, {s: p for s, p in files.items() if p is not None})
    out = []
    for split, path in files.items():
        if path is None:
            out.append(SplitStatus(task=task.name, split=split, path=None, checksum="missing"))
            continue
        out.append(
            SplitStatus(
                task=task.name,
                split=split,
                path=str(path),
                note=notes.get(split, ""),
                checksum=checksum_state(path, root, refs),
                leakage=audit.split_view(split) if audit is not None and split in found else {},
                **found.get(split, {}),
            )
        )
    return out


def verify(root: Path, refs: dict[str, Checksum]) -> list[tuple[str, str]]:
    """Re-hash every referenced file that should exist: ``(relative path, state)`` per file."""
    results = []
    for rel, ref in sorted(refs.items(), key=lambda item: item[0]):
        if ref.sha256 is None:
            continue
        results.append((rel, checksum_state(Path(root) / rel, root, refs, cached=False)))
    return results
