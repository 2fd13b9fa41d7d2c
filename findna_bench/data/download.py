"""Fetching benchmark sources into the data root: resume, sha256 check, unpack, checksum record.

A ``Source`` is one official file (an archive, or a gzip FASTA). ``fetch`` puts it in
``<root>/downloads/<filename>``: it resumes a partial ``.part`` file with an HTTP Range request,
verifies the sha256 when one is known (otherwise records what it got, so ``data verify`` can tell
later changes), and unpacks it under the root. Sources that cannot be fetched by a script
(``manual``) are unpacked when a user has placed the file there by hand.

Every failure is a ``DataError`` with one line naming the URL and the exact path where the file
can be placed by hand. The engine never prints: progress goes to a ``progress(done, total)``
callback (``total`` is None when the server does not say).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from findna_bench.data import checksums
from findna_bench.errors import DataError

DOWNLOADS = "downloads"
RECORD = "checksums.json"
TIMEOUT_S = 10.0
UNPACK = ("zip", "tar", "gunzip", "none")
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    """One official file of a benchmark and where its content lands under the data root."""

    url: str
    filename: str  # stored as <root>/downloads/<filename>
    into: str  # folder under the root that receives the unpacked content
    creates: str  # path under the root that exists once the source is in place
    unpack: str = "zip"  # zip | tar | gunzip | none
    sha256: str | None = None  # published checksum, when the provider has one
    # set when a script cannot fetch it: the one-line instruction, with {url}, {archive} and
    # {root} filled in (the user places the file by hand, then runs the command again)
    manual: str | None = None

    def archive(self, root: Path) -> Path:
        return Path(root) / DOWNLOADS / self.filename


def mirrored(source: Source, mirror: str | None) -> Source:
    """The same source fetched from ``<mirror>/<filename>`` (an institutional or local copy)."""
    if not mirror:
        return source
    return replace(source, url=f"{mirror.rstrip('/')}/{source.filename}", manual=None)


def read_record(root: Path) -> dict[str, str]:
    """Checksums recorded by earlier downloads: path relative to the root -> sha256."""
    path = Path(root) / DOWNLOADS / RECORD
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: not a JSON object of path -> sha256 ({exc}); delete it") from exc


def _record(root: Path, rel: str, digest: str) -> None:
    path = Path(root) / DOWNLOADS / RECORD
    record = read_record(root)
    record[rel] = digest
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _by_hand(source: Source, root: Path) -> str:
    return f"download {source.url} by hand and place it at {source.archive(root)}"


def _download(source: Source, root: Path, progress: Progress | None, timeout: float) -> None:
    """Download to ``<archive>.part`` (resuming it) and rename it into place."""
    target = source.archive(root)
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(source.url, headers={"User-Agent": "findna-bench"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # https/http URLs
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            os.replace(part, target)
            return
        raise DataError(
            f"{source.url} answered HTTP {exc.code} {exc.reason}; {_by_hand(source, root)}"
        ) from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"cannot reach {source.url} ({reason}); offline? {_by_hand(source, root)}"
        ) from None
    with response:
        resumed = response.status == 206
        length = response.headers.get("Content-Length")
        total = (int(length) + (have if resumed else 0)) if length else None
        done = have if resumed else 0
        try:
            with open(part, "ab" if resumed else "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        except (TimeoutError, OSError) as exc:
            raise DataError(
                f"download of {source.url} broke off at {done} bytes ({exc}); run the "
                f"same command again to resume {part}"
            ) from None
    if total is not None and done != total:
        raise DataError(
            f"download of {source.url} stopped at {done} of {total} bytes; run the "
            f"same command again to resume {part}"
        )
    os.replace(part, target)


def _check(source: Source, root: Path) -> str:
    """sha256 of the archive; a mismatch moves it to ``<archive>.bad`` and raises."""
    archive = source.archive(root)
    got = checksums.sha256(archive, cached=False)
    expected = source.sha256 or read_record(root).get(f"{DOWNLOADS}/{source.filename}")
    if expected and got != expected:
        bad = archive.with_name(archive.name + ".bad")
        os.replace(archive, bad)
        raise DataError(
            f"sha256 mismatch for {source.url}: got {got}, expected {expected} "
            f"(moved to {bad}); retry, or place a verified copy at {archive}"
        )
    return got


def _inside(base: Path, name: str) -> Path:
    target = (base / name).resolve()
    if not target.is_relative_to(base.resolve()):
        raise DataError(f"archive member {name!r} would land outside {base}; refusing to unpack it")
    return target


def unpack(source: Source, root: Path) -> None:
    """Unpack the downloaded archive into ``<root>/<into>`` (refusing paths that escape it)."""
    archive, dest = source.archive(root), Path(root) / source.into
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if source.unpack == "zip":
            if not zipfile.is_zipfile(archive):
                raise DataError(
                    f"{archive} from {source.url} is not a zip archive (a login or "
                    f"confirmation page?); {_by_hand(source, root)}"
                )
            with zipfile.ZipFile(archive) as zf:
                for name in zf.namelist():
                    _inside(dest, name)
                zf.extractall(dest)
        elif source.unpack == "tar":
            with tarfile.open(archive) as tf:
                for member in tf.getmembers():
                    _inside(dest, member.name)
                    if member.issym() or member.islnk():
                        raise DataError(
                            f"{archive}: link member {member.name!r}; refusing to unpack it"
                        )
                tf.extractall(dest)
        elif source.unpack == "gunzip":
            out = dest / Path(source.filename).with_suffix("").name
            tmp = out.with_name(out.name + ".tmp")
            with gzip.open(archive, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            os.replace(tmp, out)
        elif source.unpack != "none":
            raise DataError(f"source {source.filename}: unpack must be one of {UNPACK}")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, gzip.BadGzipFile, OSError) as exc:
        raise DataError(
            f"{archive} could not be unpacked ({exc}); delete it and download again, "
            f"or {_by_hand(source, root)}"
        ) from exc
    if not (Path(root) / source.creates).exists():
        raise DataError(
            f"{archive} unpacked into {dest} but {Path(root) / source.creates} is not "
            "there; the archive does not have the expected layout"
        )


def fetch(
    source: Source,
    root: Path,
    *,
    progress: Progress | None = None,
    timeout: float = TIMEOUT_S,
    force: bool = False,
) -> str:
    """Put one source in place under ``root``; returns 'present', 'unpacked' or 'downloaded'."""
    root = Path(root)
    if (root / source.creates).exists() and not force:
        return "present"
    archive = source.archive(root)
    archive.parent.mkdir(parents=True, exist_ok=True)
    state = "unpacked"
    if not archive.exists():
        if source.manual:
            raise DataError(source.manual.format(root=root, archive=archive, url=source.url))
        _download(source, root, progress, timeout)
        state = "downloaded"
    digest = _check(source, root)
    unpack(source, root)
    _record(root, f"{DOWNLOADS}/{source.filename}", digest)
    return state
