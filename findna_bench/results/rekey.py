"""Move records made before run identities (keyed by their source files' digests) to today's
identity (``identity.py``), without re-training.

A record is moved only when its model's certified runs reproduced (``certify``) and every data
file it was trained on has, today, the sha256 the record holds (paths compared relative to the
data root the record names). Its numbers, predictions and provenance stay as they were: the
old key and file digests are kept under ``code.legacy``; its paths become portable as records
are written now (data files relative to the data root, a cached checkpoint relative to the
cache). Never prints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from findna_bench.paths import relative_to
from findna_bench.results.store import ResultsStore, record_key

CACHED = "/findna-bench/pretrained/"  # a checkpoint in a findna-bench cache, on any machine


def legacy(record: dict) -> bool:
    """A success record keyed by source-file digests (no ``code.versions``)."""
    code = record.get("code")
    return record.get("status") == "ok" and isinstance(code, dict) and "versions" not in code


def _relative_data(record: dict) -> dict[str, str]:
    data = record.get("data") or {}
    root = Path(data.get("root") or "/")
    out = {}
    for path, digest in (data.get("files") or {}).items():
        try:
            out[Path(path).relative_to(root).as_posix()] = digest
        except ValueError:
            out[path] = digest
    return out


def new_code(record: dict, identity: dict) -> dict | str:
    """The record's new ``code`` block, or why it cannot be moved."""
    stored = _relative_data(record)
    today = identity["data"]
    if not today or stored != today:
        changed = sorted(k for k in set(stored) | set(today) if stored.get(k) != today.get(k))
        return f"its data files differ from today's ({', '.join(changed[:3]) or 'none found'})"
    old = record["code"]
    return {
        **identity,
        "files": old.get("files"),
        "files_fingerprint": old.get("fingerprint"),
        "version": old.get("version"),
        "legacy": {"fingerprint": old.get("fingerprint"), "rekeyed_from": True},
    }


def portable(record: dict) -> dict:
    """The record with its data paths relative to the data root it names and a cached
    checkpoint relative to the cache (as records are written now); other fields unchanged."""
    data = dict(record.get("data") or {})
    root = data.get("root")
    if root:
        data["files"] = _relative_data(record)
        data["protocol"] = {
            k: relative_to(v, Path(root)) if isinstance(v, str) else v
            for k, v in (data.get("protocol") or {}).items()
        }
    data.pop("root", None)  # every path is relative to it now: no machine's path is kept
    out = {**record, "data": data}
    if isinstance(record.get("protocol"), dict) and root:
        out["protocol"] = {
            k: relative_to(v, Path(root)) if isinstance(v, str) and v.startswith("/") else v
            for k, v in record["protocol"].items()
        }
    pretrained = record.get("pretrained")
    if isinstance(pretrained, dict) and CACHED in str(pretrained.get("checkpoint")):
        where = "<cache>/pretrained/" + str(pretrained["checkpoint"]).split(CACHED, 1)[1]
        out["pretrained"] = {**pretrained, "checkpoint": where}
    return out


def move(store: ResultsStore, path: Path, record: dict, code: dict) -> Path:
    """Write the record under its new key (predictions renamed beside it), then remove the old
    file; the new record is complete before the old one goes."""
    old_key = path.stem
    new_key = record_key(record["run_id"], code["fingerprint"])
    moved = portable({**record, "code": code})
    block = record.get("predictions")
    if block and block.get("file", "").startswith(old_key + "."):
        new_name = new_key + block["file"][len(old_key) :]
        os.replace(path.parent / block["file"], path.parent / new_name)
        moved["predictions"] = {**block, "file": new_name}
    written = store.write(moved, key=new_key)
    if written.written:
        path.unlink()
    return written.path


def rekey(store: ResultsStore, identifier: Any, models: set[str]) -> tuple[int, list[str]]:
    """Move the legacy records of ``models``; (moved, one line per record left as it was)."""
    moved, left = 0, []
    for path in sorted(store.root.glob("*.json")):
        record, problem = store.load(path)
        if problem or not legacy(record) or record["model"] not in models:
            continue
        code = new_code(record, identifier.for_config(record["config"], record["task"]))
        if isinstance(code, str):
            left.append(f"{path.name}: not moved: {code}")
            continue
        move(store, path, record, code)
        moved += 1
    return moved, left
