"""sha256 of data files (cached per process by path, size and mtime) and of folder layouts.

A folder's digest is ``tree:<sha256>`` over its sorted relative file paths and their digests,
so a dataset stored as one file per sequence (the GenomicBenchmarks cache) is checksummed too.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


def _hash_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=4096)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    return _hash_file(path)


def sha256(path: Path, *, cached: bool = True) -> str:
    """Hex sha256 of a file's bytes; ``cached=False`` always re-reads the file (verify)."""
    path = Path(path)
    if not cached:
        return _hash_file(str(path))
    stat = path.stat()
    return _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def digest(path: Path, *, cached: bool = True) -> str:
    """sha256 of a file, or ``tree:<sha256>`` of a folder's files (sorted relative paths)."""
    path = Path(path)
    if not path.is_dir():
        return sha256(path, cached=cached)
    tree = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        tree.update(
            f"{file.relative_to(path).as_posix()}\0{sha256(file, cached=cached)}\n".encode()
        )
    return "tree:" + tree.hexdigest()
