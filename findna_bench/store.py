"""The results store: one JSON record per run, written atomically, never overwritten.

A successful run is ``<root>/<run_id>.json``; a failed one is
``<root>/<run_id>.failed-<utc time>.json``. A run is done when its success file exists, so a
killed suite re-run does only what is missing, and stores from several machines merge by copying
files into one folder.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

SCHEMA_VERSION = 1


class ResultsStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, run_id: str) -> Path:
        return self.root / f"{run_id}.json"

    def has(self, run_id: str) -> bool:
        return self.path_for(run_id).exists()

    def write(self, record: dict) -> Path:
        """Write a record atomically (temp file + rename) and return its path."""
        self.root.mkdir(parents=True, exist_ok=True)
        record = {"schema_version": SCHEMA_VERSION, **record}
        if record.get("status") == "ok":
            target = self.path_for(record["run_id"])
        else:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            target = self.root / f"{record['run_id']}.failed-{stamp}.json"
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=1, sort_keys=True, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        if record.get("status") == "ok" and target.exists():
            os.unlink(tmp)
            raise FileExistsError(f"{target} already exists; records are append-only")
        os.replace(tmp, target)
        return target

    def read_all(self) -> tuple[list[dict], list[str]]:
        """All readable records, and one message per unreadable file (never raises)."""
        records, problems = [], []
        if not self.root.exists():
            return records, problems
        for path in sorted(self.root.rglob("*.json")):
            if path.name.startswith(".tmp-"):
                continue
            try:
                record = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                problems.append(f"{path}: unreadable record ({exc}); skipped")
                continue
            if not isinstance(record, dict) or "run_id" not in record:
                problems.append(f"{path}: not a findna-bench record; skipped")
                continue
            records.append(record)
        return records, problems
