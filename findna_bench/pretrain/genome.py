"""Fixed-length windows streamed from reference FASTA files (pyfaidx; plain or BGZF + .gzi).

Window ``k`` of a run is a pure function of ``(seed, k)``: its chromosome (uniform over
records, as FinDNA does, or by length), its start (uniform over starts whose window ends inside
the record, so a window never crosses a chromosome end) and any re-draws that the N-fraction or
soft-mask policy asks for all come from a generator seeded by ``(seed, k)``. So sampling is
reproducible, resumes from a step count alone, and shards over data-parallel ranks without
communication. Nothing is loaded into memory beyond the windows themselves.

With ``pool`` set, the stream cycles over ``pool`` fixed windows in a fresh order each epoch
(the paper's 100k-window dataset); window ids then repeat, which static views rely on.
Plain-gzip FASTA cannot be read at random: it raises a one-line error telling how to index it,
or, with ``index_cache``, is decompressed once into an indexed copy under the cache dir.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from findna_bench import dna
from findna_bench.errors import ConfigError, DataError

CHOICES = ("uniform", "by-length")
SOFTMASK = ("upper", "skip")
MAX_TRIES = 1000

_TOKENS = np.full(256, dna.ALPHABET.index("N"), dtype=np.uint8)  # IUPAC codes etc. -> N
for _i, _base in enumerate(dna.ALPHABET):
    _TOKENS[ord(_base)] = _TOKENS[ord(_base.lower())] = _i


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _is_bgzf(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(18)
    return len(head) == 18 and bool(head[3] & 4) and head[12:14] == b"BC"


def _indexed_copy(path: Path, cache_dir: Path) -> Path:
    """Decompress a plain-gzip FASTA once into ``cache_dir`` (pyfaidx then writes its .fai)."""
    stat = path.stat()
    key = hashlib.sha256(
        f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    ).hexdigest()[:12]
    target = cache_dir / "genome" / f"{path.name.removesuffix('.gz')}.{key}.fa"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 22)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return target


def open_fasta(path: Path, *, index_cache: Path | None = None):
    """A pyfaidx ``Fasta`` over a plain FASTA, or a BGZF one with its .fai and .gzi."""
    import pyfaidx

    if not path.exists():
        raise DataError(
            f"genome FASTA {path} does not exist; fix pretrain.data.fasta (paths are "
            "relative to the data root)"
        )
    if _is_gzip(path) and not _is_bgzf(path):
        if index_cache is None:
            raise DataError(
                f"{path} is plain gzip and cannot be read at random: recompress it with "
                f"`zcat {path} | bgzip > X.fa.gz && samtools faidx X.fa.gz`, or set "
                "pretrain.data.index_cache: true to build an indexed copy in the cache dir"
            )
        path = _indexed_copy(path, index_cache)
    try:
        return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False, rebuild=False)
    except ImportError as exc:
        raise DataError(
            f"{path}: reading BGZF needs Biopython ({exc}); pip install biopython"
        ) from exc
    except (OSError, pyfaidx.FastaIndexingError) as exc:
        raise DataError(
            f"{path}: cannot index or read ({exc}); put a .fai (and .gzi for BGZF) "
            "next to it with `samtools faidx`"
        ) from exc


@dataclass(frozen=True, slots=True)
class Record:
    file: int
    name: str
    length: int


class GenomeSampler:
    """Seeded, streaming window sampler; see the module docstring."""

    def __init__(
        self,
        fasta: list[Path],
        *,
        length: int = 1000,
        chromosomes: list[str] | None = None,
        choose: str = "uniform",
        max_n_fraction: float | None = None,
        softmask: str = "upper",
        max_lower_fraction: float = 0.5,
        pool: int | None = None,
        seed: int = 0,
        index_cache: Path | None = None,
    ) -> None:
        if choose not in CHOICES:
            raise ConfigError(f"pretrain.data.choose {choose!r} is not one of {CHOICES}")
        if softmask not in SOFTMASK:
            raise ConfigError(f"pretrain.data.softmask {softmask!r} is not one of {SOFTMASK}")
        if not fasta:
            raise ConfigError("pretrain.data.fasta: list at least one genome FASTA file")
        self.length, self.seed, self.pool = length, seed, pool
        self.max_n_fraction, self.softmask, self.max_lower = (
            max_n_fraction,
            softmask,
            max_lower_fraction,
        )
        self.files = [open_fasta(Path(p), index_cache=index_cache) for p in fasta]
        # a pyfaidx Fasta iterates its records, not their names: keys() is needed
        names = [(i, f, list(f.keys())) for i, f in enumerate(self.files)]
        records = [Record(i, name, len(f[name])) for i, f, keys in names for name in keys]
        if chromosomes:
            unknown = set(map(str, chromosomes)) - {r.name for r in records}
            if unknown:
                raise ConfigError(
                    f"pretrain.data.chromosomes {sorted(unknown)} not found; "
                    f"available: {sorted(r.name for r in records)}"
                )
            records = [r for r in records if r.name in set(map(str, chromosomes))]
        self.records = [r for r in records if r.length >= length]
        if not self.records:
            raise DataError(
                f"no FASTA record is at least {length} bp long in {list(map(str, fasta))}"
            )
        sizes = np.array([r.length - length + 1 for r in self.records], dtype=np.float64)
        self.weights = sizes / sizes.sum() if choose == "by-length" else None
        self._perm: tuple[int, torch.Tensor] | None = None

    def fingerprint(self) -> str:
        """Identifies the window stream (records, length, policy, seed) for resume checks."""
        text = repr(
            (
                self.records,
                self.length,
                self.seed,
                self.pool,
                self.max_n_fraction,
                self.softmask,
                self.max_lower,
                self.weights is None,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def window_id(self, k: int) -> int:
        if not self.pool:
            return k
        epoch, index = divmod(k, self.pool)
        if self._perm is None or self._perm[0] != epoch:
            generator = torch.Generator().manual_seed(self.seed * 7919 + epoch)
            self._perm = (epoch, torch.randperm(self.pool, generator=generator))
        return int(self._perm[1][index])

    def locate(self, window_id: int) -> tuple[Record, int, np.ndarray]:
        """(record, start, tokens) of a window id, after the N and soft-mask policies."""
        rng = np.random.default_rng([self.seed, window_id])
        for _ in range(MAX_TRIES):
            i = int(
                rng.integers(len(self.records))
                if self.weights is None
                else rng.choice(len(self.records), p=self.weights)
            )
            record = self.records[i]
            start = int(rng.integers(0, record.length - self.length + 1))
            raw = np.frombuffer(
                self.files[record.file][record.name][start : start + self.length].encode("ascii"),
                dtype=np.uint8,
            )
            tokens = _TOKENS[raw]
            if self.max_n_fraction is not None and (tokens == 3).mean() > self.max_n_fraction:
                continue
            if self.softmask == "skip" and (raw >= ord("a")).mean() > self.max_lower:
                continue
            return record, start, tokens
        raise DataError(
            f"no window passed the N / soft-mask policy in {MAX_TRIES} draws; "
            "relax pretrain.data.max_n_fraction or max_lower_fraction"
        )

    def batch(self, step: int, batch_size: int, rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens ``[batch_size, length]`` of global batch ``step``, read only for ``rows``
        (other rows are PAD), and the window ids of the whole batch."""
        first = step * batch_size
        ids = torch.tensor([self.window_id(first + i) for i in range(batch_size)], dtype=torch.long)
        tokens = torch.full((batch_size, self.length), dna.PAD, dtype=torch.long)
        for row in range(*rows.indices(batch_size)):
            tokens[row] = torch.from_numpy(self.locate(int(ids[row]))[2].astype(np.int64))
        return tokens, ids
