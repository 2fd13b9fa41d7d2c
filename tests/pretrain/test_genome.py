"""Genome window sampler: reproducible, inside chromosomes, policies, plain-gzip handling."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from findna_bench import dna
from findna_bench.errors import DataError
from findna_bench.pretrain.genome import GenomeSampler

CHR20 = Path("genome/GRCh37_chr20/chr20.fa.gz")


def decode(tokens) -> str:
    return "".join(dna.ALPHABET[t] for t in tokens)


def test_chr20_windows_reproducible_and_match_the_fasta(data_root):
    import pyfaidx

    a = GenomeSampler([data_root / CHR20], length=200, seed=7)
    b = GenomeSampler([data_root / CHR20], length=200, seed=7)
    c = GenomeSampler([data_root / CHR20], length=200, seed=8)
    fasta = pyfaidx.Fasta(str(data_root / CHR20), as_raw=True)
    for k in range(20):
        rec, start, tokens = a.locate(k)
        assert (rec, start) == b.locate(k)[:2]
        assert start >= 0 and start + 200 <= rec.length == 63_025_520
        assert decode(tokens) == fasta["20"][start : start + 200].upper()
    assert [a.locate(k)[1] for k in range(5)] != [c.locate(k)[1] for k in range(5)]


def test_batches_shard_and_repeat(data_root):
    s = GenomeSampler([data_root / CHR20], length=64, seed=1)
    full, ids = s.batch(3, 8, slice(0, 8))
    half, ids2 = s.batch(3, 8, slice(4, 8))
    assert (half[:4] == dna.PAD).all() and (half[4:] == full[4:]).all()
    assert ids.tolist() == ids2.tolist() == list(range(24, 32))


def test_windows_never_cross_a_record_end(fasta: Path):
    s = GenomeSampler([fasta], length=80, seed=0)
    seen = {"a": set(), "b": set()}
    for k in range(400):
        rec, start, tokens = s.locate(k)
        assert start + 80 <= rec.length and len(tokens) == 80
        seen[rec.name].add(start)
    assert seen["b"] == {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}  # 90 bp: starts 0..10 only
    assert max(seen["a"]) == 220  # 300 bp: last start 220
    # uniform choice: the short record is drawn about half the time; by length: rarely
    by_length = GenomeSampler([fasta], length=80, seed=0, choose="by-length")
    short = sum(by_length.locate(k)[0].name == "b" for k in range(400))
    assert 10 < short < 40 and abs(sum(s.locate(k)[0].name == "b" for k in range(400)) - 200) < 50
    with pytest.raises(DataError, match="at least 400 bp"):
        GenomeSampler([fasta], length=400)


def test_n_and_softmask_policies(fasta: Path):
    keep = GenomeSampler([fasta], length=50, seed=0, chromosomes=["a"])
    skip_n = GenomeSampler([fasta], length=50, seed=0, chromosomes=["a"], max_n_fraction=0.1)
    skip_lower = GenomeSampler(
        [fasta], length=50, seed=0, chromosomes=["a"], softmask="skip", max_lower_fraction=0.2
    )
    n_frac = [(keep.locate(k)[2] == 3).mean() for k in range(100)]
    assert max(n_frac) == 1.0  # N-rich windows are kept by default (FinDNA)
    assert max((skip_n.locate(k)[2] == 3).mean() for k in range(100)) <= 0.1
    for k in range(50):
        _, start, _ = skip_lower.locate(k)
        lower = sum(1 for i in range(start, start + 50) if 100 <= i < 200)
        assert lower <= 10
    # soft-masked bases are read as upper case
    _rec, start, tokens = keep.locate(next(k for k in range(100) if 100 <= keep.locate(k)[1] < 140))
    assert set(decode(tokens)) <= set("ACGTN")


def test_pool_cycles_fixed_windows(fasta: Path):
    s = GenomeSampler([fasta], length=40, seed=2, pool=6)
    epoch0 = [s.window_id(k) for k in range(6)]
    epoch1 = [s.window_id(k) for k in range(6, 12)]
    assert sorted(epoch0) == sorted(epoch1) == list(range(6))


def test_plain_gzip_is_refused_with_a_fix_or_indexed_into_the_cache(tmp_path: Path, fasta: Path):
    plain = tmp_path / "plain.fa.gz"
    plain.write_bytes(gzip.compress(fasta.read_bytes()))
    with pytest.raises(DataError, match=r"plain gzip.*bgzip.*index_cache"):
        GenomeSampler([plain], length=40)
    cached = GenomeSampler([plain], length=40, seed=1, index_cache=tmp_path / "cache")
    direct = GenomeSampler([fasta], length=40, seed=1)
    assert all(np.array_equal(cached.locate(k)[2], direct.locate(k)[2]) for k in range(10))
    assert list((tmp_path / "cache" / "genome").glob("plain.fa.*.fa"))
