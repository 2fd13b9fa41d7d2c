"""FASTA records through pyfaidx, with the header line number of each record for error messages.

Plain and BGZF-compressed FASTA are read in place (pyfaidx writes a ``.fai`` index beside the
file on first use). A gzip file that is not BGZF, an unwritable index or duplicate record names
raise ``DataError`` saying what to do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from findna_bench.errors import DataError, DataUnavailable

_GENE = re.compile(r"(?:^|\s)gene:(\S+)")


@dataclass(frozen=True, kw_only=True, slots=True)
class Record:
    name: str
    description: str  # the whole header line after '>'
    length: int
    line: int  # 1-based line of the header in the (decompressed) file

    @property
    def gene(self) -> str | None:
        """The ``gene:<id>`` field of Ensembl cDNA headers, if present."""
        match = _GENE.search(self.description)
        return match.group(1) if match else None


def open_fasta(path: Path):  # pyfaidx.Fasta
    """A pyfaidx ``Fasta`` over ``path`` (raw strings, case kept)."""
    import pyfaidx

    path = Path(path)
    if not path.exists():
        raise DataUnavailable(f"{path} does not exist; download the FASTA or place it there")
    try:
        return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False, rebuild=False)
    except pyfaidx.UnsupportedCompressionFormat:
        raise DataError(
            f"{path} is gzip but not BGZF; decompress it (gunzip) or recompress it "
            "with bgzip so it can be indexed"
        ) from None
    except PermissionError as exc:
        raise DataError(
            f"{path}: cannot write its index ({exc}); copy the FASTA to a writable "
            "folder or create the index there with `samtools faidx`"
        ) from None
    except (ValueError, pyfaidx.FastaIndexingError) as exc:
        raise DataError(f"{path}: not a well-formed FASTA ({exc}); fix or re-download it") from None


def records(fasta) -> Iterator[Record]:
    """Every record in file order, with the line number of its header."""
    line = 1
    for name, entry in fasta.faidx.index.items():
        header = fasta[name].long_name
        yield Record(name=name, description=header, length=entry.rlen, line=line)
        per_line = entry.lenc or 1
        line += 1 + (math.ceil(entry.rlen / per_line) if entry.rlen else 0)


def sequence(fasta, name: str, end: int | None = None) -> str:
    """The record's sequence (its first ``end`` bases when given), case kept."""
    record = fasta[name]
    return str(record[:end] if end is not None else record[:])
