"""Readers for ``sequence,label`` CSV files (plain or gzip) with line-numbered errors.

CRLF line ends are accepted. A missing file raises ``DataUnavailable``; a wrong header, a
non-integer label or a truncated gzip raise ``DataError`` naming the file and line.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

from findna_bench.errors import DataError, DataUnavailable

REQUIRED = ("sequence", "label")


def find_table(directory: Path, stem: str) -> Path | None:
    """``<dir>/<stem>.csv.gz`` or ``<dir>/<stem>.csv``, whichever exists."""
    for suffix in (".csv.gz", ".csv"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="ascii", newline="")
    return open(path, encoding="ascii", newline="")


def read_rows(path: Path) -> list[tuple[int, str, int]]:
    """``(line, sequence, label)`` for every data row of a sequence/label CSV."""
    if not path.exists():
        raise DataUnavailable(
            f"{path} does not exist; download the benchmark or place the file there"
        )
    rows: list[tuple[int, str, int]] = []
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise DataError(f"{path}: empty file; expected a header line 'sequence,label'")
            header = [h.strip().lower() for h in header]
            if not all(col in header for col in REQUIRED):
                raise DataError(
                    f"{path}:1: header is {','.join(header)!r}, expected columns "
                    "'sequence,label'; rename the columns"
                )
            i_seq, i_lab = header.index("sequence"), header.index("label")
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{path}:{line}: {len(row)} fields, header has {len(header)}; fix the row"
                    )
                label = row[i_lab].strip()
                try:
                    value = int(label)
                except ValueError:
                    raise DataError(
                        f"{path}:{line}: label {label!r} is not an integer; labels must be "
                        "integer class ids"
                    ) from None
                rows.append((line, row[i_seq].strip(), value))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(
            f"{path}: corrupt or truncated gzip ({exc}); download the file again"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not ASCII text ({exc}); expected a sequence,label CSV") from exc
    return rows
